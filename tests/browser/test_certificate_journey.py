"""Certificates and transcripts in real browsers (issue 20, "done when"). A student downloads a
certificate and signs and downloads a transcript; an anonymous visitor on a phone scans each
QR code (the picture the page drew, decoded by the vendored jsQR in the browser) and lands on
the verification page, which says valid; the standalone offline verifier
(docs/verify_certificate.py) accepts the downloaded PDFs against the live key set and rejects
a tampered one; an admin revokes the certificate and the visitor sees it revoked."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.models import Event, Role
from portal.services import events as event_services
from tests.browser.axe import run_axe
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
JSQR = ROOT / "static" / "js" / "vendor" / "jsQR-1.4.0.js"
VERIFIER = ROOT / "docs" / "verify_certificate.py"

# Draw the PNG into a canvas and read it with jsQR: what a phone's scanner does.
DECODE = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = jsQR(pixels.data, canvas.width, canvas.height);
  return found ? found.data : null;
}"""


@pytest.fixture
def attended(live_server, settings) -> Event:
    settings.SITE_URL = live_server.url  # the QR codes and documents link to this server
    organiser = UserFactory(email="lopez@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    UserFactory(email="okoro@upas.test", name="Sam Okoro", role=Role.ADMIN)
    student = StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    now = timezone.now()
    event = Event.objects.create(
        title="Robotics night",
        location="Lab 2",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        organiser=organiser,
        category=CategoryFactory(name="Event attendance", min_points=5, max_points=20),
        attendance_points=15,
        status=Event.Status.PUBLISHED,
        offers_certificate=True,
    )
    event_services.check_in(actor=organiser, event_id=event.pk, student_id=student.pk)
    return event


def scan(visitor: Page, base: str, qr_png: bytes) -> str:
    """The URL in the QR code, read by jsQR inside the visitor's browser (loaded from the
    portal's own static files: the CSP refuses an inline script)."""
    visitor.add_script_tag(url=f"{base}/static/js/vendor/{JSQR.name}")
    url = visitor.evaluate(DECODE, base64.b64encode(qr_png).decode())
    assert url, "the QR code could not be read"
    return url


def download(page: Page, link_name: str, into: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    path = into / info.value.suggested_filename
    info.value.save_as(path)
    return path


def offline_check(document: Path, jwks_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script, with paths we made
        [sys.executable, str(VERIFIER), str(document), jwks_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_certificate_and_a_transcript_verified_by_scanning_offline_and_after_revocation(
    page: Page, browser, live_server, attended, shots, tmp_path
):
    base = live_server.url
    page.set_viewport_size(DESKTOP)
    errors = collect_console_errors(page)
    sign_in(page, base, "aisha@upas.test")

    # The student finds the certificate and downloads it.
    page.goto(f"{base}/certificates/")
    page.get_by_role("link", name="Attended: Robotics night", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attended: Robotics night")
    certificate_pdf = download(page, "PDF, to print or send", tmp_path)
    assert certificate_pdf.read_bytes().startswith(b"%PDF")
    certificate_qr = page.locator("[data-verify-qr]").screenshot()
    page.screenshot(path=shots / "certificate-desktop.png", full_page=True, caret="initial")

    # The student signs a transcript and downloads it.
    page.goto(f"{base}/transcript/")
    expect(page.get_by_text("Robotics night", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign my transcript now").click()
    expect(page.get_by_role("status").first).to_contain_text("Your transcript is signed")
    transcript_pdf = download(page, "PDF", tmp_path)
    transcript_qr = page.locator("[data-verify-qr]").screenshot()
    page.screenshot(path=shots / "transcript-desktop.png", full_page=True, caret="initial")

    # An anonymous visitor on a phone scans both.
    phone = browser.new_context(viewport=PHONE)
    visitor = phone.new_page()
    visitor_errors = collect_console_errors(visitor)
    visitor.goto(f"{base}/leaderboard/")
    certificate_url = scan(visitor, base, certificate_qr)
    transcript_url = scan(visitor, base, transcript_qr)
    assert certificate_url.startswith(f"{base}/verify/")
    visitor.goto(certificate_url)
    expect(visitor.locator("[data-status=valid]")).to_contain_text("Valid")
    expect(visitor.locator("[data-field=holder]")).to_have_text("Aisha Khan")
    expect(visitor.locator("[data-field=title]")).to_have_text("Attended: Robotics night")
    assert [v for v in run_axe(visitor) if v["impact"] in ("critical", "serious")] == []
    visitor.screenshot(path=shots / "verify-certificate-phone.png", full_page=True, caret="initial")
    visitor.goto(transcript_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Co-curricular transcript")
    expect(visitor.locator("[data-status=valid]")).to_be_visible()
    expect(visitor.get_by_text("Attended: Robotics night")).to_be_visible()

    # The offline verifier, with nothing but the file and the published keys.
    jwks = f"{base}/.well-known/jwks.json"
    for document in (certificate_pdf, transcript_pdf):
        checked = offline_check(document, jwks)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Aisha Khan" in checked.stdout
    tampered = tmp_path / "tampered.pdf"
    data = certificate_pdf.read_bytes()
    marker = data.index(b"UPAS-SIGNED:") + len(b"UPAS-SIGNED:") + 40
    flipped = b"B" if data[marker : marker + 1] != b"B" else b"C"
    tampered.write_bytes(data[:marker] + flipped + data[marker + 1 :])
    assert offline_check(tampered, jwks).returncode == 1

    # An admin revokes it; the visitor's next look says so, with the reason.
    sign_in(page, base, "okoro@upas.test")
    page.goto(certificate_url.replace("/verify/", "/certificates/"))
    page.get_by_role("textbox", name="Reason").fill("Left before the talk began")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alert")).to_contain_text("Left before the talk began")
    visitor.goto(certificate_url)
    expect(visitor.locator("[data-status=revoked]")).to_contain_text("Left before the talk began")
    visitor.screenshot(path=shots / "verify-revoked-phone.png", full_page=True, caret="initial")
    phone.close()
    assert errors == [] and visitor_errors == [], errors + visitor_errors
