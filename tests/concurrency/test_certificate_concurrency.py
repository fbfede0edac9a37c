"""Certificates racing (issue 20), on PostgreSQL: two workers running bulk issues for one
event at once issue one certificate per check-in; a bulk issue racing annulments never leaves
a valid certificate for an annulled check-in; an admin's form sent twice at once issues once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from portal.models import Certificate, CertificateBatch
from portal.services import certificates
from portal.services.attendance import annul_checkin
from portal.services.events import check_in
from tests.concurrency.threads import run_at_once
from tests.conftest import postgres_only
from tests.factories import EventFactory, StudentFactory

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def attended_event(faculty, category, count: int):
    event = EventFactory(organiser=faculty, category=category)
    checkins = [
        check_in(actor=faculty, event_id=event.pk, student_id=StudentFactory().pk)
        for _ in range(count)
    ]
    return event, checkins


def test_two_workers_on_one_event_issue_one_certificate_per_check_in(admin, faculty, category):
    event, checkins = attended_event(faculty, category, 12)
    batches = [
        CertificateBatch.objects.create(event=event, requested_by=admin, title="t", total=12)
        for _ in range(4)
    ]
    outcomes = run_at_once([lambda b=b: certificates.run_batch(b.pk, chunk=5) for b in batches])
    assert outcomes == Counter({"ok": 4})
    assert Certificate.objects.count() == 12
    assert set(Certificate.objects.values_list("checkin_id", flat=True)) == {c.pk for c in checkins}


def test_a_bulk_issue_racing_annulments_leaves_no_valid_certificate_for_them(
    admin, faculty, category
):
    event, checkins = attended_event(faculty, category, 10)
    batch = CertificateBatch.objects.create(event=event, requested_by=admin, title="t", total=10)
    annulled = checkins[::2]
    jobs = [lambda: certificates.run_batch(batch.pk, chunk=3)] + [
        lambda c=c: annul_checkin(actor=faculty, checkin_id=c.pk, reason="Left early")
        for c in annulled
    ]
    outcomes = run_at_once(jobs)
    assert outcomes == Counter({"ok": 6})
    valid = Certificate.objects.filter(revoked_at__isnull=True)
    assert not valid.filter(checkin__in=annulled).exists()
    assert set(valid.values_list("checkin_id", flat=True)) == {c.pk for c in checkins[1::2]}


def test_an_admins_form_sent_twice_at_once_issues_one_certificate(admin):
    student = StudentFactory()

    def issue():
        return certificates.issue_by_admin(
            actor=admin,
            enrollment_number=student.enrollment_number,
            title="Volunteer of the month",
            activity_date=timezone.localdate(),
            idempotency_key="f" * 32,
        )

    outcomes = run_at_once([issue] * 6)
    assert outcomes == Counter({"ok": 6})
    assert Certificate.objects.count() == 1
