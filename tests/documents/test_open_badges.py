"""The Open Badges 3.0 credential: every field the specification requires, with its type and
value, and a VC-JWT that only the published Ed25519 key can have signed."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.documents import open_badges
from portal.domain import signing
from portal.domain.signing import SignatureError, b64url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
DATE_TIME_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
# IdentifierTypeEnum and AchievementType are extensible: other values start with "ext:".
IDENTIFIER_TYPES = {
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId",
    "sisSourcedId", "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId",
    "ltiUserId", "identifier",
}  # fmt: skip
ACHIEVEMENT_TYPES = {
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
    "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion",
    "Certification", "CommunityService", "Competency", "Course", "CoCurricular", "Degree",
    "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
    "JourneymanCertificate", "LearningProgram", "License", "Membership",
    "ProfessionalDoctorate", "QualityAssuranceCredential", "MasterCertificate", "MasterDegree",
    "MicroCredential", "ResearchDoctorate", "SecondarySchoolDiploma",
}  # fmt: skip
ISSUED_AT = int(datetime(2026, 3, 13, 9, 30, tzinfo=UTC).timestamp())


def types(value: Any) -> list:
    """`type` is "array-compacted": one IRI may stand alone instead of in a list."""
    kind = value.get("type") if isinstance(value, dict) else None
    return [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and bool(URI.match(value))


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def in_vocabulary(value: Any, vocabulary: set[str]) -> bool:
    return isinstance(value, str) and (value in vocabulary or value.startswith("ext:"))


def problems(credential: dict[str, Any]) -> list[str]:
    """What an OpenBadgeCredential lacks against the specification, field by field (the module
    docstring of portal.documents.open_badges lists them)."""
    found: list[str] = []

    def need(condition: bool, problem: str) -> None:
        if not condition:
            found.append(problem)

    context = credential.get("@context")
    need(
        isinstance(context, list)
        and len(context) >= 2
        and context[0] == VC_CONTEXT
        and isinstance(context[1], str)
        and bool(OB_CONTEXT.match(context[1])),
        "@context: the VC 2.0 context, then the OB 3.0 one",
    )
    need(is_uri(credential.get("id")), "id: a URI")
    need("VerifiableCredential" in types(credential), "type: VerifiableCredential")
    need(
        {"OpenBadgeCredential", "AchievementCredential"} & set(types(credential)),
        "type: OpenBadgeCredential",
    )
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        need(is_uri(issuer.get("id")), "issuer.id: a URI")
        need("Profile" in types(issuer), "issuer.type: Profile")
        need("name" not in issuer or is_text(issuer["name"]), "issuer.name: a string")
    else:
        need(is_uri(issuer), "issuer: a Profile or its URI")
    valid_from = credential.get("validFrom")
    need(isinstance(valid_from, str) and bool(DATE_TIME_Z.match(valid_from)), "validFrom")
    need("issuanceDate" not in credential, "issuanceDate is VC 1.1's, not OB 3.0's")
    need("name" not in credential or is_text(credential["name"]), "name: a string")

    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return [*found, "credentialSubject: an AchievementSubject"]
    need("AchievementSubject" in types(subject), "credentialSubject.type: AchievementSubject")
    identifiers = subject.get("identifier", [])
    need(
        is_uri(subject.get("id")) or (isinstance(identifiers, list) and len(identifiers) > 0),
        "credentialSubject: id or an identifier",
    )
    for identity in identifiers if isinstance(identifiers, list) else [identifiers]:
        need(types(identity) == ["IdentityObject"], "identifier.type: IdentityObject")
        need(isinstance(identity.get("hashed"), bool), "identifier.hashed: a boolean")
        hashed_well = isinstance(identity.get("identityHash"), str) and (
            not identity.get("hashed")
            or re.match(r"^(sha256|md5)\$[0-9a-fA-F]+$", identity["identityHash"])
        )
        need(bool(hashed_well), "identifier.identityHash: the value, or sha256$<hex>")
        need(
            in_vocabulary(identity.get("identityType"), IDENTIFIER_TYPES),
            "identifier.identityType: IdentifierTypeEnum",
        )

    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        return [*found, "credentialSubject.achievement: an Achievement"]
    need(is_uri(achievement.get("id")), "achievement.id: a URI")
    need("Achievement" in types(achievement), "achievement.type: Achievement")
    need(is_text(achievement.get("name")), "achievement.name")
    need(is_text(achievement.get("description")), "achievement.description")
    criteria = achievement.get("criteria")
    need(
        isinstance(criteria, dict)
        and (is_uri(criteria.get("id")) or is_text(criteria.get("narrative"))),
        "achievement.criteria: id or narrative",
    )
    need(
        "achievementType" not in achievement
        or in_vocabulary(achievement["achievementType"], ACHIEVEMENT_TYPES),
        "achievement.achievementType: AchievementType",
    )
    return found


def unverified_claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def forged(header: dict[str, Any], claims: dict[str, Any], sign) -> str:
    """A compact JWS put together by hand, signed by `sign(signing_input)`."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(sign(f'{head}.{body}'.encode()))}"


@pytest.fixture
def badge(certificate_document) -> dict[str, Any]:
    return open_badges.credential(certificate_document())


def test_credential_has_every_field_the_specification_requires(badge):
    assert problems(badge) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["@context"], ["https://www.w3.org/2018/credentials/v1"]),
        (["id"], "not a uri"),
        (["type"], ["VerifiableCredential"]),
        (["issuer", "type"], ["Organization"]),
        (["issuer", "id"], None),
        (["validFrom"], "2026-03-13"),
        (["credentialSubject", "type"], "CredentialSubject"),
        (["credentialSubject", "identifier", 0, "identityType"], "favouriteColour"),
        (["credentialSubject", "identifier", 0, "hashed"], "no"),
        (["credentialSubject", "achievement", "type"], ["Badge"]),
        (["credentialSubject", "achievement", "criteria"], {}),
        (["credentialSubject", "achievement", "description"], ""),
        (["credentialSubject", "achievement", "achievementType"], "Trophy"),
    ],
)
def test_the_validator_finds_each_missing_or_wrong_field(badge, path, value):
    """The check above is only worth something if it fails: one broken field at a time."""
    broken = copy.deepcopy(badge)
    target = broken
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value

    assert problems(broken) != []


def test_the_validator_wants_an_id_or_an_identifier_for_the_subject(badge):
    broken = copy.deepcopy(badge)
    del broken["credentialSubject"]["id"]
    assert problems(broken) == []
    broken["credentialSubject"]["identifier"] = []

    assert problems(broken) == ["credentialSubject: id or an identifier"]


def test_credential_takes_its_values_from_the_certificate(badge, certificate_document):
    document = certificate_document()
    subject = badge["credentialSubject"]
    achievement = subject["achievement"]

    assert badge["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert badge["id"] == document["verify_url"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["issuer"] == {
        "id": "https://points.example.edu/",
        "type": ["Profile"],
        "name": "University of Fjordland",
    }
    assert badge["validFrom"] == badge["awardedDate"] == "2026-03-13T09:30:00Z"
    assert badge["name"] == achievement["name"] == "Attended: AI Workshop"
    assert subject["id"] == f"{document['verify_url']}#recipient"
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Alice Student",
        }
    ]
    assert achievement["id"] == f"{document['verify_url']}#achievement"
    assert achievement["description"] == document["description"]
    assert achievement["criteria"]["narrative"].startswith("Attended the event")
    assert achievement["achievementType"] == "CoCurricular"
    assert achievement["tag"] == ["Workshops"]
    assert "proof" not in badge and "credentialStatus" not in badge


@pytest.mark.parametrize(
    ("source", "achievement_type"),
    [
        ("event", "CoCurricular"),
        ("claim", "CoCurricular"),
        ("task", "Assignment"),
        ("admin", "Award"),
    ],
)
def test_achievement_type_follows_the_source(certificate_document, source, achievement_type):
    badge = open_badges.credential(certificate_document(source=source))

    assert badge["credentialSubject"]["achievement"]["achievementType"] == achievement_type
    assert problems(badge) == []


def test_an_empty_description_and_category_still_make_a_valid_credential(certificate_document):
    badge = open_badges.credential(certificate_document(description="", category=""))

    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["description"] == (
        "Attended: AI Workshop, on 12 March 2026, recorded by University of Fjordland."
    )
    assert "tag" not in achievement
    assert problems(badge) == []


def test_the_credential_carries_no_email_address(certificate_document):
    badge = open_badges.credential(certificate_document())

    assert "@" not in json.dumps(badge).replace('"@context"', "")


def test_jwt_header_is_eddsa_jwt_and_the_key_id(badge, private_key):
    token = open_badges.encode(badge, private_key)

    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "typ": "JWT",
        "kid": signing.key_id(private_key.public_key()),
    }


def test_jwt_payload_is_the_credential_with_the_required_claims(badge, private_key):
    claims = unverified_claims(open_badges.encode(badge, private_key))

    assert claims["iss"] == badge["issuer"]["id"]
    assert claims["jti"] == badge["id"]
    assert claims["sub"] == badge["credentialSubject"]["id"]
    assert claims["nbf"] == claims["iat"] == ISSUED_AT
    assert "exp" not in claims  # certificates do not expire
    assert "vc" not in claims  # VC 1.1's wrapping; OB 3.0 puts the credential at the top
    assert {k: v for k, v in claims.items() if k not in {"iss", "jti", "sub", "nbf", "iat"}} == (
        badge
    )


def test_decode_with_the_signing_key_returns_the_credential(badge, private_key, keys):
    assert open_badges.decode(open_badges.encode(badge, private_key), keys) == badge


def test_decode_refuses_another_key_under_the_same_id(badge, private_key, keys):
    token = open_badges.encode(badge, private_key)
    (kid,) = keys

    with pytest.raises(SignatureError, match="altered"):
        open_badges.decode(token, {kid: Ed25519PrivateKey.generate().public_key()})


def test_decode_refuses_a_key_that_is_not_published(badge, keys):
    token = open_badges.encode(badge, Ed25519PrivateKey.generate())

    with pytest.raises(SignatureError, match="not published"):
        open_badges.decode(token, keys)


def test_decode_refuses_a_tampered_payload(badge, private_key, keys):
    head, _body, signature = open_badges.encode(badge, private_key).split(".")
    claims = unverified_claims(open_badges.encode(badge, private_key))
    claims["credentialSubject"]["achievement"]["name"] = "Won: the Nobel Prize"
    body = b64url(json.dumps(claims).encode())

    with pytest.raises(SignatureError, match="altered"):
        open_badges.decode(f"{head}.{body}.{signature}", keys)


def test_decode_refuses_a_changed_signature(badge, private_key, keys):
    token = open_badges.encode(badge, private_key)
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")

    with pytest.raises(SignatureError):
        open_badges.decode(tampered, keys)


def test_decode_refuses_alg_none(badge, private_key, keys):
    claims = unverified_claims(open_badges.encode(badge, private_key))
    (kid,) = keys
    head = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    body = b64url(json.dumps(claims).encode())

    for token in (f"{head}.{body}.", f"{head}.{body}"):
        with pytest.raises(SignatureError):
            open_badges.decode(token, keys)


@pytest.mark.parametrize("alg", ["HS256", "EdDSA"])
@pytest.mark.parametrize("encoding", ["raw", "pem"])
def test_decode_refuses_an_hmac_keyed_with_the_public_key(badge, private_key, keys, alg, encoding):
    """The key confusion: a verifier that let the header pick the algorithm would check an
    HMAC made with the published public key, which anyone can make."""
    public_key = private_key.public_key()
    secret = (
        public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if encoding == "raw"
        else public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    claims = unverified_claims(open_badges.encode(badge, private_key))
    claims["name"] = "Forged"
    (kid,) = keys
    token = forged(
        {"alg": alg, "typ": "JWT", "kid": kid},
        claims,
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )

    with pytest.raises(SignatureError):
        open_badges.decode(token, keys)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "https://elsewhere.example/"),
        ("jti", "https://elsewhere.example/verify/x/"),
        ("sub", "did:example:someone-else"),
        ("nbf", ISSUED_AT - 3600),
    ],
)
def test_decode_refuses_claims_that_disagree_with_the_credential(
    badge, private_key, keys, claim, value
):
    """Signed by the right key, but the JWT claims and the credential tell two stories."""
    claims = {**unverified_claims(open_badges.encode(badge, private_key)), claim: value}
    token = jwt.encode(
        claims,
        private_key,
        algorithm="EdDSA",
        headers={"kid": signing.key_id(private_key.public_key())},
    )

    with pytest.raises(SignatureError, match="do not match"):
        open_badges.decode(token, keys)


@pytest.mark.parametrize("claim", ["iss", "jti", "sub", "nbf"])
def test_decode_requires_each_registered_claim(badge, private_key, keys, claim):
    claims = unverified_claims(open_badges.encode(badge, private_key))
    del claims[claim]
    token = jwt.encode(
        claims,
        private_key,
        algorithm="EdDSA",
        headers={"kid": signing.key_id(private_key.public_key())},
    )

    with pytest.raises(SignatureError):
        open_badges.decode(token, keys)


def test_decode_refuses_a_credential_not_yet_valid(certificate_document, private_key, keys):
    badge = open_badges.credential(certificate_document(issued_at="2999-01-01T00:00:00Z"))

    with pytest.raises(SignatureError):
        open_badges.decode(open_badges.encode(badge, private_key), keys)


def test_decode_refuses_what_is_not_a_jwt(keys):
    for token in ("", "not a token", "a.b.c", "e30.e30.e30"):
        with pytest.raises(SignatureError):
            open_badges.decode(token, keys)
