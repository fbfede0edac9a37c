from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.models import WebhookEndpoint, WebhookEvent
from portal.services import webhooks

from .receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


@pytest.fixture
def subscribe(admin, receiver, django_capture_on_commit_callbacks):
    """Register `receiver` for some events (all by default) through the service, and tell the
    receiver the secret it was shown."""

    def make(*events: str, url: str = "") -> WebhookEndpoint:
        with django_capture_on_commit_callbacks(execute=True):
            endpoint, secret = webhooks.register_endpoint(
                actor=admin, url=url or receiver.url, events=events or WebhookEvent.values
            )
        receiver.secret = secret
        return endpoint

    return make
