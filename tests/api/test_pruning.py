"""The daily job forgets API idempotency keys after a week and expired Discord link codes; an
award replayed after its key is forgotten is still written once (the ledger keeps its own key)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import ApiIdempotencyKey, DiscordLinkCode, Transaction
from portal.services.api_tokens import KEEP_IDEMPOTENCY_KEYS
from portal.services.discord import create_link_code
from portal.tasks import prune_integration_keys

from .test_endpoints import AWARD, award_body

pytestmark = pytest.mark.django_db


def test_keys_older_than_a_week_are_forgotten_and_newer_kept(api_as, faculty, student, category):
    api = api_as(faculty)
    assert api.post(AWARD, award_body(student, category), key="old").status_code == 201
    assert api.post(AWARD, award_body(student, category), key="new").status_code == 201
    ApiIdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - KEEP_IDEMPOTENCY_KEYS - timedelta(minutes=1)
    )

    assert prune_integration_keys.call() == 1

    assert list(ApiIdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    replay = api.post(AWARD, award_body(student, category), key="old")
    assert replay.status_code == 201
    assert "Idempotent-Replayed" not in replay
    assert Transaction.objects.filter(student=student).count() == 2


def test_expired_link_codes_are_forgotten_and_live_ones_kept(student, faculty):
    create_link_code(user=student.user)
    create_link_code(user=faculty)
    DiscordLinkCode.objects.filter(user=student.user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert prune_integration_keys.call() == 1

    assert list(DiscordLinkCode.objects.values_list("user", flat=True)) == [faculty.pk]
