"""The claims the test provider puts in its ID tokens: a campus directory in a JSON file."""

from __future__ import annotations

import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


def directory() -> dict[str, dict]:
    with open(os.environ["IDP_PEOPLE"]) as people:
        return {person["username"]: person for person in json.load(people)}


class CampusClaims(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "enrollment_number": "profile",
        "department": "profile",
        "groups": "profile",
    }

    def get_additional_claims(self, request):
        person = directory()[request.user.username]
        claims = {
            "name": person["name"],
            "email": person["email"],
            "email_verified": person.get("email_verified", True),
            "groups": person.get("groups", []),
        }
        for claim in ("enrollment_number", "department"):
            if person.get(claim):
                claims[claim] = person[claim]
        return claims
