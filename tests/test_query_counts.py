"""Query counts of the hot pages: exact numbers, and the same number whatever the data size.

Every count includes the two queries a signed-in request always makes (session, user). When a
count changes on purpose, update the number here and say why in the change."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Category, Department, Reward, StudentProfile, Transaction, User
from portal.services import ledger
from portal.services import rewards as reward_services
from tests.conftest import key
from tests.factories import CategoryFactory, DepartmentFactory, RewardFactory, StudentFactory
from tests.helpers import page_queries, redeem

pytestmark = pytest.mark.django_db

_amounts = itertools.count()


def award(actor: User, profile: StudentProfile, category: Category, amount: int) -> Transaction:
    return ledger.award_points(
        actor=actor,
        student_id=profile.pk,
        category_id=category.pk,
        amount=amount,
        reason="Lab work",
        idempotency_key=key(),
    )


def add_students(
    count: int, *, departments: list[Department], category: Category, actors: list[User]
) -> None:
    """`count` students spread over `departments`, each with an award and a deduction by
    rotating actors; every tenth has its award reversed and given again. That is every kind of
    row the pages render. Everybody keeps at least 19 lifetime points."""
    for i in range(count):
        profile = StudentFactory(department=departments[i % len(departments)])
        actor = actors[i % len(actors)]
        first = award(actor, profile, category, 20 + next(_amounts) % 30)
        if i % 10 == 0:
            ledger.reverse_transaction(
                actor=actor, transaction_id=first.pk, reason="Typo", idempotency_key=key()
            )
            award(actor, profile, category, 20)
        ledger.deduct_points(
            actor=actor, student_id=profile.pk, amount=1, reason="Late", idempotency_key=key()
        )


@pytest.fixture
def other_department() -> Department:
    return DepartmentFactory(name="Electrical Engineering", code="EE")


@pytest.fixture
def populate(
    department, other_department, category, student, other_student, faculty, other_faculty, admin
) -> Callable[..., None]:
    """Grow the data. `populate(10)` is the small start: ten students in the `student`
    fixture's department, their entries all by `other_faculty`, 24 entries in all, so that every
    list a viewer sees (own history, recent awards, the staff ledger's first page) is still
    short and a query per row would show when it fills up. `populate(n, spread=True)` adds
    students over two departments with entries by faculty, other_faculty and admin.

    Each call also gives the `student` fixture `own_entries` entries: +5 up to 15 lifetime
    points, then -5 and +5 in turn. Everybody else has more, so the student stays outside every
    top ten and the pages take the same path before and after growing."""

    def grow(count: int, *, spread: bool = False, own_entries: int = 2) -> None:
        actors = [faculty, other_faculty, admin] if spread else [other_faculty]
        departments = [department, other_department] if spread else [department]
        add_students(count, departments=departments, category=category, actors=actors)
        for i in range(own_entries):
            actor = actors[i % len(actors)]
            if student.lifetime_points < 15:
                award(actor, student, category, 5)
            else:
                ledger.deduct_points(
                    actor=actor,
                    student_id=student.pk,
                    amount=5,
                    reason="Late",
                    idempotency_key=key(),
                )
            student.refresh_from_db()

    return grow


@pytest.fixture
def small_data(populate) -> None:
    populate(10)


count_queries = page_queries


# --- exact counts -------------------------------------------------------------------------------


def test_student_dashboard_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, own profile with its department, standing (whose rank also serves their
    # row below the top five), top five, rewards they can afford, their latest redemptions,
    # upcoming events, prizes to claim and open draws (one query), current task, claims waiting
    # for review (the activity feed and the chart load after the page, and the level needs no
    # query)
    with django_assert_num_queries(11):
        client.get("/")


def test_a_cached_session_costs_no_query(
    small_data, client_as, student, settings, django_assert_num_queries
):
    """Production keeps sessions in the cache (cached_db): the student dashboard's budget above
    less the session read."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = client_as(student)
    client.get("/")  # the first read fills the cache
    with django_assert_num_queries(10):
        client.get("/")


def test_faculty_dashboard_query_count(small_data, client_as, faculty, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, active categories (until they are in the cache), recent awards, their
    # events with live counts, claims and task submissions waiting for review, trend figures
    # (one statement)
    with django_assert_num_queries(7):
        client.get("/")
    with django_assert_num_queries(6):
        client.get("/")


def test_admin_dashboard_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, active categories (until they are in the cache), recent awards, their
    # events with live counts, trend figures (one statement), queue counts, open draws, overdue
    # prizes, claims and task submissions waiting for review, pending count in the navigation
    with django_assert_num_queries(11):
        client.get("/")
    # The categories and everyone's trend figures from the cache.
    with django_assert_num_queries(9):
        client.get("/")


def test_htmx_award_query_count(client_as, faculty, student, other_student, category):
    client = client_as(faculty)
    for profile in [student, other_student] * 5:  # a full recent-awards list; both have earned
        award(faculty, profile, category, 20)
    with CaptureQueriesContext(connection) as service:
        award(faculty, other_student, category, 20)
    data = {
        "action": "award",
        "student": student.pk,
        "category": category.pk,
        "points": 20,
        "reason": "Lab work",
        "idempotency_key": key(),
    }
    with CaptureQueriesContext(connection) as view:
        response = client.post("/award/new/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Transaction.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    # session, user, the active categories (read once: to check the chosen one and to draw the
    # fresh form), then what the service runs except its category read (the form hands over the
    # category it validated): profile lock, the entry, the student's totals, notification.
    # Nothing for the response: the new row is the entry the service returned, and the recent
    # awards are not read again. (Before: the form read the student and the category, and the
    # response read the categories and the recent awards again.)
    assert len(view) == 3 + len(service) - 1


def test_recent_awards_read_in_one_query_whatever_they_hold(
    client_as, faculty, admin, student, other_student, category, django_assert_num_queries
):
    """Awards, a deduction without a category, and reversed entries: the list reads only some
    columns of each row, and showing it reads none of the others (no query per row)."""
    client = client_as(faculty)
    for profile in (student, other_student):
        award(faculty, profile, category, 20)
    penalty = ledger.deduct_points(
        actor=faculty, student_id=student.pk, amount=5, reason="Late", idempotency_key=key()
    )
    for entry in (penalty, award(faculty, other_student, CategoryFactory(), 15)):
        ledger.reverse_transaction(
            actor=admin, transaction_id=entry.pk, reason="Mistake", idempotency_key=key()
        )
    # session, user, the recent awards
    with django_assert_num_queries(3):
        html = client.get("/award/recent/", HTTP_HX_REQUEST="true").content.decode()
    assert html.count("Reversed") == 2 and html.count("Reverse…") == 2
    assert student.user.name in html and other_student.user.name in html


def test_student_history_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, entries page, own profile, standing, category filter choices
    with django_assert_num_queries(6):
        client.get("/history/")


def test_staff_history_query_count(small_data, client_as, faculty, django_assert_num_queries):
    client = client_as(faculty)
    # session, user, entries page, category filter choices, actor filter choices
    with django_assert_num_queries(5):
        client.get("/history/")


def test_filtered_staff_history_query_count(
    small_data, client_as, admin, student, category, django_assert_num_queries
):
    client = client_as(admin)
    number = student.enrollment_number
    # as above (the category choices also validate the chosen one), plus the students the
    # search names, plus the admin's pending count in the navigation
    with django_assert_num_queries(7):
        client.get(f"/history/?kind=award&category={category.pk}&student={number}&sort=-amount")


def test_all_time_leaderboard_query_count(
    small_data, client_as, student, django_assert_num_queries
):
    client = client_as(student)
    # session, user, viewer's profile with their department, top ten, viewer's rank (for their
    # own row below the top ten), department choices
    with django_assert_num_queries(6):
        client.get("/leaderboard/")


def test_weekly_leaderboard_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, viewer's profile with their department, the top period totals with their
    # profiles, viewer's period points and rank (one query), department choices
    with django_assert_num_queries(6):
        client.get("/leaderboard/?period=week")


def test_department_leaderboard_query_count(
    small_data, client_as, student, department, django_assert_num_queries
):
    client = client_as(student)
    # session, user, chosen department, viewer's profile with their department, top ten,
    # viewer's rank, department choices
    with django_assert_num_queries(7):
        client.get(f"/leaderboard/?department={department.pk}")


def test_anonymous_leaderboard_query_count(small_data, client_as, django_assert_num_queries):
    client = client_as(None)
    # top ten, department choices
    with django_assert_num_queries(2):
        client.get("/leaderboard/")


def test_user_list_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, count, page of users with their profiles and departments, pending count
    # in the navigation
    with django_assert_num_queries(5):
        client.get("/staff/people/")


def test_user_list_search_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # the same for a filtered htmx request, less the navigation (not in the fragment)
    with django_assert_num_queries(4):
        client.get("/staff/people/?q=student&role=student", HTTP_HX_REQUEST="true")


def test_reports_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, departments, students per department, ledger per department, check-ins
    # per department, ledger per category (with the total), categories, event attendance,
    # pending count in the navigation
    with django_assert_num_queries(10):
        client.get("/staff/reports/")


def test_reports_fragment_query_count(small_data, client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # the same for the htmx swap of the report, less the navigation
    with django_assert_num_queries(9):
        client.get("/staff/reports/?from=2020-01-01&to=2024-12-31", HTTP_HX_REQUEST="true")


# --- counts that must not grow with the data ----------------------------------------------


@pytest.mark.parametrize("role", ["student", "faculty", "admin"])
def test_dashboard_query_count_does_not_grow(request, populate, client_as, role):
    client = client_as(request.getfixturevalue(role))
    populate(10)
    small = count_queries(client, "/")
    populate(190, spread=True, own_entries=20)
    assert count_queries(client, "/") == small


@pytest.mark.parametrize("role", ["student", "faculty"])
def test_history_query_count_does_not_grow(request, populate, client_as, role):
    client = client_as(request.getfixturevalue(role))
    populate(10)  # 24 entries: less than a page, for staff too
    small = count_queries(client, "/history/")
    populate(190, spread=True, own_entries=40)
    assert count_queries(client, "/history/") == small


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("student", ""),
        ("student", "?period=week"),
        ("student", "?department={department}"),
        ("anonymous", "?top=50"),
        ("anonymous", "?top=50&period=week"),
    ],
)
def test_leaderboard_query_count_does_not_grow(
    request, populate, client_as, department, role, query
):
    client = client_as(None if role == "anonymous" else request.getfixturevalue(role))
    url = "/leaderboard/" + query.format(department=department.pk)
    populate(10)  # the anonymous top 50 is not full yet: a query per row would show
    small = count_queries(client, url)
    populate(190, spread=True)
    assert count_queries(client, url) == small


def test_reports_query_count_does_not_grow(populate, client_as, admin):
    client = client_as(admin)
    populate(10)
    small = count_queries(client, "/staff/reports/")
    populate(190, spread=True)
    assert count_queries(client, "/staff/reports/") == small


def test_user_list_query_count_does_not_grow(populate, client_as, admin):
    client = client_as(admin)
    populate(10)  # 15 people: less than a page
    small = count_queries(client, "/staff/people/")
    populate(190, spread=True)
    assert count_queries(client, "/staff/people/") == small


# --- rewards ------------------------------------------------------------------------------------

_reward_categories = itertools.cycle(Reward.Category.values)


@pytest.fixture
def add_rewards(admin) -> Callable[..., None]:
    """`add_rewards(n, redeemers)`: n rewards of every kind (unlimited, limited stock that runs
    out, a per-student limit, a closing window, with and without an image), each redeemed by
    every profile in `redeemers`; the redemptions then rotate through pending, approved,
    fulfilled, rejected (with a note) and cancelled, so every row the pages render is there."""
    funds = CategoryFactory(min_points=1, max_points=100)
    counter = itertools.count()

    def grow(count: int, redeemers: list[StudentProfile]) -> None:
        for _ in range(count):
            i = next(counter)
            reward = RewardFactory(
                category=next(_reward_categories),
                cost=5 + i % 7,
                stock=None if i % 3 == 0 else (len(redeemers) if i % 3 == 1 else 50),
                limit_per_student=1 if i % 4 == 0 else None,
                available_until=timezone.now() + timedelta(days=30) if i % 2 else None,
                image=f"rewards/{i}.png" if i % 2 else "",
            )
            for profile in redeemers:
                award(admin, profile, funds, reward.cost)
                redemption = redeem(profile, reward)
                decide(admin, profile, redemption.pk, i % 5)

    return grow


def decide(admin: User, profile: StudentProfile, redemption_id: int, step: int) -> None:
    """0: stays pending, 1: approved, 2: fulfilled, 3: rejected, 4: cancelled by the student."""
    if step == 4:
        reward_services.cancel_redemption(actor=profile.user, redemption_id=redemption_id)
        return
    decisions = [[], ["approve"], ["approve", "fulfil"], ["reject"]][step]
    for decision in decisions:
        reward_services.decide_redemption(
            actor=admin, redemption_id=redemption_id, decision=decision, note="Discontinued"
        )


def test_student_catalogue_query_count(
    add_rewards, client_as, student, other_student, django_assert_num_queries
):
    add_rewards(3, [student, other_student])
    client = client_as(student)
    # session, user, own profile, the rewards with how many of each the student holds
    with django_assert_num_queries(4):
        client.get("/rewards/?category=food&affordable=on&in_stock=on&sort=newest")


def test_admin_catalogue_query_count(
    add_rewards, client_as, admin, student, other_student, django_assert_num_queries
):
    add_rewards(3, [student, other_student])
    client = client_as(admin)
    # session, user, the rewards, pending count in the navigation
    with django_assert_num_queries(4):
        client.get("/rewards/")


def test_catalogue_grid_fragment_query_count(
    add_rewards, client_as, student, other_student, django_assert_num_queries
):
    add_rewards(3, [student, other_student])
    client = client_as(student)
    # the same four: the balance in the heading is not in the fragment, but the profile is
    # still needed for "can you afford it"
    with django_assert_num_queries(4):
        client.get("/rewards/?sort=-cost", HTTP_HX_REQUEST="true")


def test_my_redemptions_query_count(add_rewards, client_as, student, django_assert_num_queries):
    add_rewards(2, [student])
    client = client_as(student)
    # session, user, own profile, their redemptions with the rewards
    with django_assert_num_queries(4):
        client.get("/rewards/mine/")


def test_redemption_queue_query_count(
    add_rewards, client_as, admin, other_student, django_assert_num_queries
):
    add_rewards(3, [other_student])
    client = client_as(admin)
    # session, user, queue counts, pending count in the navigation, reward filter choices,
    # page of redemptions with students and rewards (no row count: a lazy paginator)
    with django_assert_num_queries(6):
        client.get("/staff/redemptions/")


def test_redemption_queue_table_fragment_query_count(
    add_rewards, client_as, admin, other_student, django_assert_num_queries
):
    add_rewards(3, [other_student])
    client = client_as(admin)
    # as the page, less the navigation and the filter form (not in the fragment)
    with django_assert_num_queries(4):
        client.get("/staff/redemptions/?status=", HTTP_HX_REQUEST="true")


def test_queue_badge_query_count(client_as, admin, django_assert_num_queries):
    client = client_as(admin)
    # session, user, pending count
    with django_assert_num_queries(3):
        client.get("/staff/redemptions/count/")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("student", "/rewards/"),
        ("student", "/rewards/?affordable=on&in_stock=on&sort=newest"),
        ("student", "/"),
        ("admin", "/rewards/"),
        ("admin", "/staff/rewards/"),
    ],
)
def test_catalogue_query_count_does_not_grow(
    request, add_rewards, client_as, student, other_student, role, url
):
    client = client_as(request.getfixturevalue(role))
    add_rewards(3, [student, other_student])
    small = count_queries(client, url)
    add_rewards(27, [student, other_student])
    assert count_queries(client, url) == small


def test_my_redemptions_query_count_does_not_grow(add_rewards, client_as, student):
    client = client_as(student)
    add_rewards(2, [student])
    small = count_queries(client, "/rewards/mine/")
    add_rewards(18, [student])
    assert count_queries(client, "/rewards/mine/") == small


@pytest.mark.parametrize(
    ("query", "htmx"),
    [("", False), ("?status=", False), ("?status=", True), ("?status=fulfilled", False)],
)
def test_redemption_queue_query_count_does_not_grow(
    add_rewards, client_as, admin, other_student, query, htmx
):
    client = client_as(admin)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = "/staff/redemptions/" + query
    add_rewards(3, [other_student])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, **headers).status_code == 200
    add_rewards(27, [other_student])
    with CaptureQueriesContext(connection) as large:
        assert client.get(url, **headers).status_code == 200
    assert len(large) == len(small)


# --- activity feed ------------------------------------------------------------------------------


def add_activity(student: StudentProfile, actor: User, category: Category, count: int) -> None:
    """`count` awards, and a redemption and a claim per five awards: three of the feed's four
    sources on every page."""
    from tests.claims.helpers import make_claim

    for i in range(count):
        award(actor, student, category, 20 + i % 30)
        if i % 5 == 0:
            redeem(student, RewardFactory(cost=1, stock=None))
            make_claim(student, category, 5)


@pytest.mark.parametrize("htmx", [False, True])
def test_activity_feed_query_count_does_not_grow(
    client_as, student, faculty, category, htmx, django_assert_num_queries
):
    client = client_as(student)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    add_activity(student, faculty, category, 3)  # 5 items
    # session, user, own profile, the UNION of the four sources' keys, then one fetch each for
    # the entries, redemptions and claims on the page
    with django_assert_num_queries(7):
        assert client.get("/activity/", **headers).status_code == 200
    add_activity(student, faculty, category, 39)  # 60 items in all, 20 on a page
    with django_assert_num_queries(7):
        assert client.get("/activity/", **headers).status_code == 200


# --- settings page with level and badges -------------------------------------------------------


def test_student_settings_query_count(small_data, client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, own profile, their badges, their department, their warnings, their last
    # erasure request (issue 22), their Discord link and personal API token (issue 23)
    with django_assert_num_queries(9):
        client.get("/settings/")


def test_student_settings_query_count_does_not_grow(populate, client_as, student):
    from portal.services.events import check_in
    from tests.factories import EventFactory

    client = client_as(student)
    populate(10)
    small = count_queries(client, "/settings/")
    for event in EventFactory.create_batch(10):  # first, 5 and 10 events, and Bronze
        check_in(actor=event.organiser, event_id=event.pk, student_id=student.pk)
    assert student.achievements.count() == 5
    assert count_queries(client, "/settings/") == small


# --- account administration and the data export (issue 22) -------------------------------------


def test_person_page_query_count(small_data, client_as, admin, student, django_assert_num_queries):
    client = client_as(admin)
    # session, user, the person with profile and department, their latest entries,
    # redemptions, check-ins, claims, warnings (with their count), sign-ins and suspensions, the
    # open suspension, their email addresses (for the lockout check), their last erasure
    # request, pending count in the navigation
    with django_assert_num_queries(14):
        client.get(f"/staff/people/{student.user_id}/")


def test_person_page_query_count_does_not_grow(populate, client_as, admin, student):
    from portal.services import account_admin

    client = client_as(admin)
    populate(10)
    url = f"/staff/people/{student.user_id}/"
    small = count_queries(client, url)
    populate(50, own_entries=30)
    for _ in range(12):
        account_admin.issue_warning(
            actor=admin, user_id=student.user_id, reason="Late", idempotency_key=key()
        )
    assert count_queries(client, url) == small


def test_data_export_page_query_count(client_as, student, django_assert_num_queries):
    client = client_as(student)
    # session, user, own profile (the header's balance); the page reads nothing else
    with django_assert_num_queries(3):
        client.get("/settings/export/")


def test_data_export_query_count_does_not_grow(populate, client_as, student):
    client = client_as(student)
    populate(10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/settings/export/")
            b"".join(response.streaming_content)
        return len(captured)

    small = queries()
    populate(10, own_entries=40)
    assert queries() == small


# --- year-end -----------------------------------------------------------------------------------


def test_year_end_page_query_count(small_data, client_as, admin, django_assert_num_queries):
    """Session, user, the year's close (none), the students' rows, the held redemptions, the
    admin menu's pending count."""
    client = client_as(admin)
    with django_assert_num_queries(6):
        assert client.get("/staff/year-end/").status_code == 200


def test_year_end_page_query_count_does_not_grow(populate, client_as, admin):
    client = client_as(admin)
    populate(10)
    small = count_queries(client, "/staff/year-end/")
    populate(190, spread=True)
    assert count_queries(client, "/staff/year-end/") == small


def test_alumnus_dashboard_query_count_does_not_grow(client_as, admin, category):
    """Two alumni, one with one redemption and one with four: the same number of queries."""
    from portal.selectors.year_end import current_academic_year
    from portal.services.year_end import close_academic_year

    few, many = StudentFactory(year=4), StudentFactory(year=4)
    for profile, count in ((few, 1), (many, 4)):
        award(admin, profile, category, 50)
        for reward in RewardFactory.create_batch(count, cost=5):
            redeem(profile, reward)
    close_academic_year(actor=admin, academic_year=current_academic_year())
    assert count_queries(client_as(few), "/") == count_queries(client_as(many), "/")


# --- halls --------------------------------------------------------------------------------------


@pytest.fixture
def add_bookings(admin, faculty, other_faculty) -> Callable[[int], None]:
    """`count` more halls, each with an approved booking tomorrow and next week, and pending
    requests by faculty and other_faculty (written as rows: the services are tested apart)."""
    from datetime import time

    from portal.models import Hall, HallBooking
    from tests.halls.helpers import at

    made = itertools.count()

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(made)
            hall = Hall.objects.create(
                name=f"Hall {n}", building="Block A", capacity=100 + n, equipment="projector",
                opens_at=time(8), closes_at=time(22),
            )  # fmt: skip
            rows = [
                (faculty, 1, 9, 10, HallBooking.Status.APPROVED),
                (other_faculty, 7, 9, 10, HallBooking.Status.APPROVED),
                (faculty, 1, 13, 14, HallBooking.Status.PENDING),
                (other_faculty, 2, 13, 14, HallBooking.Status.PENDING),
            ]
            for who, days, start, end, status in rows:
                HallBooking.objects.create(
                    hall=hall, requested_by=who, purpose="Lecture", attendees=20,
                    starts_at=at(days, start), ends_at=at(days, end), status=status,
                )  # fmt: skip

    return grow


def hall_urls() -> list[tuple[str, str, bool]]:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    search = f"/halls/?people=50&day={tomorrow}&part=day&length=30"
    return [
        ("faculty", "/halls/", False),
        ("faculty", search, False),
        ("faculty", search, True),
        ("faculty", "/halls/bookings/", False),
        ("admin", "/staff/hall-bookings/", False),
    ]


def test_hall_pages_query_counts(add_bookings, client_as, faculty, admin):
    """halls list: session, user, all halls (no search asked); with a search: + the halls that
    fit, their bookings that day (the htmx fragment: the same less all halls); my bookings:
    session, user, the bookings with halls and events; the queue: session, user, pending
    redemptions in the navigation, pending requests with their clash flag, coming bookings."""
    add_bookings(2)
    clients = {"faculty": client_as(faculty), "admin": client_as(admin)}
    expected = [3, 5, 4, 3, 5]
    counts = []
    for role, url, htmx in hall_urls():
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with CaptureQueriesContext(connection) as queries:
            assert clients[role].get(url, **headers).status_code == 200
        counts.append(len(queries))
    assert counts == expected


def test_hall_week_query_count(add_bookings, client_as, faculty, django_assert_num_queries):
    from portal.models import Hall

    add_bookings(1)
    hall = Hall.objects.get()
    client = client_as(faculty)
    # session, user, the week's bookings (with requesters and events); the hall
    with django_assert_num_queries(4):
        client.get(f"/halls/{hall.pk}/")
    with django_assert_num_queries(4):
        client.get(f"/halls/{hall.pk}/?week=2030-01-07", HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(("role", "url", "htmx"), hall_urls())
def test_hall_pages_query_count_does_not_grow(request, add_bookings, client_as, role, url, htmx):
    client = client_as(request.getfixturevalue(role))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    add_bookings(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, **headers).status_code == 200
    add_bookings(12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url, **headers).status_code == 200
    assert len(large) == len(small)


def test_hall_week_query_count_does_not_grow(add_bookings, client_as, faculty, admin):
    from portal.models import Hall, HallBooking
    from tests.halls.helpers import at

    add_bookings(1)
    hall = Hall.objects.get()
    client = client_as(admin)
    small = count_queries(client, f"/halls/{hall.pk}/")
    for hour in range(14, 21):
        HallBooking.objects.create(
            hall=hall, requested_by=faculty, purpose="More", attendees=5,
            starts_at=at(1, hour), ends_at=at(1, hour, 30), status=HallBooking.Status.APPROVED,
        )  # fmt: skip
    assert count_queries(client, f"/halls/{hall.pk}/") == small


def test_the_staff_dashboards_read_their_events_and_draws_in_one_query_each(
    client_as, admin, faculty, category
):
    """The organiser's events and the open draws are read with only the columns the lists
    show: showing them reads nothing more, however many there are."""
    from tests.factories import DrawFactory, EventFactory

    counts = {}
    for who in (admin, faculty):
        client = client_as(who)
        before = count_queries(client, "/")
        for i in range(4):
            EventFactory(organiser=who, category=category, capacity=40, title=f"Talk {i}")
            DrawFactory(created_by=admin, title=f"Draw {who.pk}-{i}")
        html = client.get("/").content.decode()
        counts[who.role] = (before, count_queries(client, "/"))
        assert "Talk 3" in html and "0/40" in html.replace(" ", "")
    assert all(before == after for before, after in counts.values())
    assert "Draw" in client_as(admin).get("/").content.decode()
