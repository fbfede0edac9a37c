"""Campus sign-in's rules below the protocol (the protocol itself runs end to end against a
real provider in tests/browser/test_sso_journey.py): reading claims, which account an identity
signs in to, roles from groups, and the domains whose password sign-in is refused."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portal.domain.sso import identity_from_claims, must_use_sso, role_from_groups
from portal.models import AuditLog, PendingSignup, Role, SignIn, StudentProfile
from portal.permissions import sign_in_needs_sso
from portal.services import sso
from tests.factories import DepartmentFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


def identity(**claims):
    base = {"sub": "42", "email": "amira@upas.test", "email_verified": True, "name": "Amira"}
    return identity_from_claims(
        {**base, **claims},
        enrollment_claim="enrollment_number",
        department_claim="department",
        group_claim="groups",
    )


# --- reading claims (pure) ---------------------------------------------------------------------


def test_only_a_json_true_counts_as_a_verified_email():
    assert identity().email_verified
    assert not identity(email_verified="true").email_verified
    assert not identity(email_verified=1).email_verified


def test_claims_are_trimmed_lowered_and_groups_may_be_one_string():
    who = identity(email=" Amira@UPAS.test ", enrollment_number=" CS1 ", groups="staff")
    assert (who.email, who.enrollment_number, who.groups) == ("amira@upas.test", "CS1", ("staff",))
    assert identity(groups={"not": "a list"}).groups == ()
    assert identity(name="", given_name="Amira", family_name="Haddad").name == "Amira Haddad"


def test_the_highest_mapped_role_wins_and_unmapped_groups_give_none():
    roles = {"faculty-staff": "faculty", "it-admins": "admin", "typo": "superuser"}
    assert role_from_groups(["students", "faculty-staff", "it-admins"], roles) == "admin"
    assert role_from_groups(["students"], roles) is None
    assert role_from_groups(["typo"], roles) is None


def test_must_use_sso_looks_at_the_domain_only():
    assert must_use_sso("a@Campus.edu", ["campus.edu"])
    assert not must_use_sso("a@campus.edu.evil", ["campus.edu"])
    assert not must_use_sso("", ["campus.edu"])


# --- which account -----------------------------------------------------------------------------


def test_an_unverified_email_is_refused():
    with pytest.raises(sso.SSOError) as error:
        sso.account_for(identity(email_verified=False))
    assert error.value.code == "unverified_email"


def test_the_account_is_found_by_email_or_by_enrollment_number():
    by_email = UserFactory(email="amira@upas.test", role=Role.FACULTY)
    assert sso.account_for(identity()) == by_email
    by_number = StudentFactory(enrollment_number="CS7", user__email="old@upas.test")
    assert sso.account_for(identity(email="new@upas.test", enrollment_number="CS7")) == (
        by_number.user
    )
    assert sso.account_for(identity(email="nobody@upas.test")) is None


def test_email_and_number_of_two_accounts_are_a_conflict():
    UserFactory(email="amira@upas.test")
    StudentFactory(enrollment_number="CS7")
    with pytest.raises(sso.SSOError) as error:
        sso.account_for(identity(enrollment_number="CS7"))
    assert error.value.code == "conflict"


def test_an_unverified_second_address_links_nothing_and_is_released():
    other = UserFactory(email="other@upas.test")
    EmailAddress.objects.create(user=other, email="amira@upas.test", verified=False)
    assert sso.account_for(identity()) is None
    assert sso.release_unverified_addresses(email="amira@upas.test") == 1
    assert not EmailAddress.objects.filter(email="amira@upas.test").exists()


def test_a_verified_second_address_links_its_owner():
    other = UserFactory(email="other@upas.test")
    EmailAddress.objects.create(user=other, email="amira@upas.test", verified=True)
    assert sso.account_for(identity()) == other


def test_claiming_an_unverified_sign_up_drops_its_password_and_number():
    squatter = UserFactory(email="amira@upas.test", role=Role.STUDENT)
    PendingSignup.objects.create(user=squatter, enrollment_number="CS9999")
    sso.claim_unverified_signup(user=squatter, identity=identity(enrollment_number="CS1"))
    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    assert squatter.student_profile.enrollment_number == "CS1"
    assert AuditLog.objects.filter(action="user.sso_claimed_signup").count() == 1


# --- first sign-in and roles -----------------------------------------------------------------


def test_a_new_student_gets_a_profile_in_the_named_department(settings):
    settings.UPAS_SSO_GROUP_CLAIM = ""
    DepartmentFactory(code="CS")
    user = UserFactory(email="amira@upas.test", name="", role=Role.FACULTY)
    sso.set_up_new_account(user=user, identity=identity(enrollment_number="CS1", department="cs"))
    user.refresh_from_db()
    assert (user.role, user.name) == (Role.STUDENT, "Amira")
    assert user.student_profile.department.code == "CS"


def test_a_taken_enrollment_number_leaves_the_new_account_without_a_profile(settings):
    settings.UPAS_SSO_GROUP_CLAIM = ""
    StudentFactory(enrollment_number="CS1")
    user = UserFactory(email="amira@upas.test", role=Role.STUDENT)
    sso.set_up_new_account(user=user, identity=identity(enrollment_number="CS1"))
    assert not StudentProfile.objects.filter(user=user).exists()


def test_group_roles_apply_at_each_sign_in_and_are_audited(settings):
    settings.UPAS_SSO_GROUP_CLAIM = "groups"
    settings.UPAS_SSO_GROUP_ROLES = {"faculty-staff": "faculty", "students": "student"}
    user = UserFactory(email="amira@upas.test", role=Role.STUDENT)
    sso.apply_group_role(user=user, identity=identity(groups=["faculty-staff"]))
    user.refresh_from_db()
    assert user.role == Role.FACULTY
    assert AuditLog.objects.filter(action="user.role", target_id=str(user.pk)).count() == 1
    # Back to student needs a profile: without one the role stays.
    sso.apply_group_role(user=user, identity=identity(groups=["students"]))
    user.refresh_from_db()
    assert user.role == Role.FACULTY
    # No mapped group: the portal's role stays.
    sso.apply_group_role(user=user, identity=identity(groups=["library"]))
    user.refresh_from_db()
    assert user.role == Role.FACULTY


def test_a_students_group_does_not_undo_a_graduation(settings):
    settings.UPAS_SSO_GROUP_CLAIM = "groups"
    settings.UPAS_SSO_GROUP_ROLES = {"students": "student"}
    graduate = StudentFactory(user__role=Role.ALUMNUS).user
    sso.apply_group_role(user=graduate, identity=identity(groups=["students"]))
    graduate.refresh_from_db()
    assert graduate.role == Role.ALUMNUS
    assert not AuditLog.objects.filter(action="user.role").exists()


# --- domains that must use campus sign-in -----------------------------------------------------


@pytest.fixture
def sso_domain(settings):
    settings.UPAS_SSO_ISSUER = "https://idp.campus.example/o"
    settings.UPAS_SSO_REQUIRED_DOMAINS = ["staff.upas.test"]
    settings.UPAS_SIGNUP_DOMAINS = ["upas.test", "staff.upas.test"]


def test_password_sign_in_at_an_sso_domain_is_refused_with_the_way_in(client, sso_domain):
    UserFactory(email="lopez@staff.upas.test")
    for email in ("lopez@staff.upas.test", "unknown@staff.upas.test"):
        response = client.post(
            reverse("account_login"), {"login": email, "password": "pw-for-tests-1"}
        )
        assert response.status_code == 200
        assert "use campus sign-in" in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert not SignIn.objects.filter(outcome=SignIn.Outcome.SUCCESS).exists()


def test_sign_up_at_an_sso_domain_is_refused(client, sso_domain):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@staff.upas.test",
            "password1": "a-Long-pw-42!",
            "password2": "a-Long-pw-42!",
        },
    )
    assert "use campus sign-in" in response.content.decode()
    assert not EmailAddress.objects.filter(email="new@staff.upas.test").exists()


def test_without_an_issuer_the_required_domains_change_nothing(settings):
    settings.UPAS_SSO_ISSUER = ""
    settings.UPAS_SSO_REQUIRED_DOMAINS = ["upas.test"]
    assert not sign_in_needs_sso("a@upas.test")
