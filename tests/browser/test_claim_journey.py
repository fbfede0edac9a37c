"""Claims and tasks in a real browser: a student claims points with a file, a faculty member
views the evidence and approves it from the queue, the student sees the points. Then a task:
the student takes and submits it, faculty reject it with a comment, the student reads it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from portal.models import Role, Task
from tests.browser.steps import DESKTOP, PHONE, collect_console_errors, sign_in
from tests.factories import CategoryFactory, StudentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def certificate_png() -> bytes:
    """A small certificate-like picture, as a student would photograph one."""
    image = Image.new("RGB", (900, 600), "#fdf6e3")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 880, 580), outline="#b45309", width=8)
    draw.text((330, 220), "CERTIFICATE OF THANKS", fill="#1e293b")
    draw.text((360, 300), "Aisha Khan - Open day guide", fill="#334155")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def cast(db):
    faculty = UserFactory(email="maria@upas.test", name="Dr Maria Lopez", role=Role.FACULTY)
    StudentFactory(
        user__email="aisha@upas.test", user__name="Aisha Khan", enrollment_number="CS2024001"
    )
    volunteering = CategoryFactory(
        name="Volunteering", min_points=5, max_points=50, default_points=15, yearly_cap=100
    )
    CategoryFactory(name="Academic merit", min_points=10, max_points=100, default_points=25)
    Task.objects.create(
        title="Photograph the robotics open lab",
        description="Ten good photos of the open lab for the department newsletter.",
        points=30,
        category=volunteering,
        max_claimants=2,
        deadline=timezone.now() + timedelta(days=6),
        created_by=faculty,
    )
    return faculty


def shoot(page: Page, shots, name: str, label: str) -> None:
    page.screenshot(path=shots / f"{name}-{label}.png", full_page=True, caret="initial")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_student_claims_with_a_file_and_faculty_approve_it(
    page: Page, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)

    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/tasks/")
    page.get_by_role("link", name="My claims").click()
    expect(page.get_by_text("No claims yet")).to_be_visible()
    page.get_by_role("link", name="New claim").first.click()
    page.get_by_label("Category").select_option(label="Volunteering")
    expect(page.locator("#points-help")).to_contain_text("100 left of your 100-point cap")
    page.get_by_label("Points you ask for").fill("20")
    page.get_by_label("Date of the activity").fill(timezone.localdate().isoformat())
    page.get_by_label("Description").fill("Guided visitors around campus at the spring open day.")
    page.get_by_label("Evidence").set_input_files(
        files=[{"name": "certificate.png", "mimeType": "image/png", "buffer": certificate_png()}]
    )
    shoot(page, shots, "claim-form", label)
    page.get_by_role("button", name="Send claim").click()
    page.wait_for_url(f"{base}/claims/")
    expect(page.get_by_role("status")).to_contain_text("waiting for review")
    expect(page.get_by_text("Waiting for review", exact=True)).to_be_visible()
    shoot(page, shots, "my-claims-pending", label)

    sign_in(page, base, "maria@upas.test")
    # The navigation count loaded (spoken as "Reviews (1 waiting)"; on a phone, on the button).
    expect(page.locator("#review-badge")).to_have_text("1 (1 waiting)")
    if viewport is PHONE:
        menu = page.get_by_role("button", name="Menu (1 item waiting for you)")
        expect(menu).to_be_visible()
    page.goto(f"{base}/reviews/")
    row = page.locator("tr").filter(has_text="Aisha Khan")
    row.get_by_text("View image").click()
    evidence = row.get_by_role("img", name="Evidence uploaded by the student")
    expect(evidence).to_be_visible()
    assert evidence.evaluate("img => img.naturalWidth") > 0  # served to the reviewer
    shoot(page, shots, "review-queue", label)
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text="Approved")).to_contain_text(
        "Volunteering claim by Aisha Khan (20 points)"
    )
    expect(page.get_by_text("Nothing waiting for review.")).to_be_visible()
    expect(page.locator("#review-badge")).to_have_text("")  # refreshed on review-decided
    shoot(page, shots, "review-approved", label)

    sign_in(page, base, "aisha@upas.test")
    expect(page.locator("#balance")).to_have_text("20")
    shoot(page, shots, "student-dashboard-claims", label)
    page.goto(f"{base}/claims/")
    expect(page.get_by_text("Approved by Dr Maria Lopez")).to_be_visible()
    shoot(page, shots, "my-claims-approved", label)
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_student_submits_a_task_and_reads_the_rejection(
    page: Page, live_server, cast, shots, viewport
):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)

    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/tasks/")
    shoot(page, shots, "tasks-student", label)
    page.get_by_role("button", name="Take this task").click()
    expect(page.get_by_role("status")).to_contain_text("The task is yours.")
    panel = page.locator("#assignment-panel")
    panel.get_by_label("What you did").fill("Took 12 photos; the best ten are in the PDF.")
    panel.get_by_role("button", name="Submit for review").click()
    expect(panel.get_by_role("status")).to_contain_text("Submitted.")
    shoot(page, shots, "task-submitted", label)

    sign_in(page, base, "maria@upas.test")
    page.goto(f"{base}/tasks/")
    shoot(page, shots, "tasks-staff", label)
    page.goto(f"{base}/reviews/?kind=task")
    row = page.locator("tr").filter(has_text="Aisha Khan")
    row.get_by_text("Reject…").click()
    row.get_by_label("Comment for the student").fill("Please add the photos themselves.")
    row.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status").filter(has_text="Rejected")).to_be_visible()

    sign_in(page, base, "aisha@upas.test")
    page.goto(f"{base}/tasks/")
    expect(page.get_by_text("Please add the photos themselves.")).to_be_visible()
    shoot(page, shots, "tasks-after-rejection", label)
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_faculty_post_a_task_and_see_who_took_it(page: Page, live_server, cast, shots, viewport):
    base = live_server.url
    label = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)

    sign_in(page, base, "maria@upas.test")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    shoot(page, shots, "faculty-dashboard-reviews", label)
    page.goto(f"{base}/tasks/new/")
    page.get_by_label("Title").fill("Tidy the makerspace")
    page.get_by_label("Description").fill("Sort the components drawers and label them.")
    page.get_by_label("Points category").select_option(label="Volunteering")
    page.get_by_label("Points", exact=True).fill("80")  # over Volunteering's 50
    page.get_by_label("Places").fill("3")
    deadline = timezone.localtime() + timedelta(days=4)
    page.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Post task").click()
    expect(page.get_by_text("Volunteering awards between 5 and 50 points.")).to_be_visible()
    shoot(page, shots, "task-form-error", label)
    page.get_by_label("Points", exact=True).fill("25")
    page.get_by_role("button", name="Post task").click()
    expect(page.get_by_role("status")).to_contain_text("Saved “Tidy the makerspace”.")
    expect(page.get_by_text("Nobody has taken this task yet.")).to_be_visible()
    shoot(page, shots, "task-staff-detail", label)
    assert errors == [], "\n".join(errors)
