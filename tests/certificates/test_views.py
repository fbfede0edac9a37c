"""Certificates and transcripts through HTTP: the student's pages and downloads, the public
verification page (valid, revoked, unknown, rate-limited), the key set, the admin's forms,
and the query counts of every page as data grows."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portal import signing_keys
from portal.documents import open_badges
from portal.domain import signing
from portal.models import Certificate, Transcript
from portal.services import certificates, events
from tests.factories import EventFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, offers_certificate=True)


@pytest.fixture
def certificate(faculty, student, event) -> Certificate:
    events.check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    return Certificate.objects.get(holder=student)


def test_the_student_lists_their_certificates(client_as, student, certificate):
    page = client_as(student).get(reverse("portal:certificates")).content.decode()
    assert certificate.title in page
    assert reverse("portal:certificate-pdf", args=[certificate.code]) in page


def test_the_pdf_carries_the_signed_document(client_as, student, certificate):
    response = client_as(student).get(reverse("portal:certificate-pdf", args=[certificate.code]))
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert signing.find_in_pdf(body) == certificate.signed
    assert signing.verify(signing.find_in_pdf(body), signing_keys.published_keys())


def test_the_json_download_verifies(client_as, student, certificate):
    response = client_as(student).get(reverse("portal:certificate-json", args=[certificate.code]))
    signed = json.loads(response.content)
    assert signing.verify(signed, signing_keys.published_keys())["code"] == certificate.code


def test_the_open_badge_is_signed_with_the_published_key(client_as, student, certificate):
    response = client_as(student).get(reverse("portal:certificate-badge", args=[certificate.code]))
    credential = open_badges.decode(response.content.decode(), signing_keys.published_keys())
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["id"] == certificate.document["verify_url"]


def test_another_students_certificate_is_not_found(client_as, other_student, certificate):
    for name in ("certificate-detail", "certificate-pdf", "certificate-json", "certificate-badge"):
        response = client_as(other_student).get(reverse(f"portal:{name}", args=[certificate.code]))
        assert response.status_code == 404


def test_anyone_verifies_a_certificate_signed_out(client, certificate, student):
    page = client.get(reverse("portal:verify", args=[certificate.code])).content.decode()
    assert 'data-status="valid"' in page
    assert student.user.name in page and certificate.title in page
    assert "alice@upas.test" not in page and student.enrollment_number not in page


def test_a_revoked_certificate_says_so_with_the_date_and_reason(client, admin, certificate):
    certificates.revoke(actor=admin, certificate_id=certificate.pk, reason="Issued in error")
    page = client.get(reverse("portal:verify", args=[certificate.code])).content.decode()
    assert 'data-status="revoked"' in page and "Issued in error" in page


@pytest.mark.parametrize("code", ["unknown-code-0000000000", "x", "a" * 200])
def test_an_unknown_or_altered_code_is_a_plain_not_known_page(client, certificate, code):
    response = client.get(reverse("portal:verify", args=[code]))
    assert response.status_code == 404
    assert "Certificate not known" in response.content.decode()


def test_an_altered_code_is_not_known(client, certificate):
    altered = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    assert client.get(reverse("portal:verify", args=[altered])).status_code == 404


def test_verification_is_rate_limited_per_address(client, certificate):
    url = reverse("portal:verify", args=[certificate.code])
    statuses = [client.get(url).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_key_set_publishes_every_key_that_ever_signed(client, certificate):
    kid = certificate.signed["signature"]["kid"]
    current = signing_keys.rotate()
    keys = client.get(reverse("portal:jwks")).json()["keys"]
    assert keys[0]["kid"] == current  # the signing key first, then every retired one
    assert kid in {k["kid"] for k in keys[1:]}
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys)


def test_a_transcript_is_signed_downloaded_and_verified(client, client_as, student, certificate):
    response = client_as(student).post(reverse("portal:transcript-issue"))
    transcript = Transcript.objects.get()
    assert response.status_code == 302
    pdf = client_as(student).get(reverse("portal:transcript-pdf", args=[transcript.code]))
    assert signing.find_in_pdf(pdf.content) == transcript.signed
    page = client.get(reverse("portal:verify", args=[transcript.code])).content.decode()
    assert "Co-curricular transcript" in page and certificate.event.title in page


def test_hiding_an_item_over_htmx_swaps_the_record_and_focuses_its_button(
    client_as, student, certificate
):
    response = client_as(student).post(
        reverse("portal:transcript-item"),
        {"kind": "checkin", "item_id": certificate.checkin_id, "hidden": "1"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="transcript-record"' in html
    assert "hidden from the transcript" in html and "data-focus" in html


@pytest.mark.parametrize("item_id", ["", "abc", "99999999"])
def test_hiding_a_bad_item_is_not_found(client_as, student, certificate, item_id):
    response = client_as(student).post(
        reverse("portal:transcript-item"), {"kind": "checkin", "item_id": item_id, "hidden": "1"}
    )
    assert response.status_code == 404


def test_an_admin_issues_from_the_page_and_errors_sit_by_their_field(client_as, admin, student):
    client = client_as(admin)
    form = {
        "idempotency_key": "a" * 32,
        "enrollment_number": "NOPE",
        "title": "Ambassador",
        "activity_date": "2026-11-01",
    }
    response = client.post(reverse("portal:certificate-issue"), form)
    assert response.status_code == 422
    assert "No student has this enrollment number." in response.content.decode()
    assert not Certificate.objects.exists()
    response = client.post(
        reverse("portal:certificate-issue"),
        {**form, "enrollment_number": student.enrollment_number},
    )
    assert response.status_code == 302 and Certificate.objects.count() == 1


def test_an_admin_starts_a_bulk_issue_and_sees_its_progress(
    client_as, admin, faculty, student, category, django_capture_on_commit_callbacks
):
    plain = EventFactory(organiser=faculty, category=category)
    events.check_in(actor=faculty, event_id=plain.pk, student_id=student.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin).post(reverse("portal:certificate-batch"), {"event": plain.pk})
    assert response.status_code == 302
    assert Certificate.objects.filter(checkin__event=plain).count() == 1
    batch = plain.certificate_batches.get()
    row = client_as(admin).get(reverse("portal:certificate-batch-status", args=[batch.pk]))
    assert "1 of 1" in row.content.decode() and "every 1s" not in row.content.decode()


def test_an_admin_revokes_from_the_certificate_page(client_as, admin, certificate):
    url = reverse("portal:certificate-revoke", args=[certificate.pk])
    assert client_as(admin).post(url, {"reason": ""}).status_code == 422
    assert client_as(admin).post(url, {"reason": "Duplicate"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Duplicate"


# --- query counts -------------------------------------------------------------------------------


def add_certificates(faculty, category, student, count: int) -> None:
    for _ in range(count):
        event = EventFactory(organiser=faculty, category=category, offers_certificate=True)
        events.check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
        events.check_in(actor=faculty, event_id=event.pk, student_id=StudentFactory().pk)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("student", lambda c: reverse("portal:certificates")),
        ("student", lambda c: reverse("portal:transcript")),
        ("student", lambda c: reverse("portal:certificate-detail", args=[c.code])),
        ("admin", lambda c: reverse("portal:certificate-admin")),
        (None, lambda c: reverse("portal:verify", args=[c.code])),
    ],
)
def test_pages_read_a_constant_number_of_queries(
    request, client_as, django_assert_max_num_queries, faculty, category, student, who, url
):
    add_certificates(faculty, category, student, 1)
    first = Certificate.objects.filter(holder=student).first()
    certificates.issue_transcript(actor=student.user)
    client = client_as(request.getfixturevalue(who) if who else None)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url(first)).status_code == 200
    add_certificates(faculty, category, student, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(first)).status_code == 200
