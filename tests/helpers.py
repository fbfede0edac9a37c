"""Small builders shared by the view tests; balances only ever move through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.models import Category, Draw, Redemption, Reward, StudentProfile
from portal.selectors.ledger import find_ledger_mismatches, find_period_points_mismatches
from portal.services import rewards
from portal.services.passes import current_pass
from tests.cast import award, key  # noqa: F401  (award: tests import it from here)


def award_data(student: StudentProfile, category: Category, /, **overrides: Any) -> dict[str, Any]:
    """What the award form posts; a valid award of 20 points unless overridden."""
    data = {
        "action": "award",
        "student": student.pk,
        "category": category.pk,
        "points": 20,
        "reason": "Won the regional hackathon",
        "idempotency_key": key(),
    }
    return {**data, **overrides}


def balance(profile: StudentProfile) -> int:
    profile.refresh_from_db()
    return profile.balance


def redeem(profile: StudentProfile, reward: Reward, *, idempotency_key: str = "") -> Redemption:
    """Redeem through the real service, as the student (a pending redemption, a debit)."""
    return rewards.redeem_reward(
        actor=profile.user, reward_id=reward.pk, idempotency_key=idempotency_key or key()
    )


def assert_ledger_consistent() -> None:
    """What `check_ledger` checks: every cached balance and lifetime total, and the current
    week, month and term totals behind the leaderboards, match the ledger."""
    assert find_ledger_mismatches() == []
    assert find_period_points_mismatches() == []


def let_entries_close(draw: Draw) -> None:
    """Move an open draw's entry deadline just into the past, as if the tests had waited for
    it: a draw is performed after its entries close (or by closing them early, explicitly)."""
    Draw.objects.filter(pk=draw.pk).update(entry_deadline=timezone.now() - timedelta(seconds=1))
    draw.refresh_from_db()


def page_queries(client: Client, url: str, **headers: str) -> int:
    """The queries of a GET of `url` once whatever the page keeps in the cache is there (a
    first request fills it: the active categories of the award form), so that counts taken
    before and after adding data compare like with like."""
    assert client.get(url, **headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(queries)


def passes_since(student: StudentProfile, since: datetime) -> list[Any]:
    """The door pass at `since` and now: a request can straddle the moment its code turns
    over (every 30 seconds), and a page shows the code of its own moment."""
    student.refresh_from_db()
    return [current_pass(student, now=since), current_pass(student)]


def email_tasks() -> list[DBTaskResult]:
    """The queued tries of notification emails (`deliver_email` tasks), oldest first."""
    tasks = DBTaskResult.objects.filter(task_path__endswith="deliver_email")
    return list(tasks.order_by("enqueued_at"))  # ids are UUIDs: not in order
