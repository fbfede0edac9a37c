"""The floor the framework allows, measured beside the portal in the same run (issue 17).

Both views sit behind the portal's whole middleware stack (sessions, CSRF, auth, messages,
CSP, htmx, allauth, 2FA) in the same gunicorn, on the same database; bench/urls.py mounts
them for the benchmark only."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from portal.models import Role, StudentProfile, Transaction

STAFF_ROLES = (Role.FACULTY, Role.ADMIN)


@require_POST
def bare_award(request: HttpRequest) -> HttpResponse:
    """The ledger write of an award and nothing else, in raw ORM: lock the student's profile,
    insert the entry, update the balance; the same transaction as bench/pgbench_award.sql.

    No form, no category rules, no idempotency replay, no period totals, no badges, no
    notification, no rendering. The entry does not count for lifetime points (and the update
    leaves them alone), so the period totals stay equal to the ledger and `check_ledger`
    judges the portal's own writes without a rebuild."""
    user = request.user
    if not user.is_authenticated or user.role not in STAFF_ROLES:
        return HttpResponseForbidden()
    student_id = int(request.POST["student"])
    points = int(request.POST["points"])
    with transaction.atomic():
        StudentProfile.objects.select_for_update().only("id", "balance").get(pk=student_id)
        Transaction.objects.create(
            student_id=student_id,
            amount=points,
            kind=Transaction.Kind.AWARD,
            category_id=int(request.POST["category"]),
            actor=user,
            reason="Benchmark bare view",
            idempotency_key=f"bare:{uuid.uuid4().hex}",
            counts_for_lifetime=False,
        )
        StudentProfile.objects.filter(pk=student_id).update(balance=F("balance") + points)
    # The event the portal's writes answer with, so one success test serves every path.
    return HttpResponse(b"ok", content_type="text/plain", headers={"HX-Trigger": "points-changed"})


@require_GET
def reference_page(request: HttpRequest) -> HttpResponse:
    """The base template with nothing in it: navigation, header and messages for the signed-in
    role, the context processors, the whole middleware. Every page is reported as a ratio to
    this one, timed in the same run for the same role."""
    return render(request, "base.html")
