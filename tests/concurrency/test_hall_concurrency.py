"""Hall bookings racing each other: of overlapping bookings of one hall, exactly one is
approved, whether admins approve at once, organisers replay a request at once, or rows are
written past the service (the exclusion constraint alone then refuses all but one)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from portal.models import HallBooking
from portal.services import halls as hall_services
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.factories import UserFactory
from tests.halls.helpers import ask, at, make_hall

pytestmark = pytest.mark.django_db(transaction=True)

Status = HallBooking.Status


def test_overlapping_approvals_at_once_book_the_hall_once(admin):
    hall = make_hall(admin)
    organisers = [UserFactory(role="faculty") for _ in range(6)]
    # Six overlapping requests (10:00-12:00 shifted by 10 minutes each), all pending.
    requests = [
        hall_services.request_booking(
            actor=who,
            hall_id=hall.pk,
            starts_at=at(1, 10, 10 * i),
            ends_at=at(1, 12, 10 * i),
            purpose=f"Talk {i}",
            attendees=40,
        )
        for i, who in enumerate(organisers)
    ]
    admins = [UserFactory(role="admin") for _ in requests]

    def approve(who, booking):
        return lambda: hall_services.approve_booking(actor=who, booking_id=booking.pk)

    outcomes = run_at_once([approve(a, b) for a, b in zip(admins, requests, strict=True)])

    assert outcomes == Counter({"ok": 1, "taken": 5})
    assert HallBooking.objects.filter(status=Status.APPROVED).count() == 1


def test_one_request_replayed_at_once_is_recorded_once(faculty, admin):
    hall = make_hall(admin)
    outcomes = run_at_once([lambda: ask(faculty, hall)] * 6)
    assert outcomes == Counter({"ok": 1, "duplicate": 5})
    assert HallBooking.objects.count() == 1


@postgres_only
def test_the_exclusion_constraint_alone_lets_one_overlapping_booking_in(faculty, admin):
    """Past the service (no hall lock, no check): PostgreSQL itself refuses the overlaps."""
    hall = make_hall(admin)

    def insert(minute):
        def job():
            with transaction.atomic():
                HallBooking.objects.create(
                    hall=hall,
                    requested_by=faculty,
                    purpose="Raw insert",
                    attendees=10,
                    starts_at=at(1, 10, minute),
                    ends_at=at(1, 11, minute),
                    status=Status.APPROVED,
                )

        return job

    outcomes = run_at_once([insert(m) for m in (0, 10, 20, 30)])

    assert outcomes["ok"] == 1
    assert sum(outcomes.values()) == 4
    # Each refused insert fails on the constraint, or, when two uncommitted overlapping rows
    # wait on each other's transaction, PostgreSQL breaks the cycle and aborts one of them
    # ("deadlock detected"): either way the database, not the service, kept it out.
    refused = [str(key) for key in outcomes if key != "ok"]
    assert all("IntegrityError" in key or "deadlock detected" in key for key in refused), refused
    assert HallBooking.objects.filter(status=Status.APPROVED).count() == 1


@postgres_only
def test_the_exclusion_constraint_ignores_pending_and_other_halls(faculty, admin):
    hall = make_hall(admin)
    other = make_hall(admin, name="Other hall")
    common = {"requested_by": faculty, "purpose": "x", "attendees": 5}
    window = {"starts_at": at(1, 10), "ends_at": at(1, 11)}
    HallBooking.objects.create(hall=hall, status=Status.APPROVED, **common, **window)
    HallBooking.objects.create(hall=hall, status=Status.PENDING, **common, **window)
    HallBooking.objects.create(hall=other, status=Status.APPROVED, **common, **window)
    assert HallBooking.objects.count() == 3
