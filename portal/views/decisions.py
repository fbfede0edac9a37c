"""What the two decision queues share (the review queue and the redemption queue): the page's
filters after an htmx POST, the answer to a decision, and the summary of a bulk decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.forms import Form
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django_htmx.http import trigger_client_event

from portal.exceptions import PortalError
from portal.forms import first_error
from portal.htmx import HtmxHttpRequest


def page_query(request: HtmxHttpRequest) -> QueryDict:
    """The queue's filters as the page shows them: after an htmx POST, from the page's URL."""
    if request.method == "GET":
        return request.GET
    current = request.htmx.current_url if request.htmx else None
    return QueryDict(urlsplit(current).query if current else "")


def answer_decision(
    request: HtmxHttpRequest,
    *,
    message: str,
    error: str | None,
    queue: str,
    render_queue: Callable[..., HttpResponse],
    event: str,
) -> HttpResponse:
    """Without htmx: the messages and back to the queue (`queue`, a URL name). With htmx: the
    queue redrawn with its filters (`render_queue(query, notice=..., error=...)`) and, when
    something was decided, `event` for the navigation's count."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        if message:
            messages.success(request, message)
        return redirect(queue)
    response = render_queue(page_query(request), notice=message, error=error)
    return trigger_client_event(response, event) if message else response


def decide_in_bulk(
    form: Form,
    *,
    decide: Callable[[dict[str, Any]], tuple[int, list[tuple[str, str]]]],
    summary: Callable[[dict[str, Any], int], str],
    answer: Callable[[str, str | None], HttpResponse],
) -> HttpResponse:
    """A bulk decision: check the form, run `decide(data)` (the service, returning how many
    were decided and what was skipped, as (label, reason)), and `answer(message, error)` with
    `summary(data, count)` and the list of what was skipped."""
    if not form.is_valid():
        return answer("", first_error(form))
    try:
        count, skipped = decide(form.cleaned_data)
    except PortalError as exc:
        return answer("", exc.message)
    return answer(summary(form.cleaned_data, count) if count else "", skipped_error(skipped))


def skipped_error(skipped: list[tuple[str, str]]) -> str | None:
    """What a bulk decision skipped (label, reason), as the bulk bar shows it; None if none."""
    if not skipped:
        return None
    reasons = "; ".join(f"{label}: {reason}" for label, reason in skipped)
    return ngettext("Skipped %(n)s: %(reasons)s", "Skipped %(n)s: %(reasons)s", len(skipped)) % {
        "n": len(skipped),
        "reasons": reasons,
    }
