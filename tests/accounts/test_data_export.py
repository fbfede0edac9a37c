"""The data export (issue 22, item 4): a zip of everything the portal holds about the signed-in
person, opened and read back."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from portal.models import ActivityClaim, Notification, SignIn
from portal.selectors import personal_data
from portal.services import account_admin
from portal.services.accounts import record_sign_in
from portal.services.events import check_in
from tests.claims.helpers import make_claim
from tests.conftest import key
from tests.factories import EventFactory, RewardFactory
from tests.helpers import redeem

pytestmark = pytest.mark.django_db

EXPORT = reverse("portal:data-export")


def download(client) -> zipfile.ZipFile:
    response = client.post(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="upas-data-')
    assert response["Cache-Control"] == "private, no-store"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def busy_student(student, other_student, faculty, admin, category, give):
    """A student with something of every kind, and another student with their own data."""
    give(student, 40, actor=faculty, category=category)
    give(other_student, 25, actor=faculty, category=category)
    redeem(student, RewardFactory(name="Campus hoodie", cost=15))
    event = EventFactory(title="Robotics night", organiser=faculty)
    check_in(actor=faculty, event_id=event.pk, student_id=student.pk)
    make_claim(student, category, 20)
    Notification.objects.create(user=student.user, kind="points", message="Hello Alice")
    Notification.objects.create(user=other_student.user, kind="points", message="Hello Bob")
    record_sign_in(outcome=SignIn.Outcome.SUCCESS, user=student.user, ip="10.0.0.7")
    account_admin.issue_warning(
        actor=admin, user_id=student.user.pk, reason="=HYPERLINK(1)", idempotency_key=key()
    )
    return student


def test_the_settings_page_links_to_the_export(client_as, student):
    page = client_as(student).get(reverse("portal:settings")).content.decode()
    assert EXPORT in page


def test_the_export_page_has_a_download_button(client_as, student):
    page = client_as(student).get(EXPORT).content.decode()
    assert 'method="post"' in page and "Download my data (zip)" in page


def test_the_zip_holds_everything_about_the_student(client_as, busy_student):
    archive = download(client_as(busy_student))
    names = set(archive.namelist())
    for table in (
        "ledger",
        "redemptions",
        "checkins",
        "claims",
        "notifications",
        "sign_ins",
        "warnings",
    ):
        assert {f"{table}.csv", f"{table}.json"} <= names
    assert {"README.txt", "profile.json"} <= names

    profile = json.loads(archive.read("profile.json"))
    assert profile["account"]["email"] == "alice@upas.test"
    assert profile["student"]["enrollment_number"] == "CS001"
    busy_student.refresh_from_db()
    assert profile["student"]["balance"] == busy_student.balance == 35

    ledger = read_csv(archive, "ledger.csv")
    assert sorted(int(row["amount"]) for row in ledger) == [-15, 10, 40]  # attendance: 10
    assert sum(row["amount"] for row in json.loads(archive.read("ledger.json"))) == 35
    assert read_csv(archive, "redemptions.csv")[0]["reward"] == "Campus hoodie"
    assert read_csv(archive, "checkins.csv")[0]["event"] == "Robotics night"
    assert [row["message"] for row in read_csv(archive, "notifications.csv")] == [
        n.message for n in Notification.objects.filter(user=busy_student.user).order_by("id")
    ]
    assert read_csv(archive, "sign_ins.csv")[0]["ip"] == "10.0.0.7"
    # A cell a spreadsheet would run as a formula is kept as text.
    assert read_csv(archive, "warnings.csv")[0]["reason"] == "'=HYPERLINK(1)"

    claim = read_csv(archive, "claims.csv")[0]
    assert claim["evidence_file"].startswith("evidence/claim-")
    with ActivityClaim.objects.get(student=busy_student).evidence.open("rb") as stored:
        assert archive.read(claim["evidence_file"]) == stored.read()

    readme = archive.read("README.txt").decode()
    assert "ledger.csv" in readme and "alice@upas.test" in readme


def test_the_zip_holds_nothing_about_anyone_else(client_as, busy_student):
    archive = download(client_as(busy_student))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Hello Bob" not in everything and b"bob@upas.test" not in everything
    assert b"CS002" not in everything


def test_staff_get_their_account_without_student_files(client_as, faculty):
    archive = download(client_as(faculty))
    assert "ledger.csv" not in archive.namelist()
    assert json.loads(archive.read("profile.json"))["account"]["email"] == "faculty@upas.test"


def test_evidence_over_the_size_limit_is_named_in_the_readme(client_as, busy_student, monkeypatch):
    monkeypatch.setattr(personal_data, "EVIDENCE_LIMIT_BYTES", 10)
    archive = download(client_as(busy_student))
    assert not any(name.startswith("evidence/") for name in archive.namelist())
    readme = archive.read("README.txt").decode()
    assert "left out" in readme and "evidence/claim-" in readme


def test_a_get_never_builds_the_zip(client_as, student):
    response = client_as(student).get(EXPORT)
    assert response["Content-Type"].startswith("text/html")


def test_more_than_five_exports_an_hour_are_refused(client_as, student):
    client = client_as(student)
    for _ in range(5):
        download(client)
    response = client.post(EXPORT)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Try again in" in response.content.decode()
