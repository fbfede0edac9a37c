"""Point categories: created, edited and deactivated by admins; every change audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from portal.exceptions import PortalError
from portal.models import Category, Role, User

from .audit import record_audit

EDITABLE_FIELDS = (
    "name",
    "description",
    "default_points",
    "min_points",
    "max_points",
    "yearly_cap",
    "is_active",
)


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PortalError("forbidden", "Only admins can manage categories.")


def _snapshot(category: Category) -> dict[str, Any]:
    return model_to_dict(category, fields=EDITABLE_FIELDS)


@transaction.atomic
def save_category(*, actor: User, category: Category) -> Category:
    """Insert or update a category built by the admin form (already validated). Changing a
    category never changes entries already in the ledger. Audited with before and after."""
    _require_admin(actor)
    before: dict[str, Any] = {}
    if category.pk:
        before = _snapshot(Category.objects.select_for_update().get(pk=category.pk))
    category.save()
    record_audit(
        actor=actor,
        action="category.update" if before else "category.create",
        target=category,
        before=before,
        after=_snapshot(category),
    )
    return category


@transaction.atomic
def set_category_active(*, actor: User, category_id: int, active: bool) -> Category:
    """Deactivate (no new awards; history kept) or reactivate a category. Audited."""
    _require_admin(actor)
    category = Category.objects.select_for_update().get(pk=category_id)
    if category.is_active != active:
        category.is_active = active
        category.save(update_fields=["is_active"])
        record_audit(
            actor=actor,
            action="category.activate" if active else "category.deactivate",
            target=category,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return category
