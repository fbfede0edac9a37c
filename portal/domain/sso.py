"""What the portal reads from a campus ID token: pure, no models.

Only claims the identity provider asserts are used: the email (with its `email_verified`
flag), the configured enrollment-number, department and group claims. Roles from groups are
ranked so that a person in two mapped groups gets the higher role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ROLE_RANK = {"student": 0, "faculty": 1, "admin": 2}


@dataclass(frozen=True)
class CampusIdentity:
    subject: str
    email: str
    email_verified: bool
    name: str
    enrollment_number: str
    department_code: str
    groups: tuple[str, ...]


def _text(value: object, limit: int) -> str:
    return str(value).strip()[:limit] if isinstance(value, str | int) else ""


def identity_from_claims(
    claims: Mapping[str, object],
    *,
    enrollment_claim: str = "",
    department_claim: str = "",
    group_claim: str = "",
) -> CampusIdentity:
    given, family = _text(claims.get("given_name"), 75), _text(claims.get("family_name"), 75)
    name = _text(claims.get("name"), 150) or " ".join(part for part in (given, family) if part)
    groups = claims.get(group_claim) if group_claim else None
    if isinstance(groups, str):
        groups = [groups]
    return CampusIdentity(
        subject=_text(claims.get("sub"), 255),
        email=_text(claims.get("email"), 254).lower(),
        # Only a JSON true counts: "false" as a string is truthy in Python.
        email_verified=claims.get("email_verified") is True,
        name=name,
        enrollment_number=_text(claims.get(enrollment_claim), 32) if enrollment_claim else "",
        department_code=_text(claims.get(department_claim), 16) if department_claim else "",
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
    )


def role_from_groups(groups: Iterable[str], group_roles: Mapping[str, str]) -> str | None:
    """The highest role any of the groups maps to, or None when none is mapped."""
    roles = [group_roles[g] for g in groups if group_roles.get(g) in ROLE_RANK]
    return max(roles, key=ROLE_RANK.__getitem__) if roles else None


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def must_use_sso(email: str, required_domains: Iterable[str]) -> bool:
    return bool(email) and email_domain(email) in set(required_domains)
