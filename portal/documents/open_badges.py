"""Open Badges 3.0: a certificate as an OpenBadgeCredential, signed as a VC-JWT.

Read from the 1EdTech specification, Open Badges 3.0 (final text and context 3.0.3; source
github.com/1EdTech/openbadges-specification: the data model in ob_v3p0/common_credentials.lines,
the "JSON Web Token Proof Format" in ob_v3p0/integrity.md). OB 3.0 builds on the W3C Verifiable
Credentials Data Model 2.0: the credential has `validFrom` under the .../credentials/v2
context. `issuanceDate` with https://www.w3.org/2018/credentials/v1 belongs to OB 3.0's drafts
on VC 1.1, which verifiers still read but issuers no longer write. The JWT payload is the
credential itself with the registered claims beside its properties (VC 1.1 wrapped it in `vc`).

Required by the specification, and where each value comes from (certificate document fields):

    OpenBadgeCredential (AchievementCredential)
      @context      ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"], in that order
      id            URI                   verify_url (the public verification page)
      type          contains "VerifiableCredential" and "OpenBadgeCredential"
      issuer        Profile               {id: issuer.url, type: ["Profile"], name: issuer.name}
      validFrom     DateTimeZ             issued_at
      credentialSubject  AchievementSubject, below
      optional, set: name (title), awardedDate (issued_at)
    Profile: id (URI) and type containing "Profile"; name optional, set for wallets.
    AchievementSubject
      type          contains "AchievementSubject"
      id or at least one identifier: both here.
        id          URI                   verify_url + "#recipient": names the holder of this
                                          certificate without their email or student number;
                                          the JWT's `sub` must equal it
        identifier  [IdentityObject]      the holder's name (below)
      achievement   Achievement, below
    IdentityObject
      type "IdentityObject"; hashed (Boolean) false; identityHash: the value, in clear when not
      hashed; identityType (IdentifierTypeEnum) "name"            holder.name
    Achievement
      id            URI                   verify_url + "#achievement" (each award is its own)
      type          contains "Achievement"
      name          String                title
      description   String                description, or a sentence of title, date, university
      criteria      Criteria              {narrative}: how this source of certificate is earned
                                          (the Criteria class needs id or narrative)
      optional, set: achievementType (extensible enumeration: "CoCurricular" for an event or
      an approved claim, "Assignment" for a task, "Award" for an administrator's), tag [category]

    VC-JWT (integrity.md)
      JOSE header   alg (the specification's minimum is RS256; other JWA algorithms are
                    permitted, here "EdDSA"); kid or jwk; typ "JWT" if present; nothing else
      claims        iss = issuer.id, jti = id, nbf = validFrom as NumericDate, sub =
                    credentialSubject.id: all four required, and a verifier checks each against
                    the credential; exp = validUntil only when there is one (none: certificates
                    do not expire). iat = nbf is ours (other registered claims are allowed).

Left out: proof (the JWT is the proof), credentialStatus (revocation is online, at
verify_url), credentialSchema, evidence, image, endorsement. One departure: the spec describes
`kid` as a URI to dereference; here it is the key's RFC 7638 thumbprint, the same id the signed
JSON uses, published with the key at /.well-known/jwks.json."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.domain import signing
from portal.domain.signing import SignatureError

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
ACHIEVEMENT_TYPE = {
    "event": "CoCurricular",
    "claim": "CoCurricular",
    "task": "Assignment",
    "admin": "Award",
}
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


def credential(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenBadgeCredential for a certificate document (unsigned: `encode` signs it).

    In English, like the PDFs: a wallet shows these texts to anyone the holder shares it with."""
    with translation.override("en"):
        return _credential(document)


def _credential(document: dict[str, Any]) -> dict[str, Any]:
    verify_url = document["verify_url"]
    description = document["description"] or _(
        "%(title)s, on %(date)s, recorded by %(university)s."
    ) % {
        "title": document["title"],
        "date": date_format(date.fromisoformat(document["activity_date"]), "j F Y"),
        "university": document["issuer"]["name"],
    }
    achievement: dict[str, Any] = {
        "id": f"{verify_url}#achievement",
        "type": ["Achievement"],
        "name": document["title"],
        "description": description,
        "criteria": {"narrative": _criteria(document["source"])},
        "achievementType": ACHIEVEMENT_TYPE.get(document["source"], "Achievement"),
    }
    if document["category"]:
        achievement["tag"] = [document["category"]]
    return {
        "@context": list(CONTEXT),
        "id": verify_url,
        "type": list(CREDENTIAL_TYPE),
        "issuer": {
            "id": document["issuer"]["url"],
            "type": ["Profile"],
            "name": document["issuer"]["name"],
        },
        "validFrom": document["issued_at"],
        "awardedDate": document["issued_at"],
        "name": document["title"],
        "credentialSubject": {
            "id": f"{verify_url}#recipient",
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": document["holder"]["name"],
                }
            ],
            "achievement": achievement,
        },
    }


def _criteria(source: str) -> str:
    if source == "event":
        return _("Attended the event; attendance was recorded when the student checked in.")
    if source == "claim":
        return _("Took part in the activity; university staff reviewed the claim and approved it.")
    if source == "task":
        return _("Completed a task set by university staff, who reviewed the work and approved it.")
    return _("Awarded by the university's administrators.")


def encode(credential: dict[str, Any], private_key: Ed25519PrivateKey) -> str:
    """The credential as a VC-JWT: a compact JWS signed with Ed25519 ("EdDSA")."""
    valid_from = _numeric_date(credential["validFrom"])
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": valid_from,
        "iat": valid_from,
    }
    return jwt.encode(
        claims,
        private_key,
        algorithm=signing.ALGORITHM,
        headers={"kid": signing.key_id(private_key.public_key()), "typ": "JWT"},
    )


def decode(token: str, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The credential a VC-JWT carries when one of `keys` (kid -> key) signed it and its claims
    agree with it; SignatureError otherwise.

    Only EdDSA is accepted, whatever the header says: `alg: none` and HS256 keyed with the
    public key (the classic JWT confusions) are refused before any key is used."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise SignatureError("not a JWT") from exc
    if header.get("alg") != signing.ALGORITHM:
        raise SignatureError("not signed with Ed25519")
    key = keys.get(header.get("kid"))
    if key is None:
        raise SignatureError("signed by a key that is not published")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[signing.ALGORITHM],
            options={"require": ["iss", "jti", "nbf", "sub"]},
        )
    except jwt.InvalidTokenError as exc:
        raise SignatureError("the signature does not match: the badge was altered") from exc
    found = {name: value for name, value in claims.items() if name not in REGISTERED_CLAIMS}
    try:
        agrees = (
            claims["iss"] == found["issuer"]["id"]
            and claims["jti"] == found["id"]
            and claims["sub"] == found["credentialSubject"]["id"]
            and claims["nbf"] == _numeric_date(found["validFrom"])
            and "OpenBadgeCredential" in found["type"]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureError("not an Open Badge credential") from exc
    if not agrees:
        raise SignatureError("the JWT claims do not match the credential")
    return found


def _numeric_date(value: str) -> int:
    """A DateTimeZ ("2026-03-13T09:30:00Z") as JWT NumericDate, seconds since the epoch."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a DateTimeZ needs its time zone")
    return int(moment.timestamp())
