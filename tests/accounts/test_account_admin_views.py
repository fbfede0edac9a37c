"""The person page and its forms: history shown, bad input next to the field and nothing
changed, replays, unknown ids, and an admin's own account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AccountWarning, AuditLog, SignIn, Suspension
from portal.services.accounts import record_sign_in
from tests.conftest import key
from tests.factories import RewardFactory
from tests.helpers import redeem

pytestmark = pytest.mark.django_db


def url(name: str, user) -> str:
    return reverse(f"portal:{name}", kwargs={"pk": getattr(user, "user", user).pk})


def test_the_person_page_shows_the_students_history(
    client_as, admin, faculty, student, category, give
):
    give(student, 30, actor=faculty, category=category)
    redeem(student, RewardFactory(name="Library tote bag", cost=10))
    record_sign_in(outcome=SignIn.Outcome.FAILED, user=student.user, ip="10.1.2.3")
    page = client_as(admin).get(url("person-detail", student)).content.decode()
    for text in ("Alice Student", "CS001", "Test award", "Library tote bag", "10.1.2.3", "+30"):
        assert text in page
    assert "Suspend account" in page and "Give warning" in page


def test_a_staff_members_page_has_no_student_sections(client_as, admin, faculty):
    page = client_as(admin).get(url("person-detail", faculty)).content.decode()
    assert "Dr Faculty" in page and 'id="points-title"' not in page


def test_an_admins_own_page_offers_no_action(client_as, admin):
    page = client_as(admin).get(url("person-detail", admin)).content.decode()
    assert "Suspend account" not in page and "Give warning" not in page
    response = client_as(admin).post(url("person-suspend", admin), {"reason": "oops"})
    assert response.status_code == 302
    assert not Suspension.objects.exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("person-detail", "get"),
        ("person-edit", "get"),
        ("person-suspend", "post"),
        ("person-reactivate", "post"),
        ("person-warn", "post"),
        ("person-unlock", "post"),
        ("person-password-reset", "post"),
    ],
)
def test_unknown_people_are_not_found(client_as, admin, name, method):
    address = reverse(f"portal:{name}", kwargs={"pk": 999_999})
    assert getattr(client_as(admin), method)(address).status_code == 404


def test_suspending_through_the_page(client_as, admin, student):
    response = client_as(admin).post(
        url("person-suspend", student), {"reason": "Cheating at check-in", "ends_at": "2999-01-31"}
    )
    assert response.status_code == 302
    suspension = Suspension.objects.get()
    assert suspension.ends_at.date().isoformat() in ("2999-01-31", "2999-01-30")
    page = client_as(admin).get(url("person-detail", student)).content.decode()
    assert "Reactivate now" in page and "Cheating at check-in" in page


def test_a_suspension_without_a_reason_says_so_next_to_the_field(client_as, admin, student):
    response = client_as(admin).post(url("person-suspend", student), {"reason": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="suspend_reason"' in page and 'aria-invalid="true"' in page
    assert not Suspension.objects.exists() and not AuditLog.objects.exists()


def test_an_end_date_in_the_past_is_refused_next_to_the_field(client_as, admin, student):
    response = client_as(admin).post(
        url("person-suspend", student), {"reason": "Spam", "ends_at": "2001-01-01"}
    )
    assert response.status_code == 200
    assert "The end must be in the future" in response.content.decode()
    assert not Suspension.objects.exists()


def test_reactivating_through_the_page(client_as, admin, student):
    client = client_as(admin)
    client.post(url("person-suspend", student), {"reason": "Spam"})
    assert client.post(url("person-reactivate", student)).status_code == 302
    student.user.refresh_from_db()
    assert student.user.is_active


def test_a_warning_form_sent_twice_warns_once(client_as, admin, student):
    data = {"reason": "Disrupted the lecture", "idempotency_key": key()}
    client = client_as(admin)
    assert client.post(url("person-warn", student), data).status_code == 302
    assert client.post(url("person-warn", student), data).status_code == 302
    assert AccountWarning.objects.count() == 1


def test_a_warning_without_a_reason_is_refused(client_as, admin, student):
    response = client_as(admin).post(url("person-warn", student), {"idempotency_key": key()})
    assert response.status_code == 200
    assert 'id="warning_reason"' in response.content.decode()
    assert not AccountWarning.objects.exists()


def test_correcting_through_the_page(client_as, admin, student, department):
    response = client_as(admin).post(
        url("person-edit", student),
        {
            "name": "Alice B. Student",
            "enrollment_number": "CS777",
            "department": department.pk,
            "year": 4,
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.user.name, student.enrollment_number, student.year) == (
        "Alice B. Student",
        "CS777",
        4,
    )


def test_a_taken_enrollment_number_is_shown_next_to_the_field(
    client_as, admin, student, other_student, department
):
    response = client_as(admin).post(
        url("person-edit", student),
        {"name": "Alice", "enrollment_number": "CS002", "department": department.pk, "year": 2},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Another student has this enrollment number." in page
    assert 'value="CS002"' in page  # the admin's input is kept
    student.refresh_from_db()
    assert student.enrollment_number == "CS001" and student.user.name == "Alice Student"


def test_the_people_list_links_to_each_person(client_as, admin, student):
    page = client_as(admin).get(reverse("portal:user-list")).content.decode()
    assert url("person-detail", student) in page
