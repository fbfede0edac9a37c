"""What an attack review of the certificates found, kept fixed: control and bidi characters are
never signed or printed raw; a JSON with a key twice and a PDF with two signed documents are
refused; odd key sets are read leniently; a revoked certificate has no badge; a transcript
listing a withdrawn item is revoked; odd codes never reach the database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from portal import signing_keys
from portal.domain import signing
from portal.models import Certificate, Transcript
from portal.services import attendance, certificates, events
from portal.services.certificates import CertificateError
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_certificate.py"
ESCAPE = "\x1b[2J\x1b[H"
OVERRIDE = "\u202e"


@pytest.fixture
def event(faculty, category):
    return EventFactory(organiser=faculty, category=category, offers_certificate=True)


def issue(admin, student, **overrides):
    fields = {
        "actor": admin,
        "enrollment_number": student.enrollment_number,
        "title": "Ambassador",
        "activity_date": timezone.localdate(),
        "idempotency_key": "h" * 32,
        **overrides,
    }
    return certificates.issue_by_admin(**fields)


def test_escape_sequences_and_bidi_overrides_are_never_signed(admin, student):
    made = issue(
        admin,
        student,
        title=f"Ambassador{ESCAPE}{OVERRIDE}dhD",
        description=f"Line one\nholder: Mallory{ESCAPE}",
    )
    document = made.document
    assert document["title"] == made.title == "Ambassador[2J[HdhD"  # printable, inert
    assert document["description"] == "Line one\nholder: Mallory[2J[H"


def test_an_event_description_with_control_characters_is_cleaned(faculty, category, student):
    tricky = EventFactory(
        organiser=faculty,
        category=category,
        offers_certificate=True,
        title=f"Talk{OVERRIDE}",
        description=f"About{ESCAPE} things",
    )
    events.check_in(actor=faculty, event_id=tricky.pk, student_id=student.pk)
    document = Certificate.objects.get().document
    assert document["title"] == "Attended: Talk" and document["description"] == "About[2J[H things"


def test_the_command_prints_control_characters_escaped(tmp_path, admin, student, capsys):
    key = Ed25519PrivateKey.generate()
    signed = signing.sign(key, {"type": "certificate", "title": f"PhD{ESCAPE}"})
    (tmp_path / "c.json").write_text(json.dumps(signed))
    jwks = {"keys": [signing.published_jwk(key.public_key())]}
    (tmp_path / "k.json").write_text(json.dumps(jwks))
    call_command("verify_certificate", str(tmp_path / "c.json"), jwks=str(tmp_path / "k.json"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b" in out


def test_a_json_with_a_key_twice_is_refused(tmp_path, admin, student):
    made = issue(admin, student)
    text = json.dumps(made.signed)
    forged = text.replace('"document": {', '"document": {"title": "Doctor of Philosophy", ', 1)
    with pytest.raises(signing.SignatureError, match="twice"):
        signing.read_signed_file(forged.encode())
    path = tmp_path / "dup.json"
    path.write_text(forged)
    (tmp_path / "jwks.json").write_text(json.dumps(signing_keys.jwks()))
    with pytest.raises(CommandError):
        call_command("verify_certificate", str(path), jwks=str(tmp_path / "jwks.json"))
    checked = subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), str(path), str(tmp_path / "jwks.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 1 and "twice" in checked.stderr


def test_a_pdf_with_two_signed_documents_is_refused(admin, student, other_student):
    first = issue(admin, student)
    second = issue(admin, other_student, idempotency_key="i" * 32)
    pdf = b"%PDF-1.4\n" + signing.embed_marker(second.signed).encode()
    pdf += b"\n" + signing.embed_marker(first.signed).encode() + b"\n%%EOF"
    with pytest.raises(signing.SignatureError, match="more than one"):
        signing.find_in_pdf(pdf)


def test_other_and_malformed_keys_in_a_key_set_are_skipped():
    key = Ed25519PrivateKey.generate().public_key()
    jwks = {
        "keys": [
            {"kty": "RSA", "n": "abc", "e": "AQAB"},
            {"kty": "OKP", "crv": "Ed25519", "x": "not base64 of 32 bytes"},
            signing.published_jwk(key),
        ]
    }
    assert list(signing.keys_from_jwks(jwks)) == [signing.key_id(key)]


def test_a_revoked_certificate_has_no_badge(client_as, admin, faculty, student, event):
    events.check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    made = Certificate.objects.get()
    certificates.revoke(actor=admin, certificate_id=made.pk, reason="Error")
    response = client_as(student).get(reverse("portal:certificate-badge", args=[made.code]))
    assert response.status_code == 410


def test_a_transcript_listing_an_annulled_check_in_is_revoked(faculty, student, event):
    checkin = events.check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    listing = certificates.issue_transcript(actor=student.user)
    certificates.set_hidden(actor=student.user, kind="checkin", item_id=checkin.pk, hidden=True)
    not_listing = certificates.issue_transcript(actor=student.user)
    attendance.annul_checkin(actor=faculty, checkin_id=checkin.pk, reason="Not there")
    listing.refresh_from_db()
    not_listing.refresh_from_db()
    assert listing.is_revoked and "Not there" in listing.revoked_reason
    assert not not_listing.is_revoked
    assert Transcript.objects.count() == 2


ODD_CODES = ["A" * 20 + "\x00", "A" * 10 + "%20" + "A" * 10, "é" * 20, "A" * 65]


@pytest.mark.parametrize("code", ODD_CODES)
def test_odd_codes_are_not_known(client, code):
    response = client.get(f"/verify/{code}/".replace("\x00", "%00"))
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_signing_transcripts_is_limited_per_student(client_as, student):
    client = client_as(student)
    for _ in range(20):
        client.post(reverse("portal:transcript-issue"))
    client.post(reverse("portal:transcript-issue"))
    assert Transcript.objects.count() == 20


def test_a_date_from_long_ago_is_refused(admin, student):
    with pytest.raises(CertificateError) as exc:
        issue(admin, student, activity_date=timezone.localdate() - timedelta(days=21 * 366))
    assert exc.value.code == "too_old"
