from __future__ import annotations

from typing import Any

from django.db import models

from portal.models import AuditLog, User


def record_audit(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Write one audit row. Call it inside the service's transaction so the row exists exactly
    when the change does."""
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        before=before or {},
        after=after or {},
    )
