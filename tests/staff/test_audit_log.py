"""The audit log page: what admins did, filterable, read-only, constant in queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditLog
from portal.services import categories as category_services
from portal.services.audit import record_audit
from portal.services.draws import enter_draw, perform_draw
from tests.factories import DrawFactory, UserFactory
from tests.helpers import let_entries_close
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    return [text(tr) for tr in find_all(response.content, "tr")[1:]]


def test_admin_actions_appear_with_who_what_and_the_change(client_as, admin, category, student):
    category_services.set_category_active(actor=admin, category_id=category.pk, active=False)
    draw = DrawFactory(created_by=admin)
    enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    page = client_as(admin).get(reverse("portal:audit-log"))
    assert page.status_code == 200
    listed = rows(page)
    assert any("draw.perform" in r and draw.title in r and admin.name in r for r in listed)
    deactivated = next(r for r in listed if "category.deactivate" in r)
    assert category.name in deactivated
    assert "True" in deactivated and "False" in deactivated  # before and after


def test_filters_narrow_by_action_who_and_target(client_as, admin, category):
    other_admin = UserFactory(role="admin", name="Olu Other")
    record_audit(actor=admin, action="reward.update", target=category)
    record_audit(actor=other_admin, action="draw.perform", target=category)
    client = client_as(admin)
    by_action = rows(client.get(reverse("portal:audit-log"), {"action": "draw"}))
    assert len(by_action) == 1 and "draw.perform" in by_action[0]
    by_actor = rows(client.get(reverse("portal:audit-log"), {"actor": other_admin.pk}))
    assert len(by_actor) == 1 and "Olu Other" in by_actor[0]
    nothing = rows(client.get(reverse("portal:audit-log"), {"target": "no such thing"}))
    assert nothing == ["Nothing matches these filters."]


def test_a_filter_change_answers_htmx_with_the_table_only(client_as, admin, category):
    record_audit(actor=admin, action="reward.update", target=category)
    response = client_as(admin).get(reverse("portal:audit-log"), {"action": "reward"}, **HX)
    body = response.content.decode()
    assert 'id="audit-table"' in body and "<html" not in body


def test_bad_filter_values_are_ignored_with_a_message_not_an_error(client_as, admin, category):
    record_audit(actor=admin, action="reward.update", target=category)
    response = client_as(admin).get(
        reverse("portal:audit-log"), {"since": "not-a-date", "actor": "99999"}
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_the_log_cannot_be_changed_through_the_page(client_as, admin, category):
    record_audit(actor=admin, action="reward.update", target=category)
    assert client_as(admin).post(reverse("portal:audit-log")).status_code == 405
    assert AuditLog.objects.count() == 1


@pytest.mark.parametrize("count", [3, 60])
def test_the_page_query_count_does_not_grow(
    client_as, admin, category, count, django_assert_num_queries
):
    for i in range(count):
        record_audit(actor=admin, action=f"reward.update{i}", target=category)
    client = client_as(admin)
    # session, user, the staff for the "who" filter, one page of rows (lazy paginator, no
    # COUNT), pending redemptions in the navigation
    with django_assert_num_queries(5):
        client.get(reverse("portal:audit-log"))


def test_a_reversed_date_range_says_so_beside_the_log(client_as, admin):
    response = client_as(admin).get(
        reverse("portal:audit-log"), {"since": "2030-01-02", "until": "2020-01-01"}, **HX
    )
    assert "“From” is after “To”" in text(find(response.content, id="date-range-error"))
