"""Point categories: created, edited and deactivated by admins; every change audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import Category, User
from portal.permissions import can_manage_categories, require

from .audit import save_audited, set_active_audited

EDITABLE_FIELDS = (
    "name",
    "description",
    "default_points",
    "min_points",
    "max_points",
    "yearly_cap",
    "is_active",
)


@transaction.atomic
def save_category(*, actor: User, category: Category) -> Category:
    """Insert or update a category built by the admin form (already validated). Changing a
    category never changes entries already in the ledger. Audited with before and after."""
    require(can_manage_categories(actor), PortalError, _("Only admins can manage categories."))
    return save_audited(actor=actor, instance=category, fields=EDITABLE_FIELDS, name="category")


@transaction.atomic
def set_category_active(*, actor: User, category_id: int, active: bool) -> Category:
    """Deactivate (no new awards; history kept) or reactivate a category. Audited."""
    require(can_manage_categories(actor), PortalError, _("Only admins can manage categories."))
    return set_active_audited(
        actor=actor, model=Category, pk=category_id, active=active, name="category"
    )
