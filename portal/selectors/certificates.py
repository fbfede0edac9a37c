"""What the admin's certificates page lists: recent certificates (or those matching a search),
the events a bulk issue can be for, and the recent bulk issues with their progress."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.models import Certificate, CertificateBatch, Event

LISTED = 25
BATCH_EVENTS_DAYS = 180


def recent_certificates(query: str = "") -> list[Certificate]:
    """The newest certificates, or those whose code starts with `query` or whose holder's name
    or enrollment number contains it."""
    certificates = Certificate.objects.select_related("holder__user", "issued_by")
    query = query.strip()
    if query:
        certificates = certificates.filter(
            Q(code__startswith=query)
            | Q(holder__user__name__icontains=query)
            | Q(holder__enrollment_number__iexact=query)
        )
    return list(certificates[:LISTED])


def events_for_batches() -> list[Event]:
    """Events of the last six months and of today (check-in may have opened already); a
    batch issues for whoever is checked in when it runs."""
    now = timezone.now()
    return list(
        Event.objects.filter(
            starts_at__lte=now + timedelta(days=1),
            starts_at__gte=now - timedelta(days=BATCH_EVENTS_DAYS),
        )
        .exclude(status__in=[Event.Status.DRAFT, Event.Status.CANCELLED])
        .order_by("-starts_at")[:200]
    )


def recent_batches() -> QuerySet[CertificateBatch]:
    return CertificateBatch.objects.select_related("event")[:5]
