"""A student's standing (`selectors.ledger.get_standing`): its statement is written out once per
process, so it is checked here against the ORM's `ranked_counts`, which the leaderboards still
use, for every student of a population with ties, students without a department, a
deactivated student, one promoted to faculty and a graduate."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Q

from portal.models import Role, StudentProfile, User
from portal.selectors.ledger import Standing, get_standing, ranked_counts
from tests.factories import DepartmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def expected_standing(profile: StudentProfile) -> Standing:
    higher = Q(lifetime_points__gt=profile.lifetime_points)
    same_dept = Q(department_id=profile.department_id)
    counts = ranked_counts(
        higher=higher, total=Q(), dept_higher=higher & same_dept, dept_total=same_dept
    )
    has_dept = profile.department_id is not None
    return Standing(
        balance=profile.balance,
        lifetime_points=profile.lifetime_points,
        rank=counts["higher"] + 1,
        of=counts["total"],
        department_rank=counts["dept_higher"] + 1 if has_dept else None,
        department_of=counts["dept_total"] if has_dept else None,
    )


@pytest.fixture
def population(department):
    other = DepartmentFactory(name="Electrical Engineering", code="EE")
    points = [0, 5, 5, 12, 30, 30, 30, 44, 70, 70, 101, 250]
    profiles = []
    for i, lifetime in enumerate(points):
        dept = (department, other, None)[i % 3]
        profile = StudentFactory(department=dept)
        StudentProfile.objects.filter(pk=profile.pk).update(
            lifetime_points=lifetime, balance=lifetime // 2
        )
        profiles.append(profile)
    gone, promoted, graduate = profiles[4], profiles[8], profiles[10]
    User.objects.filter(pk=gone.user_id).update(is_active=False)
    User.objects.filter(pk=promoted.user_id).update(role=Role.FACULTY)
    User.objects.filter(pk=graduate.user_id).update(role=Role.ALUMNUS)
    return list(StudentProfile.objects.select_related("user").order_by("pk"))


def test_every_students_standing_is_what_ranked_counts_says(population):
    for profile in population:
        assert get_standing(profile) == expected_standing(profile), profile.pk


def test_ties_share_a_rank_and_the_unranked_do_not_count(population):
    standing = get_standing(population[5])  # 30 points; another 30 was deactivated
    assert standing.of == len(population) - 3
    assert standing.rank == 1 + sum(
        1
        for p in population
        if p.lifetime_points > 30 and p.pk not in {population[8].pk, population[10].pk}
    )
    assert population[5].department_id is None
    no_dept = get_standing(population[5])
    assert (no_dept.department_rank, no_dept.department_of) == (None, None)


def test_it_is_one_query(population, django_assert_num_queries):
    with django_assert_num_queries(1):
        get_standing(population[0])
    with django_assert_num_queries(1):  # the totals from the cache: the counts above only
        get_standing(population[0])


def test_every_students_standing_with_the_totals_from_the_cache(population):
    for profile in population:
        get_standing(profile)  # fills the totals (overall and each department)
    for profile in population:
        assert get_standing(profile) == expected_standing(profile), profile.pk


def test_the_totals_are_shared_for_a_minute_and_never_below_the_rank(population, department):
    first = get_standing(population[0])
    newcomer = StudentFactory(department=population[0].department)
    StudentProfile.objects.filter(pk=newcomer.pk).update(lifetime_points=1000)
    population[0].refresh_from_db()
    again = get_standing(population[0])
    assert again.rank == first.rank + 1  # the students above: counted on every call
    assert again.of == max(first.of, again.rank)  # the total: from the cache
    cache.clear()
    fresh = get_standing(population[0])
    assert (fresh.rank, fresh.of) == (again.rank, first.of + 1)
    assert fresh == expected_standing(population[0])
    # A total older than a flood of newcomers is read as at least the rank.
    top = StudentProfile.objects.get(pk=newcomer.pk)
    for _ in range(3):
        StudentProfile.objects.filter(pk=StudentFactory().pk).update(lifetime_points=2000)
    lowest = get_standing(population[0])
    assert lowest.of >= lowest.rank
    assert get_standing(top).rank == 4
