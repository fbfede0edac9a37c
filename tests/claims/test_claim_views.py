"""The student's claim pages through the test client: the form with its cap hint, bad input
shown next to its field with nothing written or stored, withdrawing, and the evidence download."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import ActivityClaim
from tests.claims.helpers import (
    EXE_BYTES,
    make_claim,
    pdf_upload,
    png_upload,
    stored_files,
    upload,
)
from tests.conftest import key
from tests.helpers import award
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

CREATE = reverse("portal:claim-create")
CLAIMS = reverse("portal:claims")


def claim_data(category, /, **overrides):
    data = {
        "category": category.pk,
        "points": 20,
        "activity_date": timezone.localdate().isoformat(),
        "description": "Guided visitors at the open day",
        "evidence": png_upload(),
        "idempotency_key": key(),
    }
    return {**data, **overrides}


def written() -> tuple[int, int]:
    return ActivityClaim.objects.count(), len(stored_files())


def field_errors(response, name: str) -> str:
    """The error text shown next to a field (inside its wrapper)."""
    html = response.content.decode()
    if name in ("points", "category"):
        return " ".join(text(e) for e in find_all(html, id=f"{name}-error"))
    return text(find(html, id=f"div_id_{name}"))


# --- the form -----------------------------------------------------------------------------------


def test_the_form_lists_active_categories(client_as, student, capped, category):
    response = client_as(student).get(CREATE)
    select = find(response.content, "select", name="category")
    assert {text(o) for o in find_all(select, "option")} >= {"Volunteering", "Academic merit"}


def test_choosing_a_category_says_how_much_of_the_cap_is_left(client_as, student, capped, faculty):
    award(faculty, student, capped, 40)
    make_claim(student, capped, 25)
    response = client_as(student).get(
        f"{CREATE}?category={capped.pk}", HTTP_HX_TARGET="points-field", **HX
    )
    assert b"<html" not in response.content
    hint = text(find(response.content, id="points-help"))
    assert "Between 5 and 50." in hint
    assert "35 left of your 100-point cap this year" in hint
    assert "(40 credited, 25 waiting for review)" in hint
    points = find(response.content, "input", name="points")
    assert dict(points.attributes)["max"] == "50"


def test_a_category_without_a_cap_says_so(client_as, student, category):
    response = client_as(student).get(
        f"{CREATE}?category={category.pk}", HTTP_HX_TARGET="points-field", **HX
    )
    assert "No yearly cap." in text(find(response.content, id="points-help"))


def test_a_reached_cap_is_shown(client_as, student, capped, faculty):
    award(faculty, student, capped, 50)
    award(faculty, student, capped, 50)
    response = client_as(student).get(f"{CREATE}?category={capped.pk}")
    assert "You have reached this year's 100-point cap here." in text(
        find(response.content, id="points-help")
    )


def test_a_valid_claim_is_saved_and_the_student_sees_it(client_as, student, capped):
    client = client_as(student)
    response = client.post(CREATE, claim_data(capped, evidence=pdf_upload()), follow=True)
    assert response.redirect_chain == [(CLAIMS, 302)]
    claim = ActivityClaim.objects.get()
    assert (claim.student, claim.points, claim.evidence_type) == (student, 20, "pdf")
    item = find(response.content, id=f"claim-{claim.pk}")
    assert "Waiting for review" in text(item)
    assert "is waiting for review" in text(find(response.content, role="status"))


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("", "This field is required."),
        ("abc", "Enter a whole number of points."),
        ("12.5", "Enter a whole number of points."),
        # The category's own bounds, never the ledger's 1 to 100,000 (issue 18).
        ("-5", "between 5 and 50 points"),
        ("0", "between 5 and 50 points"),
        ("4", "between 5 and 50 points"),
        ("51", "between 5 and 50 points"),
        ("99999999999", "between 5 and 50 points"),
    ],
)
def test_bad_points_are_shown_next_to_the_field_and_nothing_is_written(
    client_as, student, capped, points, message
):
    before = written()
    response = client_as(student).post(CREATE, claim_data(capped, points=points))
    assert response.status_code == 200
    assert message in field_errors(response, "points")
    assert written() == before


def test_points_over_the_cap_are_shown_next_to_the_field(client_as, student, capped, faculty):
    award(faculty, student, capped, 50)
    award(faculty, student, capped, 40)
    before = written()
    response = client_as(student).post(CREATE, claim_data(capped, points=15))
    assert "at most 10 more points in Volunteering" in field_errors(response, "points")
    assert written() == before


@pytest.mark.parametrize("category", ["999999", "x", ""])
def test_an_unknown_category_is_refused(client_as, student, capped, category):
    before = written()
    response = client_as(student).post(CREATE, claim_data(capped, category=category))
    assert response.status_code == 200
    assert field_errors(response, "category")
    assert written() == before


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        (upload("certificate.pdf", EXE_BYTES, "application/pdf"), "not a PDF, PNG or JPEG"),
        (upload("scan.png", b"plain text", "image/png"), "not a PDF, PNG or JPEG"),
        (
            upload("huge.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"%%EOF"),
            "the limit is 5 MB",
        ),
        (None, "This field is required."),
    ],
    ids=["renamed-exe", "text", "oversized", "missing"],
)
def test_a_bad_file_is_refused_next_to_the_field_and_nothing_is_stored(
    client_as, student, capped, evidence, message
):
    data = claim_data(capped, evidence=evidence)
    if evidence is None:
        del data["evidence"]
    before = written()
    response = client_as(student).post(CREATE, data)
    assert response.status_code == 200
    assert message in field_errors(response, "evidence")
    assert written() == before


def test_a_future_date_is_refused(client_as, student, capped):
    before = written()
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client_as(student).post(
        CREATE, claim_data(capped, activity_date=tomorrow.isoformat())
    )
    assert "cannot be in the future" in field_errors(response, "activity_date")
    assert written() == before


def test_the_form_keeps_what_was_typed_after_an_error(client_as, student, capped):
    response = client_as(student).post(CREATE, claim_data(capped, points="abc"))
    assert "Guided visitors at the open day" in text(find(response.content, "textarea"))
    # The file cannot come back: its field says so, naming it, and is marked for attention.
    evidence = field_errors(response, "evidence")
    assert "Choose your file (certificate.png) again" in evidence
    assert dict(find(response.content, "input", name="evidence").attributes)["aria-invalid"]


def test_a_refusal_by_the_service_also_asks_for_the_file_again(client_as, student, capped, faculty):
    award(faculty, student, capped, 50)
    award(faculty, student, capped, 40)  # the cap (100) has 10 left
    response = client_as(student).post(CREATE, claim_data(capped, points=20))
    assert "Choose your file (certificate.png) again" in field_errors(response, "evidence")


def test_a_bad_file_gets_its_own_error_only(client_as, student, capped):
    data = claim_data(capped, points="abc")
    data["evidence"] = upload("notes.exe", EXE_BYTES)
    response = client_as(student).post(CREATE, data)
    assert "Choose your file" not in field_errors(response, "evidence")


def test_sending_the_same_form_twice_makes_one_claim(client_as, student, capped):
    data = claim_data(capped)
    client = client_as(student)
    client.post(CREATE, data)
    data["evidence"] = png_upload()
    before = written()
    response = client.post(CREATE, data)
    assert response.status_code == 302
    assert written() == before


def test_a_form_key_replayed_with_other_points_is_refused(client_as, student, capped):
    data = claim_data(capped)
    client = client_as(student)
    client.post(CREATE, data)
    before = written()
    response = client.post(CREATE, {**data, "points": 30, "evidence": png_upload()})
    assert "already used" in text(find(response.content, role="alert"))
    assert written() == before


def test_an_expired_form_key_is_refused(client_as, student, capped):
    response = client_as(student).post(CREATE, claim_data(capped, idempotency_key="nope"))
    assert response.status_code == 200
    assert written() == (0, len(stored_files()))


# --- my claims ----------------------------------------------------------------------------------


def test_students_see_only_their_own_claims(client_as, student, other_student, capped):
    mine = make_claim(student, capped, 10)
    theirs = make_claim(other_student, capped, 10)
    response = client_as(student).get(CLAIMS)
    assert find_all(response.content, id=f"claim-{mine.pk}")
    assert not find_all(response.content, id=f"claim-{theirs.pk}")


def test_the_tabs_lead_to_tasks_and_claims(client_as, student):
    response = client_as(student).get(CLAIMS)
    current = find(response.content, "a", aria_current="page")
    assert text(current) == "My claims"
    assert find(response.content, "a", href=reverse("portal:tasks"))


def test_a_decided_claim_shows_who_decided_and_the_comment(client_as, student, capped, faculty):
    from portal.services.claims import decide_claim

    claim = make_claim(student, capped, 10)
    decide_claim(actor=faculty, claim_id=claim.pk, decision="reject", comment="No date shown")
    item = text(find(client_as(student).get(CLAIMS).content, id=f"claim-{claim.pk}"))
    assert "Not approved by Dr Faculty" in item
    assert "No date shown" in item
    assert "Withdraw" not in item


def test_withdrawing_through_htmx_swaps_the_card(client_as, student, capped):
    claim = make_claim(student, capped, 10)
    url = reverse("portal:claim-withdraw", kwargs={"pk": claim.pk})
    response = client_as(student).post(url, **HX)
    assert b"<html" not in response.content
    item = find(response.content, id=f"claim-{claim.pk}")
    assert "Claim withdrawn." in text(item)
    assert "Withdrawn" in text(item)
    claim.refresh_from_db()
    assert claim.status == "withdrawn"


def test_withdrawing_twice_says_it_was_already_withdrawn(client_as, student, capped):
    claim = make_claim(student, capped, 10)
    url = reverse("portal:claim-withdraw", kwargs={"pk": claim.pk})
    client = client_as(student)
    client.post(url, **HX)
    response = client.post(url, **HX)
    assert "withdrew this claim" in text(find(response.content, role="alert"))


# --- evidence -----------------------------------------------------------------------------------


def evidence_url(claim: ActivityClaim) -> str:
    return reverse("portal:claim-evidence", kwargs={"pk": claim.pk})


def test_the_student_sees_their_image_inline(client_as, student, capped):
    claim = make_claim(student, capped, 10, kind="png")
    response = client_as(student).get(evidence_url(claim))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # re-encoded
    assert response["Content-Disposition"] == f'inline; filename="claim-{claim.pk}-evidence.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_pdf_is_always_a_download(client_as, student, capped, faculty):
    claim = make_claim(student, capped, 10, kind="pdf")
    response = client_as(faculty).get(evidence_url(claim))
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="claim-{claim.pk}-evidence.pdf"'
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_student_cannot_download_someones_evidence(
    client_as, student, other_student, capped
):
    claim = make_claim(student, capped, 10, kind="pdf")
    response = client_as(other_student).get(evidence_url(claim))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("role", ["faculty", "admin"])
def test_reviewers_open_any_evidence(request, client_as, student, capped, role):
    claim = make_claim(student, capped, 10)
    assert client_as(request.getfixturevalue(role)).get(evidence_url(claim)).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client_as, student, capped):
    claim = make_claim(student, capped, 10)
    response = client_as(None).get(evidence_url(claim))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
