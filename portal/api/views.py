"""The API's endpoints. Each is a thin view like the pages': the token's scope at the door
(`scoped`), object access through `portal.permissions`, then one selector or one service, the
write wrapped in `perform_api_write` (idempotency key, audit row naming the token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from portal.exceptions import BulkError, RowError
from portal.forms.ledger import LeaderboardForm
from portal.models import ApiScope, ApiToken, Category, Draw, Transaction
from portal.permissions import (
    access_event_for_organiser,
    access_performed_draw,
    access_redemption_for_api,
    access_reward,
    access_student_for_api,
    access_student_for_checkin,
    access_transaction_for_reversal,
    api_redemptions,
    api_students,
    can_award,
    can_manage_catalogue,
    can_redeem,
    is_student,
    token_reaches,
)
from portal.selectors import ledger as ledger_selectors
from portal.selectors.accounts import own_profile_with_department
from portal.selectors.draws import list_picks
from portal.selectors.events import list_events
from portal.selectors.rewards import list_catalogue
from portal.services import draws as draw_services
from portal.services import events as event_services
from portal.services import ledger as ledger_services
from portal.services import rewards as reward_services
from portal.services.api_tokens import perform_api_write, request_digest, service_key

from . import serializers as s
from .errors import error_body
from .pagination import ApiCursorPagination, paginated
from .permissions import TokenScope

_SCOPES: dict[str, type[TokenScope]] = {}


def scoped(scope: ApiScope) -> list[type[TokenScope]]:
    """The permission classes of a view that needs `scope`."""
    if scope not in _SCOPES:
        _SCOPES[scope] = type(f"{scope.value.title()}Scope", (TokenScope,), {"scope": scope})
    return [_SCOPES[scope]]


# No ":": the key is joined to others with ":" for the services (`service_key`), so a key
# holding one could meet another write's key.
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="1-64 characters of A-Z a-z 0-9 _ . : -, new for each write. The same key "
    "again returns the first answer; with another body it is refused (409 key_conflict).",
)
ERRORS = {
    400: OpenApiTypes.OBJECT,
    401: OpenApiTypes.OBJECT,
    403: OpenApiTypes.OBJECT,
    404: OpenApiTypes.OBJECT,
    409: OpenApiTypes.OBJECT,
    429: OpenApiTypes.OBJECT,
}


def _door(allowed: bool) -> None:
    """The role at the door, as `role_required` on the page's view: 403 for the wrong role."""
    if not allowed:
        raise PermissionDenied(_("The token's owner may not do this."))


def _token(request: Request) -> ApiToken:
    assert isinstance(request.auth, ApiToken)  # TokenScope let the request in  # noqa: S101
    return request.auth


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _write(
    request: Request,
    action: str,
    write: Callable[[ApiToken, str], tuple[Model, dict[str, Any]]],
    *,
    status_code: int = status.HTTP_201_CREATED,
) -> Response:
    """Run a write under the request's Idempotency-Key; a replay answers like the first."""
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        return Response(
            error_body(
                "idempotency_key_required",
                _("Send an Idempotency-Key header (1-64 letters, digits or _ . : -)."),
                "Idempotency-Key",
            ),
            status=status.HTTP_400_BAD_REQUEST,
        )
    token = _token(request)
    result = perform_api_write(
        token=token,
        action=action,
        key=key,
        digest=request_digest(request.data, request.path),
        write=lambda: write(token, service_key(token, key)),
        status=status_code,
    )
    response = Response(result.body, status=result.status)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _page(request: Request, queryset: Any, serializer: type[serializers.Serializer], ordering: str):
    paginator = ApiCursorPagination(ordering)
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer(page, many=True).data)


# --- reads ------------------------------------------------------------------------------------


@extend_schema(responses={200: s.MeSerializer, **ERRORS}, tags=["account"])
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def me(request: Request) -> Response:
    """Who the token acts as, what it may do, and the owner's own standing when a student."""
    user, token = request.user, _token(request)
    student = None
    if is_student(user) and (profile := own_profile_with_department(user)) is not None:
        profile.standing = ledger_selectors.get_standing(profile)
        student = profile
    data = {
        "id": user.pk,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "token": token,
        "student": student,
    }
    return Response(s.MeSerializer(data).data)


@extend_schema(
    operation_id="students_list",
    responses={200: paginated(s.StudentSerializer), **ERRORS},
    parameters=[
        OpenApiParameter("cursor", OpenApiTypes.STR),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    tags=["students"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def student_list(request: Request) -> Response:
    """Students the token sees (staff: all in their reach; a student: themself), by id."""
    students = api_students(request.user, _token(request)).select_related("user", "department")
    return _page(request, students, s.StudentSerializer, "id")


@extend_schema(responses={200: s.StudentDetailSerializer, **ERRORS}, tags=["students"])
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def student_detail(request: Request, pk: int) -> Response:
    """One student with balance, lifetime points and rank (overall and in the department)."""
    profile = access_student_for_api(request.user, _token(request), pk)
    profile.standing = ledger_selectors.get_standing(profile)
    return Response(s.StudentDetailSerializer(profile).data)


@extend_schema(
    responses={200: paginated(s.HistoryEntrySerializer), **ERRORS},
    parameters=[
        OpenApiParameter("cursor", OpenApiTypes.STR),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    tags=["students"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def student_history(request: Request, pk: int) -> Response:
    """A student's ledger entries, newest first."""
    profile = access_student_for_api(request.user, _token(request), pk)
    entries = (
        ledger_selectors.list_history(request.user)
        .filter(student=profile)
        .select_related(None)
        .select_related("category")
    )
    return _page(request, entries, s.HistoryEntrySerializer, "-id")


@extend_schema(
    responses={200: s.LeaderboardSerializer, **ERRORS},
    parameters=[
        OpenApiParameter("period", OpenApiTypes.STR, enum=["all", "year", "month", "week"]),
        OpenApiParameter("department", OpenApiTypes.INT, description="a department id"),
        OpenApiParameter("top", OpenApiTypes.INT, enum=[10, 20, 50]),
    ],
    tags=["leaderboard"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def leaderboard(request: Request) -> Response:
    """The leaderboard page's board: privacy opt-outs are "Anonymous student" (the owner sees
    their own name). A token with a department limit gets that department's board."""
    token = _token(request)
    params = request.query_params.copy()
    if token.department_id is not None:
        params["department"] = str(token.department_id)
    options = LeaderboardForm(params).cleaned_or_default()
    board = ledger_selectors.get_leaderboard(
        viewer=request.user,
        period=options["period"],
        department=options["department"],
        top=options["top"],
    )
    return Response(s.LeaderboardSerializer(board).data)


@extend_schema(responses={200: s.CategorySerializer(many=True), **ERRORS}, tags=["points"])
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def category_list(request: Request) -> Response:
    """Point categories with their bounds and yearly caps (the award form's list)."""
    return Response(s.CategorySerializer(Category.objects.order_by("name"), many=True).data)


@extend_schema(responses={200: s.RewardSerializer(many=True), **ERRORS}, tags=["rewards"])
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def reward_list(request: Request) -> Response:
    """The catalogue as students see it."""
    return Response(s.RewardSerializer(list_catalogue(profile=None), many=True).data)


@extend_schema(
    operation_id="redemptions_list",
    responses={200: paginated(s.RedemptionSerializer), **ERRORS},
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR),
        OpenApiParameter("cursor", OpenApiTypes.STR),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    tags=["rewards"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def redemption_list(request: Request) -> Response:
    """Redemptions: the whole queue for admins, a student's own; newest first."""
    redemptions = api_redemptions(request.user, _token(request)).select_related("reward")
    if wanted := request.query_params.get("status"):
        redemptions = redemptions.filter(status=wanted[:16])
    return _page(request, redemptions, s.RedemptionSerializer, "-id")


@extend_schema(
    operation_id="events_list",
    responses={200: paginated(s.EventSerializer), **ERRORS},
    parameters=[
        OpenApiParameter("when", OpenApiTypes.STR, enum=["upcoming", "past"]),
        OpenApiParameter("cursor", OpenApiTypes.STR),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    tags=["events"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def event_list(request: Request) -> Response:
    """Events the owner may see, with their check-in counts, newest id first."""
    when = "past" if request.query_params.get("when") == "past" else "upcoming"
    events = list_events(request.user, when=when).order_by()
    return _page(request, events, s.EventSerializer, "-id")


@extend_schema(
    operation_id="draws_list",
    responses={200: paginated(s.DrawSerializer), **ERRORS},
    parameters=[
        OpenApiParameter("cursor", OpenApiTypes.STR),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    tags=["draws"],
)
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def draw_list(request: Request) -> Response:
    """Performed draws (their verification data is public, as on the verification page)."""
    draws = Draw.objects.filter(status=Draw.Status.DRAWN)
    return _page(request, draws, s.DrawSerializer, "-id")


@extend_schema(responses={200: s.VerificationSerializer, **ERRORS}, tags=["draws"])
@api_view(["GET"])
@permission_classes(scoped(ApiScope.READ))
def draw_verification(request: Request, pk: int) -> Response:
    """Everything to recompute a performed draw: the commitment, the revealed seed, the
    frozen entrant ids and their digest, and the picks recomputed and recorded."""
    draw = access_performed_draw(pk)
    verification = draw_services.verify_draw(draw)
    picks = [
        {
            "position": row.pick.position,
            "entry_id": row.pick.entry_id,
            "name": row.name,
            "winner": not row.pick.is_alternate,
        }
        for row in list_picks(draw, request.user)
    ]
    data = {
        "draw": draw,
        "commitment": draw.commitment,
        "seed": draw.revealed_seed,
        "entrants_digest": draw.entrants_digest,
        "entry_ids": verification.entry_ids,
        "recomputed": verification.recomputed,
        "recorded": verification.recorded,
        "picks": picks,
        "ok": verification.ok,
        "problems": [str(p) for p in verification.problems],
    }
    return Response(s.VerificationSerializer(data).data)


# --- writes -----------------------------------------------------------------------------------


def _entry_body(entry: Transaction) -> dict[str, Any]:
    return dict(s.EntrySerializer(entry).data)


@extend_schema(
    request=s.AwardInput,
    responses={201: s.EntrySerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["points"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.AWARD))
def award(request: Request) -> Response:
    """Award points to a student in a category (its bounds and yearly cap apply)."""
    _door(can_award(request.user))
    data = _valid(s.AwardInput, request.data)
    profile = access_student_for_api(request.user, _token(request), data["student_id"])

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        entry = ledger_services.award_points(
            actor=request.user,
            student_id=profile.pk,
            category_id=data["category_id"],
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=key,
        )
        return entry, _entry_body(entry)

    return _write(request, "award", write)


@extend_schema(
    request=s.DeductInput,
    responses={201: s.EntrySerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["points"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.AWARD))
def deduct(request: Request) -> Response:
    """Deduct points (a penalty; never below a zero balance)."""
    _door(can_award(request.user))
    data = _valid(s.DeductInput, request.data)
    profile = access_student_for_api(request.user, _token(request), data["student_id"])

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        entry = ledger_services.deduct_points(
            actor=request.user,
            student_id=profile.pk,
            category_id=data.get("category_id"),
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=key,
        )
        return entry, _entry_body(entry)

    return _write(request, "deduct", write)


@extend_schema(
    request=s.BulkAwardInput,
    responses={201: s.BulkResultSerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["points"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.AWARD))
def bulk_award(request: Request) -> Response:
    """Award one category to many students, all or nothing; a refusal lists every bad line
    in `rows` (line numbers count from 1 in `students`)."""
    _door(can_award(request.user))
    data = _valid(s.BulkAwardInput, request.data)
    token = _token(request)
    lines = [
        ledger_services.BulkLine(n, line["enrollment_number"].strip().upper(), line.get("amount"))
        for n, line in enumerate(data["students"], start=1)
    ]
    # Students outside the token's reach are refused as the service refuses unknown ones.
    numbers = {line.enrollment_number for line in lines}
    reachable = set(
        api_students(request.user, token)
        .filter(enrollment_number__in=numbers)
        .values_list("enrollment_number", flat=True)
    )
    reachable = {number.upper() for number in reachable}
    outside = [
        RowError(
            line.line, line.enrollment_number, _("No active student has this enrollment number.")
        )
        for line in lines
        if line.enrollment_number not in reachable
    ]
    if outside:
        raise BulkError(outside)

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        entries = ledger_services.bulk_award(
            actor=request.user,
            category_id=data["category_id"],
            amount=data["amount"],
            reason=data["reason"],
            lines=lines,
            idempotency_key=key,
        )
        body = {
            "count": len(entries),
            "total": sum(e.amount for e in entries),
            "entries": [_entry_body(e) for e in entries],
        }
        return token, body

    return _write(request, "bulk_award", write)


@extend_schema(
    request=s.ReverseInput,
    responses={201: s.EntrySerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["points"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.MANAGE))
def reverse(request: Request, pk: int) -> Response:
    """Reverse an award or deduction (faculty: their own, within the window; admins: any)."""
    _door(can_award(request.user))
    entry = access_transaction_for_reversal(request.user, pk)
    if not token_reaches(_token(request), entry.student):
        return Response(error_body("not_found", _("Not found.")), status=404)
    data = _valid(s.ReverseInput, request.data)

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        reversal = ledger_services.reverse_transaction(
            actor=request.user, transaction_id=entry.pk, reason=data["reason"], idempotency_key=key
        )
        return reversal, _entry_body(reversal)

    return _write(request, "reverse", write)


@extend_schema(
    request=None,
    responses={201: s.RedemptionSerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["rewards"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.REDEEM))
def redeem(request: Request, pk: int) -> Response:
    """Redeem a reward as the token's owner (a student): pending until an admin decides."""
    _door(can_redeem(request.user))
    reward = access_reward(request.user, pk)

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        redemption = reward_services.redeem_reward(
            actor=request.user, reward_id=reward.pk, idempotency_key=key
        )
        return redemption, dict(s.RedemptionSerializer(redemption).data)

    return _write(request, "redeem", write)


@extend_schema(
    request=None,
    responses={200: s.RedemptionSerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["rewards"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.REDEEM))
def cancel(request: Request, pk: int) -> Response:
    """Withdraw one's own pending redemption (a student): the points and the stock come back,
    as the Cancel button on My redemptions does. 404 for anyone else's; 409 once decided."""
    _door(can_redeem(request.user))
    redemption = access_redemption_for_api(request.user, _token(request), pk)

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        cancelled = reward_services.cancel_redemption(
            actor=request.user, redemption_id=redemption.pk
        )
        return cancelled, dict(s.RedemptionSerializer(cancelled).data)

    return _write(request, "cancel_redemption", write, status_code=status.HTTP_200_OK)


@extend_schema(
    request=s.DecideInput,
    responses={200: s.RedemptionSerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["rewards"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.MANAGE))
def decide(request: Request, pk: int) -> Response:
    """Approve, reject (with a note) or fulfil a redemption: admins."""
    _door(can_manage_catalogue(request.user))
    redemption = access_redemption_for_api(request.user, _token(request), pk)
    data = _valid(s.DecideInput, request.data)

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        decided = reward_services.decide_redemption(
            actor=request.user,
            redemption_id=redemption.pk,
            decision=data["decision"],
            note=data["note"],
        )
        return decided, dict(s.RedemptionSerializer(decided).data)

    return _write(request, "decide", write, status_code=status.HTTP_200_OK)


@extend_schema(
    request=s.CheckInInput,
    responses={201: s.CheckInSerializer, **ERRORS},
    parameters=[IDEMPOTENCY_HEADER],
    tags=["events"],
)
@api_view(["POST"])
@permission_classes(scoped(ApiScope.CHECKIN))
def check_in(request: Request, pk: int) -> Response:
    """Check a student in as the event's organiser (or an admin), crediting its points."""
    event = access_event_for_organiser(request.user, pk)
    data = _valid(s.CheckInInput, request.data)
    profile = access_student_for_checkin(_token(request), data["student_id"])

    def write(token: ApiToken, key: str) -> tuple[Model, dict[str, Any]]:
        checkin = event_services.check_in(
            actor=request.user, event_id=event.pk, student_id=profile.pk
        )
        return checkin, dict(s.CheckInSerializer(checkin).data)

    return _write(request, "check_in", write)
