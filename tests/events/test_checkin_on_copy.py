"""A student's own check-in writes its row on the event as the view read it, in one statement
that holds only while the event's row still equals that copy (issue 17): nothing of the event
is read again under the student's lock in the common case, and any change made meanwhile sends
the check-in back to the event read again (the race itself is in
tests/concurrency/test_event_concurrency.py). On PostgreSQL that statement also writes the
check-in's points (`ledger.post` with a `RowFirst`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import signing_keys
from portal.domain import signing
from portal.exceptions import LedgerError
from portal.models import CheckIn, Club, Event, PeriodPoints, StudentProfile, Transaction
from portal.services import ledger
from portal.services.events import EventError, check_in, checkin_key, current_code
from portal.services.rows import insert_while_unchanged, insert_while_unchanged_sql
from tests.cast import award
from tests.conftest import ledger_total
from tests.factories import EventFactory, StudentFactory

pytestmark = pytest.mark.django_db

EVENT_TABLE = Event._meta.db_table


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, attendance_points=15)


def copy_of(event: Event) -> Event:
    """The event as the check-in view reads it."""
    return Event.objects.select_related("category").get(pk=event.pk)


def test_a_check_in_on_an_unchanged_event_reads_nothing_of_it_again(student, event):
    copy = copy_of(event)
    with CaptureQueriesContext(connection) as captured:
        checkin = check_in(
            actor=student.user, event_id=event.pk, code=current_code(copy), event=copy
        )
    statements = [q["sql"] for q in captured.captured_queries]
    reads = [s for s in statements if s.lstrip().startswith("SELECT") and EVENT_TABLE in s]
    assert reads == []  # the event only in the check-in's own INSERT ... SELECT
    assert sum(f'FROM "{EVENT_TABLE}" WHERE' in s for s in statements) == 1
    assert checkin.pk and checkin.event_id == event.pk and checkin.method == "code"
    assert ledger_total() == (1, 15)


def test_the_check_in_and_its_points_are_one_statement_under_the_lock(student, event):
    """After the profile lock: on PostgreSQL one statement writes the check-in row, the entry,
    its periods and the totals (then COMMIT); elsewhere one after the other. Either way all
    land, and the entry points to the check-in."""
    copy = copy_of(event)
    with CaptureQueriesContext(connection) as captured:
        checkin = check_in(
            actor=student.user, event_id=event.pk, code=current_code(copy), event=copy
        )
    statements = [q["sql"] for q in captured.captured_queries]
    [locked_at] = [i for i, s in enumerate(statements) if "p.user_id = " in s]  # the lock
    writes = [
        s
        for s in statements[locked_at + 1 :]
        if any(table in s for table in ('"portal_checkin"', '"portal_transaction"'))
        or "portal_studentprofile" in s
    ]
    # (A first check-in's badge and its notification are written after it, apart.)
    if connection.vendor == "postgresql":
        [statement] = writes
        for table in ("portal_checkin", "portal_transaction", "portal_periodpoints"):
            assert f'INTO "{table}"' in statement
        assert 'UPDATE "portal_studentprofile"' in statement
    else:
        assert len(writes) == 3  # the check-in, the entry, the totals (periods apart)
    entry = Transaction.objects.get(checkin=checkin)
    assert (entry.amount, entry.kind, entry.student_id) == (15, "attendance", student.pk)
    assert entry.idempotency_key == checkin_key(event.pk, student.pk, 0)
    student.refresh_from_db()
    assert (student.balance, student.lifetime_points, student.checkins_count) == (15, 15, 1)
    periods = PeriodPoints.objects.filter(student=student).values_list("points", flat=True)
    assert sorted(periods) == [15, 15, 15]  # its week, month and term


def attendance_entry(checkin: CheckIn, key: str) -> Transaction:
    return Transaction(
        student=checkin.student,
        checkin=checkin,
        amount=checkin.event.attendance_points,
        kind=Transaction.Kind.ATTENDANCE,
        category=checkin.event.category,
        actor=None,
        reason="Attended",
        idempotency_key=key,
        counts_for_lifetime=True,
        created_at=timezone.now(),
    )


def test_a_first_row_not_written_writes_nothing_and_moves_no_total(student, event):
    """The event changed since the copy: the check-in row is not written, so neither is the
    entry nor any total, in the database or on the locked profile in memory."""
    copy = copy_of(event)
    Event.objects.filter(pk=event.pk).update(title="Changed")
    with transaction.atomic():
        profile = ledger.lock_profile(student.pk)
        checkin = CheckIn(event=copy, student=profile, method=CheckIn.Method.CODE)
        first = ledger.RowFirst(checkin, "checkin", *insert_while_unchanged_sql(checkin, copy))
        entry = attendance_entry(checkin, "first-not-written")
        assert ledger.post(profile, entry, first=first) is False
        assert (profile.balance, profile.lifetime_points, profile.checkins_count) == (0, 0, 0)
        assert checkin.pk is None and entry.pk is None
    assert ledger_total() == (0, 0) and not CheckIn.objects.exists()
    assert not PeriodPoints.objects.exists()
    assert StudentProfile.objects.get(pk=student.pk).balance == 0


def test_an_entry_refused_after_its_first_row_raises_and_puts_the_totals_back(
    student, event, faculty, category
):
    """The check-in row is written but the entry's key is taken (an annulled check-in's): the
    refusal is raised, the totals in memory are put back, and the caller's transaction rolls
    the check-in row back."""
    taken = checkin_key(event.pk, student.pk, 0)
    award(faculty, StudentFactory(), category, 10, idempotency_key=taken)
    copy = copy_of(event)
    with pytest.raises(LedgerError) as caught, transaction.atomic():
        profile = ledger.lock_profile(student.pk)
        checkin = CheckIn(event=copy, student=profile, method=CheckIn.Method.CODE)
        first = ledger.RowFirst(checkin, "checkin", *insert_while_unchanged_sql(checkin, copy))
        try:
            ledger.post(profile, attendance_entry(checkin, taken), first=first)
        finally:
            assert (profile.balance, profile.checkins_count) == (0, 0)
    assert caught.value.code == "key_conflict"
    assert not CheckIn.objects.exists() and not PeriodPoints.objects.filter(student=student)
    assert StudentProfile.objects.get(pk=student.pk).balance == 0


def test_a_second_check_in_is_refused_on_the_event_read_again(student, event):
    check_in(actor=student.user, event_id=event.pk, code=current_code(event), event=copy_of(event))
    with pytest.raises(EventError) as caught:
        check_in(
            actor=student.user, event_id=event.pk, code=current_code(event), event=copy_of(event)
        )
    assert caught.value.code == "already_checked_in"
    assert ledger_total() == (1, 15)


def test_an_event_changed_since_the_copy_credits_what_it_says_now(student, event):
    copy = copy_of(event)
    Event.objects.filter(pk=event.pk).update(attendance_points=30, title="Renamed")
    check_in(actor=student.user, event_id=event.pk, code=current_code(copy), event=copy)
    entry = student.transactions.get()
    assert (entry.amount, entry.reason) == (30, "Attended: Renamed")


def test_a_copy_refused_by_its_rules_is_asked_again_of_the_event(student, event):
    """The copy says closed; the organiser reopened the window meanwhile: the check-in counts."""
    Event.objects.filter(pk=event.pk).update(checkin_closes_at=timezone.now() - timedelta(1))
    closed = copy_of(event)
    Event.objects.filter(pk=event.pk).update(checkin_closes_at=None)
    check_in(actor=student.user, event_id=event.pk, code=current_code(closed), event=closed)
    assert ledger_total() == (1, 15)


# --- insert_while_unchanged ---------------------------------------------------------------------


def new_checkin(event: Event) -> CheckIn:
    return CheckIn(event=event, student=StudentFactory(), method=CheckIn.Method.CODE)


def test_it_writes_while_every_column_equals_the_copy_nulls_included(event):
    """Nullable columns empty (capacity, window, club) and set alike."""
    checkin = new_checkin(event)
    assert insert_while_unchanged(checkin, copy_of(event))
    assert CheckIn.objects.get(pk=checkin.pk).student_id == checkin.student_id
    Event.objects.filter(pk=event.pk).update(
        capacity=40,
        checkin_opens_at=event.starts_at - timedelta(hours=1),
        club=Club.objects.create(name="Robotics", slug="robotics"),
        registration_closes_at=event.starts_at,
    )
    assert insert_while_unchanged(new_checkin(event), copy_of(event))
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"status": Event.Status.CANCELLED},
        {"title": "Another title"},
        {"description": ""},
        {"attendance_points": 11},
        {"capacity": 5},
        {"requires_registration": True},
        {"offers_certificate": True},
        {"checkin_closes_at": timezone.now()},
        {"starts_at": timezone.now() + timedelta(minutes=11)},
    ],
    ids=lambda change: next(iter(change)),
)
def test_it_writes_nothing_once_any_column_changed(event, change):
    copy = copy_of(event)
    Event.objects.filter(pk=event.pk).update(**change)
    checkin = new_checkin(event)
    assert not insert_while_unchanged(checkin, copy)
    assert checkin.pk is None and not CheckIn.objects.exists()


def test_it_writes_nothing_when_a_unique_constraint_refuses(student, event):
    first = CheckIn(event=event, student=student, method=CheckIn.Method.CODE)
    assert insert_while_unchanged(first, copy_of(event))
    again = CheckIn(event=event, student=student, method=CheckIn.Method.QR)
    assert not insert_while_unchanged(again, copy_of(event))
    assert list(CheckIn.objects.values_list("method", flat=True)) == ["code"]


def test_a_certificate_names_the_category_as_it_is_at_the_check_in(student, event, category):
    """A certificate copies the category's name, a row the statement does not compare: an
    event with a certificate is read again under the lock, with its category."""
    Event.objects.filter(pk=event.pk).update(offers_certificate=True)
    copy = copy_of(event)
    type(category).objects.filter(pk=category.pk).update(name="Renamed category")
    checkin = check_in(actor=student.user, event_id=event.pk, code=current_code(copy), event=copy)
    document = signing.verify(checkin.certificate.signed, signing_keys.published_keys())
    assert document["category"] == "Renamed category"
