from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.forms.models import model_to_dict

from portal.models import AuditLog, User

M = TypeVar("M", bound=models.Model)


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


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields as JSON-friendly values (dates as ISO strings, relations as ids)."""
    data = model_to_dict(instance, fields=list(fields))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def save_audited(*, actor: User, instance: M, fields: Iterable[str], name: str) -> M:
    """Insert or update `instance` (already validated by its form) and audit the change with
    before and after values. Call inside the service's transaction; locks the current row."""
    fields = list(fields)
    before: dict[str, Any] = {}
    if instance.pk:
        before = snapshot(type(instance).objects.select_for_update().get(pk=instance.pk), fields)
    instance.save()
    action = f"{name}.update" if before else f"{name}.create"
    record_audit(
        actor=actor, action=action, target=instance, before=before, after=snapshot(instance, fields)
    )
    return instance


def set_active_audited(*, actor: User, model: type[M], pk: int, active: bool, name: str) -> M:
    """Switch `is_active` on one row (locked) and audit it; a no-op when it already is."""
    instance = model.objects.select_for_update().get(pk=pk)
    if instance.is_active != active:  # type: ignore[attr-defined]
        instance.is_active = active  # type: ignore[attr-defined]
        instance.save(update_fields=["is_active"])
        record_audit(
            actor=actor,
            action=f"{name}.activate" if active else f"{name}.deactivate",
            target=instance,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return instance
