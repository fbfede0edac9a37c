"""Task pages through the test client: what students see and take, the panel on the task page
(htmx), posting and editing tasks, and the submission file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Task, TaskAssignment
from portal.services.tasks import decide_task
from tests.claims.helpers import (
    EXE_BYTES,
    hand_in,
    png_bytes,
    png_upload,
    stored_files,
    take,
    upload,
)
from tests.factories import StudentFactory, TaskFactory
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

TASKS = reverse("portal:tasks")


def detail_url(task: Task) -> str:
    return reverse("portal:task-detail", kwargs={"pk": task.pk})


def task_links(response) -> set[str]:
    return {
        dict(a.attributes)["href"]
        for a in find_all(response.content, "a")
        if "href" in dict(a.attributes)
    }


# --- the student's list -------------------------------------------------------------------------


def test_students_see_open_tasks_with_places_left(client_as, student, task):
    response = client_as(student).get(TASKS)
    assert detail_url(task) in task_links(response)
    assert "2 places left" in response.content.decode()


def test_full_late_and_closed_tasks_are_not_listed(client_as, student, task, category):
    full = TaskFactory(category=category, max_claimants=1)
    take(StudentFactory(), full)
    late = TaskFactory(category=category, deadline=timezone.now() - timedelta(hours=1))
    closed = TaskFactory(category=category, is_active=False)
    links = task_links(client_as(student).get(TASKS))
    assert detail_url(task) in links
    assert not {detail_url(full), detail_url(late), detail_url(closed)} & links


def test_a_task_the_student_did_is_not_listed_again(client_as, student, task, faculty):
    decide_task(actor=faculty, assignment_id=hand_in(student, task).pk, decision="approve")
    response = client_as(student).get(TASKS)
    assert not find_all(response.content, "h3")  # no open task cards
    assert "Your earlier tasks" in response.content.decode()


def test_the_current_task_is_shown_and_others_cannot_be_taken(client_as, student, task, category):
    other = TaskFactory(category=category, title="Tidy the library")
    take(student, task)
    response = client_as(student).get(TASKS)
    assert "Your current task" in response.content.decode()
    assert "Finish your current task first." in response.content.decode()
    assert not find_all(
        response.content, "form", action=reverse("portal:task-claim", kwargs={"pk": other.pk})
    )


# --- taking, submitting, abandoning -------------------------------------------------------------


def test_taking_a_task_from_the_list_leads_to_its_page(client_as, student, task):
    response = client_as(student).post(
        reverse("portal:task-claim", kwargs={"pk": task.pk}), follow=True
    )
    assert response.redirect_chain == [(detail_url(task), 302)]
    assert "The task is yours." in text(find(response.content, role="status"))
    assert TaskAssignment.objects.get().student == student


def test_taking_a_task_through_htmx_swaps_the_panel_to_the_submit_form(client_as, student, task):
    response = client_as(student).post(reverse("portal:task-claim", kwargs={"pk": task.pk}), **HX)
    assert b"<html" not in response.content
    panel = find(response.content, id="assignment-panel")
    assert "The task is yours." in text(panel)
    assert find(panel, "textarea", name="text")


def test_a_refusal_for_another_task_links_to_it(client_as, student, task, category):
    other = TaskFactory(category=category)
    take(student, other)
    response = client_as(student).post(reverse("portal:task-claim", kwargs={"pk": task.pk}), **HX)
    alert = find(find(response.content, id="assignment-panel"), role="alert")
    assert "Submit or abandon it before taking another task." in text(alert)
    assert find(alert, "a", href=detail_url(other))
    assert TaskAssignment.objects.count() == 1


def test_the_task_page_explains_why_it_cannot_be_taken(client_as, student, task, category):
    other = TaskFactory(category=category, title="Tidy the library")
    take(student, other)
    panel = find(client_as(student).get(detail_url(task)).content, id="assignment-panel")
    assert "You are already working on “Tidy the library”" in text(panel)
    assert find(panel, "a", href=detail_url(other))
    assert not find_all(panel, "form")


def test_a_full_task_page_says_it_is_full(client_as, student, category):
    full = TaskFactory(category=category, max_claimants=1)
    take(StudentFactory(), full)
    panel = find(client_as(student).get(detail_url(full)).content, id="assignment-panel")
    assert "every place on this task is taken" in text(panel)


def test_submitting_with_a_file_through_htmx(client_as, student, task):
    assignment = take(student, task)
    url = reverse("portal:task-submit", kwargs={"pk": assignment.pk})
    response = client_as(student).post(
        url, {"text": "Guided 40 visitors", "file": png_upload()}, **HX
    )
    panel = find(response.content, id="assignment-panel")
    assert "Submitted." in text(panel)
    assert "Guided 40 visitors" in text(panel)
    assert find(panel, "a", href=reverse("portal:task-file", kwargs={"pk": assignment.pk}))
    assignment.refresh_from_db()
    assert (assignment.status, assignment.file_type) == ("submitted", "jpeg")


def test_a_submission_without_text_keeps_the_form_with_its_error(client_as, student, task):
    assignment = take(student, task)
    url = reverse("portal:task-submit", kwargs={"pk": assignment.pk})
    response = client_as(student).post(url, {"text": ""}, **HX)
    assert "This field is required." in text(find(response.content, id="div_id_text"))
    assignment.refresh_from_db()
    assert assignment.status == "claimed"


def test_a_renamed_executable_is_refused_and_not_stored(client_as, student, task):
    assignment = take(student, task)
    before = stored_files()
    url = reverse("portal:task-submit", kwargs={"pk": assignment.pk})
    response = client_as(student).post(
        url, {"text": "Done", "file": upload("report.pdf", EXE_BYTES, "application/pdf")}
    )
    assert response.status_code == 200
    assert "not a PDF, PNG or JPEG" in text(find(response.content, id="div_id_file"))
    assert stored_files() == before
    assignment.refresh_from_db()
    assert assignment.status == "claimed"


def test_abandoning_from_the_page_frees_the_place(client_as, student, task):
    assignment = take(student, task)
    url = reverse("portal:task-abandon", kwargs={"pk": assignment.pk})
    response = client_as(student).post(url, follow=True)
    assert response.redirect_chain == [(TASKS, 302)]
    assert "your place is free" in text(find(response.content, role="status"))
    assignment.refresh_from_db()
    assert assignment.status == "abandoned"


def test_abandoning_through_htmx_offers_the_task_again(client_as, student, task):
    assignment = take(student, task)
    url = reverse("portal:task-abandon", kwargs={"pk": assignment.pk})
    panel = find(client_as(student).post(url, **HX).content, id="assignment-panel")
    assert find(panel, "form", action=reverse("portal:task-claim", kwargs={"pk": task.pk}))


def test_a_decided_task_shows_the_decision(client_as, student, task, faculty):
    assignment = hand_in(student, task)
    decide_task(actor=faculty, assignment_id=assignment.pk, decision="reject", comment="Too short")
    panel = text(find(client_as(student).get(detail_url(task)).content, id="assignment-panel"))
    assert "Not approved by Dr Faculty" in panel
    assert "Too short" in panel


def test_students_do_not_see_closed_tasks_they_never_took(client_as, student, other_student, task):
    take(student, task)
    Task.objects.filter(pk=task.pk).update(is_active=False)
    assert client_as(student).get(detail_url(task)).status_code == 200
    assert client_as(other_student).get(detail_url(task)).status_code == 404


# --- the submission file ------------------------------------------------------------------------


def test_the_file_is_for_its_student_and_reviewers_only(
    client_as, student, other_student, faculty, task
):
    assignment = hand_in(student, task, kind="pdf")
    url = reverse("portal:task-file", kwargs={"pk": assignment.pk})
    assert client_as(student).get(url)["Content-Disposition"].startswith("attachment;")
    assert client_as(faculty).get(url).status_code == 200
    assert client_as(other_student).get(url).status_code == 404


def test_a_submission_without_a_file_has_no_file_to_download(client_as, student, faculty, task):
    assignment = hand_in(student, task)
    url = reverse("portal:task-file", kwargs={"pk": assignment.pk})
    assert client_as(faculty).get(url).status_code == 404


# --- staff --------------------------------------------------------------------------------------


def test_faculty_see_the_tasks_they_posted_with_counts(
    client_as, faculty, other_faculty, task, category
):
    theirs = TaskFactory(category=category, created_by=other_faculty, title="Not mine")
    take(StudentFactory(), task)
    hand_in(StudentFactory(), task)
    response = client_as(faculty).get(TASKS)
    links = task_links(response)
    assert detail_url(task) in links
    assert detail_url(theirs) not in links
    row = text(find(response.content, "tbody"))
    assert "2 / 2" in row


def test_admins_see_every_task(client_as, admin, task, other_faculty, category):
    theirs = TaskFactory(category=category, created_by=other_faculty)
    links = task_links(client_as(admin).get(TASKS))
    assert {detail_url(task), detail_url(theirs)} <= links


def test_faculty_post_a_task_with_an_image(client_as, faculty, category):
    deadline = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client_as(faculty).post(
        reverse("portal:task-create"),
        {
            "title": "Photograph the campus",
            "description": "Ten photos for the prospectus.",
            "category": category.pk,
            "points": 30,
            "max_claimants": 4,
            "deadline": deadline,
            "image": upload("campus.png", png_bytes((1600, 900)), "image/png"),
            "is_active": "on",
        },
    )
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(task)
    assert (task.created_by, task.points, task.max_claimants) == (faculty, 30, 4)
    assert task.image.name.startswith("tasks/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"points": "-3"}, "points", "between 5 and 50 points"),
        ({"points": "500"}, "points", "between 5 and 50 points"),
        ({"points": "ten"}, "points", "Enter a whole number of points."),
        ({"max_claimants": "0"}, "max_claimants", "greater than or equal to 1"),
        ({"deadline": "2001-01-01T10:00"}, "deadline", "must be in the future"),
        ({"category": "999999"}, "category", "Select a valid choice."),
    ],
)
def test_bad_task_input_is_shown_next_to_the_field(
    client_as, faculty, category, overrides, field, message
):
    deadline = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Photograph the campus",
        "category": category.pk,
        "points": 30,
        "max_claimants": 4,
        "deadline": deadline,
        **overrides,
    }
    response = client_as(faculty).post(reverse("portal:task-create"), data)
    assert response.status_code == 200
    assert message in text(find(response.content, id=f"div_id_{field}"))
    assert not Task.objects.exists()


def test_points_are_fixed_once_a_student_took_the_task(client_as, faculty, task):
    take(StudentFactory(), task)
    response = client_as(faculty).get(reverse("portal:task-edit", kwargs={"pk": task.pk}))
    points = find(response.content, "input", name="points")
    assert "disabled" in dict(points.attributes)


def test_places_cannot_drop_below_those_taken(client_as, faculty, task):
    take(StudentFactory(), task)
    take(StudentFactory(), task)
    deadline = timezone.localtime(task.deadline).strftime("%Y-%m-%dT%H:%M")
    response = client_as(faculty).post(
        reverse("portal:task-edit", kwargs={"pk": task.pk}),
        {
            "title": task.title,
            "category": task.category_id,
            "max_claimants": 1,
            "deadline": deadline,
        },
    )
    assert "2 students already hold a place" in text(
        find(response.content, id="div_id_max_claimants")
    )


def test_another_faculty_member_cannot_edit_a_task(client_as, other_faculty, task):
    url = reverse("portal:task-edit", kwargs={"pk": task.pk})
    assert client_as(other_faculty).get(url).status_code == 404
    assert client_as(other_faculty).get(detail_url(task)).status_code == 200


def test_the_staff_task_page_lists_who_took_it(client_as, faculty, task, student):
    hand_in(student, task)
    response = client_as(faculty).get(detail_url(task))
    assert "Alice Student" in response.content.decode()
    assert find(response.content, "a", href=reverse("portal:task-edit", kwargs={"pk": task.pk}))


def test_a_submitted_task_is_waiting_not_to_be_submitted_again(client_as, student, task, category):
    """Issue 18: a student whose task is submitted was told to "submit or abandon it"."""
    other = TaskFactory(category=category, title="Tidy the library")
    hand_in(student, other)
    panel = find(client_as(student).get(detail_url(task)).content, id="assignment-panel")
    assert "Your work on “Tidy the library” is waiting for review." in text(panel)
    assert "Submit or abandon" not in text(panel)
