"""The award's write does no more database work than it needs (issue 17): the category the
form validated is the one the service uses, the active categories come from the shared cache,
which a change to a category clears when it commits, and the entry, its periods, the
balance and the student's notification are written in one statement on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.exceptions import LedgerError
from portal.models import Notification, PeriodPoints, Transaction
from portal.services import ledger
from tests.cast import award, key

pytestmark = pytest.mark.django_db


def post_form(client, student, category, action):
    body = {
        "action": action,
        "student": student.pk,
        "category": category.pk,
        "points": 5,
        "reason": "Lab assistant",
        "idempotency_key": uuid.uuid4().hex,
    }
    return client.post("/award/new/", body, HTTP_HX_REQUEST="true")


def category_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "portal_category"')]


@pytest.mark.parametrize("action", ["award", "deduct"])
def test_the_categories_are_read_once_then_come_from_the_cache(
    client_as, faculty, student, category, action
):
    client = client_as(faculty)
    with CaptureQueriesContext(connection) as queries:
        assert post_form(client, student, category, "award").status_code == 200
    assert len(category_reads(queries)) == 1
    with CaptureQueriesContext(connection) as queries:
        response = post_form(client, student, category, action)
    assert response.status_code == 200
    assert Transaction.objects.filter(student=student).count() == 2
    assert category_reads(queries) == []


def test_a_category_changed_after_it_was_cached_holds_from_the_commit(
    client_as, admin, faculty, student, category, django_capture_on_commit_callbacks
):
    client = client_as(faculty)
    assert post_form(client, student, category, "award").status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin).post(
            f"/staff/categories/{category.pk}/edit/",
            {"name": category.name, "default_points": 2, "min_points": 1, "max_points": 4},
        )
    assert response.status_code in (200, 302)
    category.refresh_from_db()
    assert category.max_points == 4
    refused = post_form(client, student, category, "award").content.decode()  # 5 points
    assert "between 1 and 4 points" in refused
    with django_capture_on_commit_callbacks(execute=True):
        client_as(admin).post(f"/staff/categories/{category.pk}/toggle/")  # deactivated
    refused = post_form(client, student, category, "award").content.decode()
    assert "This category is no longer in use" in refused
    assert Transaction.objects.filter(student=student).count() == 1


def test_a_rolled_back_change_leaves_the_cached_categories(client_as, faculty, student, category):
    client = client_as(faculty)
    assert post_form(client, student, category, "award").status_code == 200
    category.description = "Changed, then rolled back"
    category.save()  # never commits here: the test's transaction is rolled back
    with CaptureQueriesContext(connection) as queries:
        assert "Awarded" in post_form(client, student, category, "award").content.decode()
    assert category_reads(queries) == []


@pytest.mark.parametrize("student_id", ["9223372036854775808", "99999999999999999999999"])
def test_a_student_id_past_the_database_integers_is_an_unknown_student(
    client_as, faculty, category, student_id
):
    """The profile lock's own SQL refuses an id no row can have, as the ORM did, instead of
    passing SQLite a number it cannot store (a 500)."""
    body = {
        "action": "award",
        "student": student_id,
        "category": category.pk,
        "points": 5,
        "reason": "Lab assistant",
        "idempotency_key": uuid.uuid4().hex,
    }
    response = client_as(faculty).post("/award/new/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Choose a student from the list." in response.content.decode()
    assert not Transaction.objects.exists()


def period_rows(student) -> list[tuple[str, int]]:
    return sorted(PeriodPoints.objects.filter(student=student).values_list("period", "points"))


def test_the_entry_the_periods_the_totals_and_the_notification_are_written_together(
    faculty, student, category
):
    """On PostgreSQL one statement under the lock writes the entry, adds it to its week, month
    and term, saves the balance and tells the student; elsewhere four. Either way all land."""
    with CaptureQueriesContext(connection) as queries:
        entry = award(faculty, student, category, 20)
    writes = [q["sql"] for q in queries if not q["sql"].startswith(("SELECT", "SAVEPOINT"))]
    ledger_writes = [sql for sql in writes if 'INTO "portal_transaction"' in sql]
    assert len(ledger_writes) == 1
    if connection.vendor == "postgresql":
        [statement] = ledger_writes
        assert 'INTO "portal_periodpoints"' in statement
        assert 'UPDATE "portal_studentprofile"' in statement
        assert 'INTO "portal_notification"' in statement
        assert not any(sql.startswith('UPDATE "portal_studentprofile"') for sql in writes)
        # Only a level reached (a notification of its own) is written apart.
        apart = [sql for sql in writes if sql.startswith('INSERT INTO "portal_notification"')]
        assert all("'milestone'" in sql for sql in apart)
    student.refresh_from_db()
    assert entry.pk and (student.balance, student.lifetime_points) == (20, 20)
    assert period_rows(student) == [("month", 20), ("term", 20), ("week", 20)]
    [told] = Notification.objects.filter(user=student.user, kind=Notification.Kind.POINTS)
    assert told.link == "/history/"
    assert told.message == f"You received 20 points for {category.name}: Great work"


@pytest.mark.parametrize("counts_for_lifetime", [True, False])
def test_a_refused_entry_moves_no_total_in_the_database_or_in_memory(
    faculty, student, category, counts_for_lifetime
):
    """A key used before: the insert writes nothing, so neither do the period upsert, the
    UPDATE and the notification in the same statement, and the locked profile's totals are put
    back as they were (a caller that catches the refusal and goes on must not see them
    moved)."""
    used = key()
    award(faculty, student, category, 20, idempotency_key=used)
    with transaction.atomic():
        profile = ledger.lock_profile(student.pk)
        before = (profile.balance, profile.lifetime_points, profile.milestones)
        with pytest.raises(LedgerError) as exc:
            ledger.post_entry(
                profile,
                amount=5,
                kind=Transaction.Kind.AWARD,
                actor=faculty,
                category=category,
                reason="Replayed",
                idempotency_key=used,
                counts_for_lifetime=counts_for_lifetime,
                tell=True,
            )
        assert exc.value.code == "key_conflict"
        assert (profile.balance, profile.lifetime_points, profile.milestones) == before
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points) == (20, 20)
    assert period_rows(student) == [("month", 20), ("term", 20), ("week", 20)]
    assert Transaction.objects.filter(student=student).count() == 1
    told = Notification.objects.filter(user=student.user, kind=Notification.Kind.POINTS)
    assert told.count() == 1  # the first award's
