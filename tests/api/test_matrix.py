"""The API's URL x role x scope matrix: every endpoint, for a token of each role holding every
scope (the owner's own rules decide), then the same request without the endpoint's scope
(403), without a token (401), and through a token limited to another department (404 for
anything about a student outside it). Adding an endpoint without a row fails
`test_every_api_endpoint_is_in_the_matrix`."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from portal.api import urls as api_urls
from portal.models import ApiScope, Redemption
from portal.services import draws as draw_services
from tests.factories import DepartmentFactory, DrawFactory, EventFactory, RewardFactory
from tests.helpers import let_entries_close, redeem

from .conftest import ALL_SCOPES, Api

pytestmark = pytest.mark.django_db

STUDENT, OTHER_STUDENT, FACULTY, ADMIN = "student", "other_student", "faculty", "admin"
ROLES = (STUDENT, OTHER_STUDENT, FACULTY, ADMIN)
READ, AWARD, MANAGE = ApiScope.READ, ApiScope.AWARD, ApiScope.MANAGE
REDEEM, CHECKIN = ApiScope.REDEEM, ApiScope.CHECKIN


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def staff(status: int) -> dict[str, int]:
    return {STUDENT: 403, OTHER_STUDENT: 403, FACULTY: status, ADMIN: status}


# (url name, kwargs naming `objects`, method, body naming `objects`, scope, {role: status},
#  about_student: whether a token limited to another department gets 404)
TABLE: list[tuple[str, dict[str, str], str, dict[str, Any], ApiScope, dict[str, int], bool]] = [
    ("me", {}, "GET", {}, READ, everyone(200), False),
    ("students", {}, "GET", {}, READ, everyone(200), False),
    (
        "student",
        {"pk": "student"},
        "GET",
        {},
        READ,
        {STUDENT: 200, OTHER_STUDENT: 404, FACULTY: 200, ADMIN: 200},
        True,
    ),
    (
        "student-history",
        {"pk": "student"},
        "GET",
        {},
        READ,
        {STUDENT: 200, OTHER_STUDENT: 404, FACULTY: 200, ADMIN: 200},
        True,
    ),
    ("leaderboard", {}, "GET", {}, READ, everyone(200), False),
    ("categories", {}, "GET", {}, READ, everyone(200), False),
    ("rewards", {}, "GET", {}, READ, everyone(200), False),
    ("redemptions", {}, "GET", {}, READ, everyone(200), False),
    ("events", {}, "GET", {}, READ, everyone(200), False),
    ("draws", {}, "GET", {}, READ, everyone(200), False),
    ("draw-verification", {"pk": "drawn"}, "GET", {}, READ, everyone(200), False),
    ("draw-verification", {"pk": "open_draw"}, "GET", {}, READ, everyone(404), False),
    (
        "award",
        {},
        "POST",
        {"student_id": "student", "category_id": "category", "amount": 10, "reason": "API"},
        AWARD,
        staff(201),
        True,
    ),
    (
        "deduct",
        {},
        "POST",
        {"student_id": "student", "amount": 5, "reason": "API"},
        AWARD,
        staff(201),
        True,
    ),
    (
        "bulk-award",
        {},
        "POST",
        {
            "category_id": "category",
            "amount": 10,
            "reason": "API",
            "students": [{"enrollment_number": "student_enrollment"}],
        },
        AWARD,
        staff(201),
        True,
    ),
    ("reverse", {"pk": "award"}, "POST", {"reason": "Mistake"}, MANAGE, staff(201), True),
    (
        "redeem",
        {"pk": "reward"},
        "POST",
        {},
        REDEEM,
        {STUDENT: 201, OTHER_STUDENT: 201, FACULTY: 403, ADMIN: 403},
        False,
    ),
    (
        "redemption-cancel",
        {"pk": "redemption"},
        "POST",
        {},
        REDEEM,
        {STUDENT: 200, OTHER_STUDENT: 404, FACULTY: 403, ADMIN: 403},
        True,
    ),
    (
        "decide",
        {"pk": "redemption"},
        "POST",
        {"decision": "approve"},
        MANAGE,
        {STUDENT: 403, OTHER_STUDENT: 403, FACULTY: 403, ADMIN: 200},
        True,
    ),
    (
        "check-in",
        {"pk": "event"},
        "POST",
        {"student_id": "student"},
        CHECKIN,
        {STUDENT: 404, OTHER_STUDENT: 404, FACULTY: 201, ADMIN: 201},
        True,
    ),
    # Wrong methods: 405 in the one error shape.
    ("me", {}, "POST", {}, READ, everyone(405), False),
    ("award", {}, "GET", {}, AWARD, everyone(405), False),
]


@pytest.fixture
def objects(student, other_student, faculty, admin, category, give) -> dict[str, Any]:
    give(student, 40, actor=admin, category=category)
    give(other_student, 40, actor=admin, category=category)
    award = give(student, 20, actor=faculty, category=category)
    reward = RewardFactory(cost=10)
    redemption = redeem(student, reward)
    event = EventFactory(organiser=faculty, category=category)
    drawn = DrawFactory(created_by=admin, alternates_count=0)
    draw_services.enter_draw(actor=student.user, draw_id=drawn.pk)
    let_entries_close(drawn)
    draw_services.perform_draw(actor=admin, draw_id=drawn.pk)
    return {
        "student": student.pk,
        "student_enrollment": student.enrollment_number,
        "category": category.pk,
        "award": award.pk,
        "reward": reward.pk,
        "redemption": redemption.pk,
        "event": event.pk,
        "drawn": drawn.pk,
        "open_draw": DrawFactory(created_by=admin).pk,
    }


def _url(name: str, kwargs: dict[str, str], objects: dict[str, Any]) -> str:
    return reverse(f"api:{name}", kwargs={k: objects[v] for k, v in kwargs.items()})


def _body(body: dict[str, Any], objects: dict[str, Any]) -> dict[str, Any]:
    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value in objects:
            return objects[value]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    return resolve(body)


def _send(api: Api, method: str, url: str, body: dict[str, Any]) -> Any:
    return api.get(url) if method == "GET" else api.post(url, body)


def _assert_error_shape(response: Any) -> None:
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) >= {"code", "message", "field"}, data
    assert isinstance(data["code"], str) and data["message"]


MATRIX = [
    pytest.param(name, kwargs, method, body, role, status, id=f"{method} {name} as {role}")
    for name, kwargs, method, body, _scope, statuses, _about in TABLE
    for role, status in statuses.items()
]


@pytest.mark.parametrize(("name", "kwargs", "method", "body", "role", "expected"), MATRIX)
def test_endpoint_answers_role_with_expected_status(
    request, api_as, objects, name, kwargs, method, body, role, expected
):
    api = api_as(request.getfixturevalue(role))
    response = _send(api, method, _url(name, kwargs, objects), _body(body, objects))
    assert response.status_code == expected, response.content
    if expected >= 400:
        _assert_error_shape(response)


ROWS = [
    pytest.param(name, kwargs, method, body, scope, id=f"{method} {name}")
    for name, kwargs, method, body, scope, statuses, _about in TABLE
    if statuses.get(ADMIN, 0) < 400 or statuses.get(FACULTY, 0) < 400
]


def _allowed_role(name: str, method: str) -> str:
    for row_name, _kw, row_method, _body, _scope, statuses, _about in TABLE:
        if (row_name, row_method) == (name, method):
            return next(role for role in (ADMIN, FACULTY, STUDENT) if statuses[role] < 400)
    raise AssertionError(name)


@pytest.mark.parametrize(("name", "kwargs", "method", "body", "scope"), ROWS)
def test_endpoint_refuses_a_token_without_its_scope(
    request, api_as, objects, name, kwargs, method, body, scope
):
    who = request.getfixturevalue(_allowed_role(name, method))
    api = api_as(who, [s for s in ALL_SCOPES if s != scope])
    response = _send(api, method, _url(name, kwargs, objects), _body(body, objects))
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


@pytest.mark.parametrize(("name", "kwargs", "method", "body", "scope"), ROWS)
def test_endpoint_refuses_a_request_without_a_token(
    api_as, objects, name, kwargs, method, body, scope
):
    response = _send(api_as(None), method, _url(name, kwargs, objects), _body(body, objects))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("name", "kwargs", "method", "body", "scope"), ROWS)
def test_endpoint_refuses_a_revoked_token(
    request, token_for, objects, name, kwargs, method, body, scope
):
    from portal.models import ApiToken

    who = request.getfixturevalue(_allowed_role(name, method))
    api = Api(token_for(who))
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = _send(api, method, _url(name, kwargs, objects), _body(body, objects))
    assert response.status_code == 401
    assert response.json()["code"] == "bad_token"


DEPARTMENT_ROWS = [
    pytest.param(name, kwargs, method, body, id=f"{method} {name}")
    for name, kwargs, method, body, _scope, statuses, about in TABLE
    if about
]


@pytest.mark.parametrize(("name", "kwargs", "method", "body"), DEPARTMENT_ROWS)
def test_a_token_limited_to_another_department_does_not_reach_the_student(
    request, api_as, objects, name, kwargs, method, body
):
    who = request.getfixturevalue(_allowed_role(name, method))
    api = api_as(who, department=DepartmentFactory(name="History", code="HI"))
    response = _send(api, method, _url(name, kwargs, objects), _body(body, objects))
    # Bulk awards list the unreachable student as an unknown line; the rest is 404.
    assert response.status_code == (400 if name == "bulk-award" else 404), response.content
    assert Redemption.objects.filter(status=Redemption.Status.APPROVED).count() == 0


@pytest.mark.parametrize(("name", "kwargs", "method", "body"), DEPARTMENT_ROWS)
def test_a_token_limited_to_the_students_department_reaches_them(
    request, api_as, objects, student, name, kwargs, method, body
):
    who = request.getfixturevalue(_allowed_role(name, method))
    api = api_as(who, department=student.department)
    response = _send(api, method, _url(name, kwargs, objects), _body(body, objects))
    assert response.status_code < 300, response.content


def test_every_api_endpoint_is_in_the_matrix():
    names = {p.name for p in api_urls.urlpatterns} - {"schema", "docs", "not-found"}
    assert names == {row[0] for row in TABLE}


def test_unknown_api_paths_answer_404_in_the_error_shape(api_as, admin):
    response = api_as(admin).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    _assert_error_shape(response)
