"""One error shape for every API answer that is not a success:
`{"code": "...", "message": "...", "field": "..." | null}`, never an HTML page or a traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from portal.exceptions import BulkError, PortalError

logger = logging.getLogger(__name__)

# PortalError codes whose HTTP status is not 400 (bad input).
STATUS_OF_CODE = {
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_a_student": status.HTTP_403_FORBIDDEN,
    "alumnus": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "key_conflict": status.HTTP_409_CONFLICT,
    "already_decided": status.HTTP_409_CONFLICT,
    "already_reversed": status.HTTP_409_CONFLICT,
    "already_checked_in": status.HTTP_409_CONFLICT,
    "out_of_stock": status.HTTP_409_CONFLICT,
    "prize": status.HTTP_409_CONFLICT,  # a prize won cannot be cancelled
    "limit_reached": status.HTTP_409_CONFLICT,
    "insufficient_balance": status.HTTP_409_CONFLICT,
    "cap_reached": status.HTTP_409_CONFLICT,
    "full": status.HTTP_409_CONFLICT,
    "rate_limited": status.HTTP_429_TOO_MANY_REQUESTS,
}


# The services name the form fields ("points"); the API names its JSON keys.
API_FIELD = {"points": "amount", "student": "student_id", "category": "category_id"}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": str(message), "field": field, **extra}


def _first_validation_error(detail: Any, field: str | None = None) -> tuple[str | None, Any]:
    """The first (field, ErrorDetail) in DRF's nested validation errors."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            inner = None if name == "non_field_errors" else name
            path = inner if field is None else (f"{field}.{inner}" if inner else field)
            return _first_validation_error(value, path)
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], field)
    return field, detail


def portal_error_response(exc: PortalError) -> Response:
    extra: dict[str, Any] = {}
    if isinstance(exc, BulkError):
        extra["rows"] = [
            {"line": row.line, "value": row.value, "reason": str(row.reason)} for row in exc.rows
        ]
    return Response(
        error_body(exc.code, exc.message, API_FIELD.get(exc.field, exc.field), **extra),
        status=STATUS_OF_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST),
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler, answering everything in the one shape (500s included)."""
    if isinstance(exc, PortalError):
        return portal_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        field, detail = _first_validation_error(exc.detail)
        code = getattr(detail, "code", "invalid") or "invalid"
        return Response(error_body(code, str(detail), field), status=exc.status_code)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        return Response(error_body(code, str(exc.detail)), status=exc.status_code, headers=headers)
    logger.exception("API error", exc_info=exc)
    return Response(
        error_body("server_error", _("Something went wrong on our side.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/v1/ that is not an endpoint."""
    return JsonResponse(error_body("not_found", _("No such API endpoint.")), status=404)
