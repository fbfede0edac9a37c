"""A check-in over the page does no more database work than it needs (issue 17): the event the
page's view read is the one the service uses, read again only to lock it when it has a
capacity (the lock serialises the count of places)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import CheckIn
from portal.services.events import current_code
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def event_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "portal_event"')]


@pytest.mark.parametrize(("capacity", "reads"), [(None, 1), (50, 2)])
def test_the_event_is_read_again_only_to_lock_it(client_as, student, capacity, reads):
    event = EventFactory(capacity=capacity)
    client = client_as(student)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/events/{event.pk}/check-in/", {"code": current_code(event)}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert "points-changed" in response["HX-Trigger"]
    assert CheckIn.objects.filter(event=event, student=student).count() == 1
    assert len(event_reads(queries)) == reads, event_reads(queries)
    if capacity is not None and connection.features.has_select_for_update:
        assert "FOR UPDATE" in event_reads(queries)[-1]
