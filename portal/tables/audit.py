from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.models import AuditLog

from .ledger import SYSTEM


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(format="j M Y, H:i", verbose_name=_("When"))
    actor = tables.Column(
        accessor="actor__name", verbose_name=_("Who"), default=SYSTEM, order_by="actor__name"
    )
    action = tables.TemplateColumn(
        template_code='<span class="font-mono text-xs">{{ record.action }}</span>',
        verbose_name=_("Action"),
    )
    target_repr = tables.TemplateColumn(
        template_code='{{ record.target_repr }}<span class="block text-xs text-slate-500">'
        "{{ record.target_type }} #{{ record.target_id }}</span>",
        verbose_name=_("About"),
        orderable=False,
    )
    change = tables.TemplateColumn(
        template_name="portal/staff/audit.html#change-cell",
        verbose_name=_("Change"),
        orderable=False,
    )

    class Meta:
        model = AuditLog
        fields = ["created_at", "actor", "action", "target_repr", "change"]
        order_by = ("-created_at",)
        empty_text = _("Nothing matches these filters.")
