"""Partner companies and invitations (services.partners), and the role rules around them."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.exceptions import AccountError, PartnerError
from portal.models import AuditLog, Company, Reviewer, Role, Specialty, Suspension, User
from portal.services import accounts as account_services
from portal.services import partners as partner_services

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-partner-pw-42"


def invitation_path(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture
def specialty() -> Specialty:
    return Specialty.objects.create(name="Data science")


def invite(admin: User, company: Company, **overrides: object) -> User:
    data = {
        "actor": admin,
        "email": "Grace@Northwind.test",
        "name": "Grace  Hopper",
        "company_id": company.pk,
        "headline": "Engineering manager",
        "specialty_ids": [],
    }
    return partner_services.invite_partner(**{**data, **overrides})


def test_invite_makes_a_partner_with_a_reviewer_row_and_emails_after_commit(
    admin, company, specialty, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = invite(admin, company, specialty_ids=[specialty.pk])
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert (user.email, user.name, user.role) == ("grace@northwind.test", "Grace Hopper", "partner")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    assert not hasattr(user, "student_profile")
    reviewer = Reviewer.objects.get(user=user)
    assert (reviewer.kind, reviewer.company, reviewer.headline) == (
        Reviewer.Kind.PROFESSIONAL,
        company,
        "Engineering manager",
    )
    assert list(reviewer.specialties.all()) == [specialty]
    assert AuditLog.objects.filter(action="partner.invite", actor=admin).count() == 1
    [message] = mail.outbox
    assert message.to == ["grace@northwind.test"]
    assert "Northwind Analytics" in message.body


def test_the_invited_partner_sets_a_password_signs_in_and_reaches_two_factor(
    admin, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, company)
    client = Client()
    page = client.get(invitation_path(mail.outbox[0]), follow=True)
    assert page.status_code == 200
    response = client.post(
        page.redirect_chain[-1][0], {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    signed_in = Client()
    response = signed_in.post(
        reverse("account_login"), {"login": "grace@northwind.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    dashboard = signed_in.get(reverse("portal:dashboard"))
    assert dashboard.status_code == 200
    assert "portal/dashboards/partner.html" in [t.name for t in dashboard.templates]
    assert signed_in.get(reverse("mfa_index")).status_code == 200
    # Turning on an authenticator app asks for the password again (allauth), not a refusal.
    activate = signed_in.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 302
    assert activate["Location"].startswith(reverse("account_reauthenticate"))


def test_inviting_a_partner_address_again_is_refused_without_a_duplicate(admin, company):
    invite(admin, company)
    with pytest.raises(PartnerError) as excinfo:
        invite(admin, company, email="GRACE@northwind.test")
    assert (excinfo.value.code, excinfo.value.field) == ("already_invited", "email")
    assert User.objects.filter(email="grace@northwind.test").count() == 1
    assert Reviewer.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"email": "not an address"}, "bad_email", "email"),
        ({"email": "alice@upas.test"}, "email_taken", "email"),
        ({"email": "faculty@upas.test"}, "email_taken", "email"),
        ({"name": "   "}, "name_required", "name"),
        ({"headline": "x" * 161}, "headline_too_long", "headline"),
        ({"company_id": 999999}, "unknown_company", "company"),
        ({"specialty_ids": [999999]}, "unknown_specialty", "specialties"),
    ],
)
def test_bad_invitations_are_refused_and_write_nothing(
    admin, company, student, faculty, overrides, code, field, django_capture_on_commit_callbacks
):
    users, audits = User.objects.count(), AuditLog.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PartnerError) as exc:
        invite(admin, company, **overrides)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert (User.objects.count(), AuditLog.objects.count()) == (users, audits)
    assert Reviewer.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["faculty", "department_admin", "partner"])
def test_only_unlimited_admins_invite(request, company, who):
    with pytest.raises(PartnerError) as excinfo:
        invite(request.getfixturevalue(who), company)
    assert excinfo.value.code == "forbidden"


def test_companies_have_unique_names_and_real_websites(admin, company):
    with pytest.raises(PartnerError) as excinfo:
        partner_services.create_company(actor=admin, name="northwind  analytics")
    assert excinfo.value.code == "name_taken"
    with pytest.raises(PartnerError) as excinfo:
        partner_services.create_company(actor=admin, name="Contoso", website="javascript:x")
    assert excinfo.value.code == "bad_website"
    made = partner_services.create_company(
        actor=admin, name=" Contoso ", website="https://contoso.test"
    )
    assert made.name == "Contoso"
    assert AuditLog.objects.filter(action="company.create").count() == 1


def test_sending_the_link_again_emails_a_fresh_one(
    admin, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.resend_partner_invitation(actor=admin, user_id=partner.pk)
    assert [m.to for m in mail.outbox] == [[partner.email]]


def test_deactivating_a_partner_suspends_them_and_stops_their_requests(admin, partner):
    partner_services.deactivate_partner(actor=admin, user_id=partner.pk, reason="Contract ended")
    partner.refresh_from_db()
    assert not partner.is_active
    assert Suspension.objects.filter(user=partner, lifted_at__isnull=True).exists()
    assert not Reviewer.objects.get(user=partner).is_active
    with pytest.raises(PartnerError) as excinfo:
        partner_services.resend_partner_invitation(actor=admin, user_id=partner.pk)
    assert excinfo.value.code == "suspended"


def test_deactivating_someone_who_is_no_partner_is_refused(admin, student):
    with pytest.raises(PartnerError) as excinfo:
        partner_services.deactivate_partner(actor=admin, user_id=student.user_id, reason="x")
    assert excinfo.value.code == "not_found"
    student.user.refresh_from_db()
    assert student.user.is_active


@pytest.mark.parametrize("role", [Role.STUDENT, Role.FACULTY, Role.ADMIN])
def test_a_partner_never_changes_role(admin, partner, role):
    with pytest.raises(AccountError) as excinfo:
        account_services.change_role(actor=admin, user_id=partner.pk, role=role)
    assert excinfo.value.code == "partner_role"
    partner.refresh_from_db()
    assert partner.role == Role.PARTNER


def test_nobody_is_made_a_partner_on_the_people_page(admin, faculty):
    with pytest.raises(AccountError) as excinfo:
        account_services.change_role(actor=admin, user_id=faculty.pk, role=Role.PARTNER)
    assert excinfo.value.code == "partner_role"


def test_the_invite_form_shows_errors_next_to_the_fields(client_as, admin, company, student):
    response = client_as(admin).post(
        reverse("portal:partner-invite"),
        {"name": "Someone", "email": student.user.email, "company": company.pk},
    )
    assert response.status_code == 200
    assert response.context["invite_form"].errors == {
        "email": ["This address belongs to a student or staff account; partners need their own."]
    }
    response = client_as(admin).post(
        reverse("portal:partner-invite"),
        {"name": "Someone", "email": "x@y.test", "company": 999999},
    )
    assert "company" in response.context["invite_form"].errors
    assert not User.objects.filter(email="x@y.test").exists()


def test_the_invite_form_invites(client_as, admin, company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin).post(
            reverse("portal:partner-invite"),
            {"name": "Lin Wu", "email": "lin@northwind.test", "company": company.pk},
        )
    assert response.status_code == 302
    assert User.objects.get(email="lin@northwind.test").role == Role.PARTNER
    page = client_as(admin).get(reverse("portal:partners"))
    assert b"Lin Wu" in page.content
    assert b"Northwind Analytics" in page.content


def test_a_campus_sign_in_address_is_refused(admin, company, settings):
    settings.UPAS_SSO_ISSUER = "https://idp.campus.example/o"
    settings.UPAS_SSO_REQUIRED_DOMAINS = ["staff.upas.test"]
    with pytest.raises(PartnerError) as excinfo:
        invite(admin, company, email="someone@staff.upas.test")
    assert (excinfo.value.code, excinfo.value.field) == ("campus_address", "email")
    assert not User.objects.filter(email="someone@staff.upas.test").exists()


def test_campus_groups_never_change_a_partners_role(partner, settings):
    from portal.domain.sso import CampusIdentity
    from portal.services import sso as sso_services

    settings.UPAS_SSO_GROUP_CLAIM = "groups"
    settings.UPAS_SSO_GROUP_ROLES = {"staff": "faculty"}
    identity = CampusIdentity(
        subject="x",
        email=partner.email,
        email_verified=True,
        name="",
        enrollment_number="",
        department_code="",
        groups=("staff",),
    )
    sso_services.apply_group_role(user=partner, identity=identity)
    partner.refresh_from_db()
    assert partner.role == Role.PARTNER
