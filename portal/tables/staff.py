from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.models import Category


class CategoryTable(tables.Table):
    name = tables.TemplateColumn(
        template_code='<span class="font-medium text-slate-900">{{ record.name }}</span>'
        '<span class="block text-xs text-slate-500">{{ record.description }}</span>',
        verbose_name=_("Category"),
    )
    points = tables.TemplateColumn(
        template_code="{{ record.min_points }}–{{ record.max_points }} "
        '<span class="text-slate-500">(default {{ record.default_points }})</span>',
        verbose_name=_("Points per award"),
        orderable=False,
    )
    yearly_cap = tables.Column(verbose_name=_("Yearly cap"), default="—")
    is_active = tables.TemplateColumn(
        template_code="{% if record.is_active %}"
        '<span class="badge bg-emerald-50 text-emerald-700">Active</span>'
        '{% else %}<span class="badge bg-slate-100 text-slate-600">Inactive</span>{% endif %}',
        verbose_name=_("Status"),
    )
    actions = tables.TemplateColumn(
        template_name="portal/staff/categories.html#actions-cell",
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta:
        model = Category
        fields = ["name", "points", "yearly_cap", "is_active", "actions"]
        order_by = ("name",)
        empty_text = _("No categories yet.")
