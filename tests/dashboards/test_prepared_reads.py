"""The dashboards' reads composed once per process (`portal.prepared.Prepared`) give, for every
student and staff member of a generated data set, what the ORM's querysets they replaced give:
the same rows in the same order, the same loaded columns, related rows and annotations. One
read's composed SQL serves every viewer, so each is compared viewer by viewer."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from portal.models import (
    ActivityClaim,
    Draw,
    DrawWinner,
    Event,
    Redemption,
    Role,
    StudentProfile,
    TaskAssignment,
    Transaction,
    User,
)
from portal.permissions import open_rewards
from portal.selectors import accounts, claims, draws, events, ledger, reviews, rewards, tasks
from portal.selectors.claims import ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> None:
    with override_settings(DEBUG=True):
        call_command(
            "generate_scale_data",
            "--students=40",
            "--transactions=1500",
            "--seed=11",
            stdout=io.StringIO(),
        )


def loaded(obj, *related: str) -> tuple:
    """Every column loaded on `obj` (deferred ones left out), its annotations, and the same for
    the named related rows."""
    values = tuple(sorted((k, repr(v)) for k, v in obj.__dict__.items() if not k.startswith("_")))
    return (type(obj).__name__, values, *(loaded_or_none(obj, name) for name in related))


def loaded_or_none(obj, path: str):
    for name in path.split("__"):
        obj = getattr(obj, name)
        if obj is None:
            return None
    return loaded(obj)


def same(got: list, orm: list, *related: str) -> None:
    assert [loaded(o, *related) for o in got] == [loaded(o, *related) for o in orm]


def test_each_student_reads_what_the_orm_gives(world):
    now = timezone.now()
    profiles = list(StudentProfile.objects.select_related("user").order_by("pk"))
    assert len(profiles) == 40
    seen = {"redemptions": 0, "affordable": 0, "claims": 0, "events": 0, "tasks": 0}
    for profile in profiles:
        user = User.objects.get(pk=profile.user_id)  # nothing cached on it
        got = accounts.own_profile_with_department(user)
        orm = StudentProfile.objects.select_related("department").filter(user=user).first()
        same([got], [orm], "department")

        orm = Redemption.objects.filter(student=profile).select_related("reward")
        same(rewards.list_redemptions_for(profile, limit=4), list(orm[:4]), "reward")
        same(rewards.list_redemptions_for(profile), list(orm), "reward")
        seen["redemptions"] += bool(orm)

        orm = (
            open_rewards()
            .filter(cost__lte=profile.balance)
            .filter(Q(stock__isnull=True) | Q(stock__gt=0))
            .filter(Q(available_from__isnull=True) | Q(available_from__lte=timezone.now()))
            .order_by("-cost", "name")[:4]
        )
        same(rewards.affordable_rewards(profile), list(orm))
        seen["affordable"] += bool(orm)

        orm = ActivityClaim.objects.filter(
            student=profile, status=ReviewStatus.PENDING
        ).select_related("category")[:4]
        same(claims.open_claims_for(profile), list(orm), "category")
        seen["claims"] += bool(orm)

        orm = TaskAssignment.objects.filter(
            student=profile, status__in=TaskAssignment.UNFINISHED
        ).select_related("task__category")
        got = tasks.current_assignment(profile)
        same([got] if got else [], [orm.first()] if orm.first() else [], "task__category")
        orm = (
            TaskAssignment.objects.filter(student=profile)
            .exclude(status__in=TaskAssignment.UNFINISHED)
            .select_related("task", "decided_by")[:10]
        )
        same(tasks.past_assignments(profile), list(orm), "task", "decided_by")
        seen["tasks"] += bool(orm)

        orm = events.list_events(user, related=(), with_counts=False)
        orm = list(orm.filter(status=Event.Status.PUBLISHED)[:4])
        same(events.upcoming_for_student(user), orm)
        seen["events"] += bool(orm)
    # The data set gives each read something to compare for some students.
    assert all(seen.values()), seen
    assert timezone.now() - now < timedelta(minutes=5)


def test_each_staff_member_reads_what_the_orm_gives(world):
    staff = list(User.objects.filter(role__in=[Role.FACULTY, Role.ADMIN]).order_by("pk"))
    with_awards = with_events = 0
    for user in staff:
        orm = (
            Transaction.objects.filter(
                actor=user, kind__in=[Transaction.Kind.AWARD, Transaction.Kind.DEDUCTION]
            )
            .select_related("student__user", "category", "reversed_by")
            .only(*ledger.RECENT_AWARD_FIELDS)
            .order_by("-created_at", "-id")[:10]
        )
        got = ledger.list_recent_awards(user)
        same(got, list(orm), "student__user", "category")
        # The reversal, read with the entry (None cached when there is none), as the ORM has it.
        cached = Transaction.reversed_by.is_cached
        assert all(cached(e) for e in got) and all(cached(e) for e in orm)
        reversal = Transaction.reversed_by.related.get_cached_value
        assert [reversal(e) and reversal(e).pk for e in got] == [
            reversal(e) and reversal(e).pk for e in orm
        ]
        with_awards += bool(orm)

        orm = (
            Event.objects.filter(organiser=user, ends_at__gt=timezone.now())
            .exclude(status=Event.Status.CANCELLED)
            .only("title", "starts_at", "capacity", "status")
            .annotate(checkin_count=events.checkin_count())
            .order_by("starts_at")[:5]
        )
        same(events.organised_by(user), list(orm))
        with_events += bool(orm)
    assert with_awards and with_events


def test_the_admin_dashboard_figures_are_the_orm_counts(world, admin):
    orm = (
        Draw.objects.filter(status=Draw.Status.OPEN)
        .only("title", "entry_deadline")
        .annotate(entries_count=draws.entries_count())
        .order_by("entry_deadline", "id")[:5]
    )
    same(draws.open_draws_for_staff(), list(orm))
    assert orm
    offered = DrawWinner.objects.filter(status=DrawWinner.Status.OFFERED)
    # Move the deadline of one offered prize into the past: the count follows the clock.
    before = draws.count_overdue_prizes()
    assert before == offered.filter(claim_deadline__lt=timezone.now()).count()
    pick = offered.filter(claim_deadline__gte=timezone.now()).first()
    assert pick is not None
    DrawWinner.objects.filter(pk=pick.pk).update(
        claim_deadline=timezone.now() - timedelta(seconds=1)
    )
    assert draws.count_overdue_prizes() == before + 1
    pending = Redemption.objects.filter(status=Redemption.Status.PENDING)
    assert rewards.pending_count() == pending.count()
    Redemption.objects.filter(pk__in=Redemption.objects.order_by("pk")[:3].values("pk")).update(
        status=Redemption.Status.PENDING
    )
    assert rewards.pending_count() == pending.count() > 0
    waiting = (
        ActivityClaim.objects.filter(status=ReviewStatus.PENDING).count()
        + TaskAssignment.objects.filter(status=TaskAssignment.Status.SUBMITTED).count()
    )
    assert reviews.pending_review_count() == waiting > 0
    ActivityClaim.objects.filter(status=ReviewStatus.PENDING).update(status="approved")
    submitted = TaskAssignment.objects.filter(status=TaskAssignment.Status.SUBMITTED)
    assert reviews.pending_review_count() == submitted.count() < waiting
