"""Signed documents shaped as the issuing services build them, and a key to sign them with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.domain import signing

CODE = "Xy3kP0aQ9zLmN4bV7cR2tW8eY1uI5oPa"
VERIFY_URL = f"https://points.example.edu/verify/{CODE}/"
ISSUER = {"name": "University of Fjordland", "url": "https://points.example.edu/"}


@pytest.fixture(scope="session")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def keys(private_key) -> dict[str, Ed25519PublicKey]:
    public_key = private_key.public_key()
    return {signing.key_id(public_key): public_key}


def _certificate_document(**changes: Any) -> dict[str, Any]:
    return {
        "type": "certificate",
        "version": 1,
        "code": CODE,
        "verify_url": VERIFY_URL,
        "issuer": ISSUER,
        "holder": {"name": "Alice Student"},
        "title": "Attended: AI Workshop",
        "description": "A hands-on afternoon building and evaluating small models.",
        "source": "event",
        "category": "Workshops",
        "points": 20,
        "activity_date": "2026-03-12",
        "issued_at": "2026-03-13T09:30:00Z",
        "issued_by": "Dr Faculty",
        **changes,
    }


def _transcript_document(events: int = 3, activities: int = 2, **changes: Any) -> dict[str, Any]:
    """One academic year with `events` events and `activities` approved activities."""
    year = {
        "year": "2025–26",
        "points": 10 * events + 5 * activities,
        "events": [
            {
                "title": f"Event {number}",
                "date": "2025-10-01",
                "category": "Workshops",
                "points": 10,
            }
            for number in range(events)
        ],
        "activities": [
            {
                "category": "Community service",
                "points": 5 * activities,
                "items": [
                    {
                        "title": f"Volunteering {number}",
                        "date": "2026-02-01",
                        "points": 5,
                        "kind": "claim" if number % 2 else "task",
                    }
                    for number in range(activities)
                ],
            }
        ]
        if activities
        else [],
    }
    return {
        "type": "transcript",
        "version": 1,
        "code": CODE,
        "verify_url": VERIFY_URL,
        "issuer": ISSUER,
        "holder": {"name": "Alice Student"},
        "issued_at": "2026-03-13T09:30:00Z",
        "total_points": year["points"],
        "level": {"number": 2, "name": "Silver"},
        "badges": [{"name": "First steps", "earned_on": "2025-10-01"}],
        "clubs": [{"name": "Chess club", "position": "Treasurer", "since": "2025-09-15"}],
        "years": [year],
        **changes,
    }


@pytest.fixture
def certificate_document() -> Callable[..., dict[str, Any]]:
    """certificate_document(title=...): a certificate document with those fields changed."""
    return _certificate_document


@pytest.fixture
def transcript_document() -> Callable[..., dict[str, Any]]:
    """transcript_document(events=60): a one-year transcript document."""
    return _transcript_document


@pytest.fixture
def sign(private_key) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda document: signing.sign(private_key, document)
