"""Error pages that say what to do next."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database connection that dropped mid-request (a restart, a failover, a
    killed backend) is not the user's fault nor a bug: they get a "try again" page with 503,
    and Django closes the broken connection at the end of the request, so the next request
    opens a fresh one. Forms are safe to send again: their idempotency keys make a second
    submission return the first result."""
    exc = sys.exc_info()[1]
    if isinstance(exc, InterfaceError | OperationalError):
        body = loader.get_template("503.html").render()
        return HttpResponse(body, status=503, headers={"Retry-After": "5"})
    return HttpResponse(loader.get_template("500.html").render(), status=500)
