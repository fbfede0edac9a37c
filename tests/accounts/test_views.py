"""Admin pages for people and categories, the privacy setting and the health check."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portal.models import AuditLog, Category, User
from portal.services.accounts import set_leaderboard_visibility
from tests.helpers import balance
from tests.html import HX, find, text

pytestmark = pytest.mark.django_db


# --- admin pages: people and roles ----------------------------------------------------------------


def test_admin_creates_a_faculty_account_that_gets_a_password_link(client_as, admin, mailoutbox):
    response = client_as(admin).post(
        reverse("portal:user-create"),
        {"name": "Prof New", "email": "New.Prof@upas.test", "role": "faculty"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:user-list")
    created = User.objects.get(email="new.prof@upas.test")
    assert (created.name, created.role, created.has_usable_password()) == (
        "Prof New",
        "faculty",
        False,
    )
    address = EmailAddress.objects.get(user=created)
    assert (address.email, address.verified, address.primary) == ("new.prof@upas.test", True, True)
    assert [message.to for message in mailoutbox] == [["new.prof@upas.test"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    audit = AuditLog.objects.get(action="user.create")
    assert (audit.actor, audit.target_id) == (admin, str(created.pk))


def test_staff_account_with_a_taken_email_is_refused(client_as, admin, faculty, mailoutbox):
    users = User.objects.count()
    response = client_as(admin).post(
        reverse("portal:user-create"),
        {"name": "Dr Copy", "email": "FACULTY@upas.test", "role": "admin"},
    )
    assert response.status_code == 200
    error = text(find(response.content, id="div_id_email"))
    assert "An account with this email already exists." in error
    assert User.objects.count() == users
    assert mailoutbox == []
    assert not AuditLog.objects.exists()


def test_admin_changes_a_role_through_htmx(client_as, admin, faculty):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": faculty.pk}), {"role": "admin"}, **HX
    )
    assert response.status_code == 200
    content = response.content.decode().strip()
    assert content.startswith(f'<tr id="user-{faculty.pk}">')
    assert "Saved" in text(find(content, role="status"))
    faculty.refresh_from_db()
    assert faculty.role == "admin"
    audit = AuditLog.objects.get(action="user.role")
    assert (audit.actor, audit.before, audit.after) == (
        admin,
        {"role": "faculty"},
        {"role": "admin"},
    )


def test_admin_cannot_change_their_own_role(client_as, admin):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": admin.pk}), {"role": "faculty"}, follow=True
    )
    assert "You cannot change your own role" in text(find(response.content, id="messages"))
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not AuditLog.objects.exists()


def test_staff_member_cannot_be_made_a_student(client_as, admin, faculty):
    response = client_as(admin).post(
        reverse("portal:user-role", kwargs={"pk": faculty.pk}), {"role": "student"}, **HX
    )
    assert "Only people with an enrollment number can be students" in text(
        find(response.content, role="alert")
    )
    faculty.refresh_from_db()
    assert faculty.role == "faculty"


# --- admin pages: categories ----------------------------------------------------------------------


def category_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Sports",
        "description": "Representing the university",
        "min_points": 5,
        "default_points": 10,
        "max_points": 40,
        "yearly_cap": "",
    }
    return {**data, **overrides}


def test_admin_creates_a_category(client_as, admin):
    response = client_as(admin).post(reverse("portal:category-create"), category_data())
    assert response.status_code == 302
    created = Category.objects.get(name="Sports")
    assert (created.min_points, created.default_points, created.max_points) == (5, 10, 40)
    assert created.yearly_cap is None and created.is_active
    assert AuditLog.objects.get(action="category.create").target_id == str(created.pk)


def test_admin_edits_a_category(client_as, admin, category):
    response = client_as(admin).post(
        reverse("portal:category-edit", kwargs={"pk": category.pk}),
        category_data(name="Academic merit", max_points=60, yearly_cap=200),
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.max_points, category.yearly_cap) == (60, 200)
    audit = AuditLog.objects.get(action="category.update")
    assert (audit.before["max_points"], audit.after["max_points"]) == (50, 60)


def test_admin_deactivates_a_category(client_as, admin, category):
    response = client_as(admin).post(reverse("portal:category-toggle", kwargs={"pk": category.pk}))
    assert response.status_code == 302
    category.refresh_from_db()
    assert not category.is_active
    assert AuditLog.objects.filter(action="category.deactivate").count() == 1


def test_new_category_with_minimum_above_maximum_is_refused(client_as, admin):
    response = client_as(admin).post(
        reverse("portal:category-create"), category_data(min_points=30, max_points=20)
    )
    assert response.status_code == 200
    assert "The maximum must be at least the minimum (30)." in text(
        find(response.content, id="div_id_max_points")
    )
    assert not Category.objects.filter(name="Sports").exists()
    assert not AuditLog.objects.exists()


def test_category_edit_with_minimum_above_maximum_keeps_the_category(client_as, admin, category):
    response = client_as(admin).post(
        reverse("portal:category-edit", kwargs={"pk": category.pk}),
        category_data(name="Academic merit", min_points=60, default_points=60, max_points=50),
    )
    assert response.status_code == 200
    assert "The maximum must be at least the minimum (60)." in text(
        find(response.content, id="div_id_max_points")
    )
    category.refresh_from_db()
    assert (category.min_points, category.max_points) == (5, 50)


ADMIN_ACTIONS = [
    pytest.param("portal:user-list", None, None, id="user list"),
    pytest.param(
        "portal:user-create",
        None,
        {"name": "Dr Sneaky", "email": "sneaky@upas.test", "role": "admin"},
        id="user create",
    ),
    pytest.param("portal:user-role", "faculty", {"role": "admin"}, id="own role"),
    pytest.param("portal:category-list", None, None, id="category list"),
    pytest.param("portal:category-create", None, category_data(), id="category create"),
    pytest.param(
        "portal:category-edit", "category", category_data(name="Renamed"), id="category edit"
    ),
    pytest.param("portal:category-toggle", "category", {}, id="category toggle"),
]


@pytest.mark.parametrize(("name", "target", "data"), ADMIN_ACTIONS)
def test_faculty_cannot_use_the_admin_pages(
    request, client_as, faculty, category, name, target, data
):
    kwargs = {"pk": request.getfixturevalue(target).pk} if target else {}
    client = client_as(faculty)
    url = reverse(name, kwargs=kwargs)
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == 403
    faculty.refresh_from_db()
    category.refresh_from_db()
    assert faculty.role == "faculty"
    assert (category.name, category.is_active) == ("Academic merit", True)
    assert Category.objects.count() == 1
    assert not User.objects.filter(email="sneaky@upas.test").exists()
    assert not AuditLog.objects.exists()


# --- settings and health --------------------------------------------------------------------------


# An unticked checkbox is not posted at all: what a browser sends is just the CSRF token.
UNTICKED = {"csrfmiddlewaretoken": "token"}


def test_student_hides_their_name_from_the_leaderboard(client_as, student):
    response = client_as(student).post(reverse("portal:settings"), UNTICKED)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:settings")
    student.refresh_from_db()
    assert student.show_on_leaderboard is False


def test_student_shows_their_name_again(client_as, student):
    set_leaderboard_visibility(profile=student, visible=False)
    client_as(student).post(reverse("portal:settings"), {"show_on_leaderboard": "on"})
    student.refresh_from_db()
    assert student.show_on_leaderboard is True


def test_privacy_setting_does_not_touch_the_balance(client_as, faculty, student, category, give):
    give(student, 20, actor=faculty, category=category)
    client_as(student).post(reverse("portal:settings"), UNTICKED)
    student.refresh_from_db()
    assert student.show_on_leaderboard is False
    assert balance(student) == 20


def test_healthz_answers_ok(client_as):
    response = client_as(None).get(reverse("portal:healthz"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().strip() == "ok"


def test_yearly_cap_below_the_minimum_award_is_refused(client_as, admin):
    response = client_as(admin).post(reverse("portal:category-create"), category_data(yearly_cap=3))
    assert "would refuse every award" in text(find(response.content, id="div_id_yearly_cap"))
    assert not Category.objects.filter(name="Sports").exists()


def test_category_names_are_unique_ignoring_case(client_as, admin):
    client_as(admin).post(reverse("portal:category-create"), category_data())
    response = client_as(admin).post(
        reverse("portal:category-create"), category_data(name="  sports ")
    )
    assert "already exists" in text(find(response.content, id="div_id_name"))
    assert Category.objects.count() == 1


def test_saving_email_preferences_returns_to_the_section_which_says_saved(client_as, student):
    client = client_as(student)
    response = client.post(reverse("portal:settings"), {"form": "email", "wanted": ["draw"]})
    assert response["Location"] == reverse("portal:settings") + "?saved=email#email"
    section = find(client.get(response["Location"]).content, "section", id="email")
    assert "Your email preferences were saved." in text(find(section, role="status"))


def test_the_settings_page_does_not_say_saved_unasked(client_as, student):
    page = client_as(student).get(reverse("portal:settings")).content.decode()
    assert "Your email preferences were saved." not in page


def test_the_privacy_section_explains_anonymity_once(client_as, student):
    page = client_as(student).get(reverse("portal:settings")).content.decode()
    assert page.count("Anonymous student") == 1
