"""Partners are fenced out of the member pages, so no API token may act as one: none can be
made for a partner, and a token made before its owner became a partner stops working."""

from __future__ import annotations

import pytest

from portal.models import ApiToken, Role
from portal.services.api_tokens import ApiTokenError, create_api_token

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_no_token_can_be_made_for_a_partner(admin, partner):
    with pytest.raises(ApiTokenError) as refused:
        create_api_token(actor=admin, name="Northwind sync", owner=partner, scopes=["read"])
    assert refused.value.code == "bad_owner"
    assert refused.value.field == "owner"
    assert not ApiToken.objects.exists()


def test_the_admin_form_says_so_next_to_the_owner(client_as, admin, partner):
    response = client_as(admin).post(
        "/staff/api-tokens/",
        {"name": "Northwind sync", "owner": partner.email, "scopes": ["read"]},
    )
    assert response.status_code == 200
    assert "A token can act only as an active student" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_whose_owner_became_a_partner_is_refused(admin, faculty):
    _token, secret = create_api_token(actor=admin, name="LMS", owner=faculty, scopes=["read"])
    api = Api(secret)
    assert api.get("/api/v1/leaderboard/").status_code == 200
    faculty.role = Role.PARTNER
    faculty.save(update_fields=["role"])
    refused = api.get("/api/v1/leaderboard/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "bad_token"
