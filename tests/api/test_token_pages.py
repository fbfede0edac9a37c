"""The token pages and command: secrets shown once and stored hashed, revocation, the
personal read token, audit rows."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.models import ApiToken, AuditLog
from portal.services.api_tokens import ApiTokenError, create_api_token, hash_secret
from tests.html import HX

from .conftest import Api

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"upas_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def test_an_admin_creates_a_token_and_sees_its_secret_once(client_as, admin, faculty, department):
    client = client_as(admin)
    response = client.post(
        reverse("portal:api-tokens"),
        {
            "name": "Moodle sync",
            "owner": faculty.email,
            "scopes": ["read", "award"],
            "department": department.pk,
            "days": 30,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # a page with a secret is never cached
    secret = SECRET.search(response.content.decode()).group(0)
    token = ApiToken.objects.get()
    assert (token.owner, token.scopes, token.department) == (faculty, ["award", "read"], department)
    assert token.secret_hash == hash_secret(secret)
    assert Api(secret).get(reverse("api:me")).json()["email"] == faculty.email
    # The list shows the token, never its secret again.
    page = client.get(reverse("portal:api-tokens")).content.decode()
    assert "Moodle sync" in page and f"upas_{token.prefix}_" in page
    assert secret not in page
    audit = AuditLog.objects.get(action="api_token.create")
    assert audit.actor == admin and audit.after["scopes"] == ["award", "read"]
    assert secret not in str(audit.after)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner": "nobody@upas.test"}, "owner"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"days": 0}, "days"),
        ({"days": 99999}, "days"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_token_form_is_refused_next_to_its_field(client_as, admin, faculty, change, field):
    data = {"name": "LMS", "owner": faculty.email, "scopes": ["read"], **change}
    response = client_as(admin).post(reverse("portal:api-tokens"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once(client_as, admin, faculty):
    token, secret = create_api_token(actor=admin, name="LMS", owner=faculty, scopes=["read"])
    assert Api(secret).get(reverse("api:me")).status_code == 200
    response = client_as(admin).post(reverse("portal:api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert Api(secret).get(reverse("api:me")).status_code == 401
    assert AuditLog.objects.filter(action="api_token.revoke", target_id=str(token.pk)).exists()


def test_revoking_an_unknown_token_is_not_found(client_as, admin):
    assert client_as(admin).post(reverse("portal:api-token-revoke", args=[999])).status_code == 404


def test_only_unlimited_admins_create_tokens(faculty, department_admin):
    for actor in (faculty, department_admin):
        with pytest.raises(ApiTokenError) as excinfo:
            create_api_token(actor=actor, name="LMS", owner=actor, scopes=["read"])
        assert excinfo.value.code == "forbidden"
    assert not ApiToken.objects.exists()


def test_a_student_makes_a_personal_read_token_on_the_settings_page(client_as, student):
    client = client_as(student)
    assert "Create my API token" in client.get(reverse("portal:settings")).content.decode()
    response = client.post(reverse("portal:personal-token-create"), **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert "no-store" in response["Cache-Control"]
    secret = SECRET.search(html).group(0)
    api = Api(secret)
    assert api.get(reverse("api:me")).json()["token"]["scopes"] == ["read"]
    # Read only: the award scope is not there even if the owner could award.
    assert api.post(reverse("api:award"), {}).json()["code"] == "missing_scope"
    page = client.get(reverse("portal:settings")).content.decode()
    assert "Replace my token" in page and secret not in page


def test_replacing_the_personal_token_revokes_the_old_one(client_as, student):
    client = client_as(student)
    first = SECRET.search(
        client.post(reverse("portal:personal-token-create"), **HX).content.decode()
    ).group(0)
    second = SECRET.search(
        client.post(reverse("portal:personal-token-create"), **HX).content.decode()
    ).group(0)
    assert Api(first).get(reverse("api:me")).status_code == 401
    assert Api(second).get(reverse("api:me")).status_code == 200
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_revoking_the_personal_token(client_as, student):
    client = client_as(student)
    secret = SECRET.search(
        client.post(reverse("portal:personal-token-create"), **HX).content.decode()
    ).group(0)
    response = client.post(reverse("portal:personal-token-revoke"))
    assert response.status_code == 302
    assert Api(secret).get(reverse("api:me")).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token_through_the_settings(client_as, admin, student):
    _token, secret = create_api_token(actor=admin, name="LMS", owner=student.user, scopes=["read"])
    client_as(student).post(reverse("portal:personal-token-revoke"))
    assert Api(secret).get(reverse("api:me")).status_code == 200


def test_personal_tokens_stay_off_the_admin_list(client_as, admin, student):
    client_as(student).post(reverse("portal:personal-token-create"), **HX)
    assert (
        "Personal token" not in client_as(admin).get(reverse("portal:api-tokens")).content.decode()
    )


def test_the_command_prints_a_working_token(faculty, department):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "Roster sync",
        owner=faculty.email,
        scopes="read,award",
        department="cs",
        days=7,
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert SECRET.fullmatch(secret)
    assert secret not in err.getvalue()
    token = ApiToken.objects.get()
    assert token.department == department and token.expires_at is not None
    assert Api(secret).get(reverse("api:me")).status_code == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"owner": "nobody@upas.test"}, "No user"),
        ({"owner": "faculty@upas.test", "scopes": "read,root"}, "Choose scopes"),
        ({"owner": "faculty@upas.test", "department": "XX"}, "No department"),
        ({"owner": "faculty@upas.test", "days": 0}, "between 1 and"),
    ],
)
def test_the_command_refuses_bad_options(faculty, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", "LMS", stdout=StringIO(), stderr=StringIO(), **options)
    assert not ApiToken.objects.exists()
