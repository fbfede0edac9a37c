"""The admin redemption queue. `QueueTable.cell` writes each cell in one call (see
`portal.tables.fast`)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.domain.dates import day_and_time
from portal.models import Redemption
from portal.tables.fast import QuickTable

REQUESTED_FORMAT = "j M, H:i"
BY_STATUS = ("status", "get_status_display")
WIDE_ONLY = "hidden sm:table-cell"
WIDE_SCREENS_ONLY = {"th": {"class": WIDE_ONLY}, "td": {"class": WIDE_ONLY}}


class QueueTable(QuickTable):
    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {
                "aria-label": _("Select all on this page"),
                "data-select-all": "selected",
            },
            "td__input": {
                # Each box names its row, so a screen reader says what ticking it selects.
                "aria-label": lambda record: (
                    _("Select %(student)s: %(reward)s")
                    % {"student": record.student.user.name, "reward": record.reward.name}
                ),
                "form": "bulk-form",
                "class": "h-4 w-4 rounded border-slate-300 text-brand-600",
            },
        },
        orderable=False,
    )
    # On a phone the queue keeps who, what and the buttons (or the final state): when, how much
    # and the status column wait for a wider screen, so there is no sideways scrolling to act.
    created_at = tables.DateTimeColumn(
        verbose_name=_("Requested"), format=REQUESTED_FORMAT, attrs=WIDE_SCREENS_ONLY
    )
    student = tables.Column(
        verbose_name=_("Student"), accessor="student__user__name", order_by=("student__user__name",)
    )
    reward = tables.Column(verbose_name=_("Reward"), order_by=("reward__name",))
    cost = tables.Column(
        verbose_name=_("Cost"),
        attrs={"th": {"class": WIDE_ONLY}, "td": {"class": f"tabular-nums {WIDE_ONLY}"}},
    )
    status = tables.TemplateColumn(
        template_name="portal/components/redemption_status.html",
        verbose_name=_("Status"),
        attrs=WIDE_SCREENS_ONLY,  # on a phone the buttons say it, or the badge beside them
    )
    actions = tables.TemplateColumn(
        template_name="portal/rewards/queue.html#actions-cell",
        verbose_name=_("Actions"),
        orderable=False,
        attrs={"th": {"class": "text-end"}},
    )

    class Meta:
        model = Redemption
        fields = ["selected", "created_at", "student", "reward", "cost", "status", "actions"]
        order_by = ("created_at",)
        empty_text = _("Nothing waiting. New redemptions appear here.")
        row_attrs = {"id": lambda record: f"redemption-{record.pk}"}

    def cell_selected(self, record: Redemption) -> SafeString:
        return self.checkbox_cell("selected", record.pk, record)

    def cell_created_at(self, record: Redemption) -> str:
        return day_and_time(record.created_at, year=False)

    def cell_student(self, record: Redemption) -> str:
        return self.render_student(record)

    def cell_reward(self, record: Redemption) -> Any:
        return record.reward

    def cell_cost(self, record: Redemption) -> int:
        return record.cost

    # Both cells are the same on every row of a status but for the row's id (see
    # QuickTable.stamped_cell); the label is a method of the status alone.

    def cell_status(self, record: Redemption) -> SafeString:
        return self.stamped_cell("status", record, shared=BY_STATUS, row_id="pk")

    def cell_actions(self, record: Redemption) -> SafeString:
        return self.stamped_cell("actions", record, shared=BY_STATUS, row_id="pk")

    def render_student(self, record: Redemption) -> str:
        return format_html(
            '<span class="font-medium text-slate-900">{}</span>'
            '<span class="block text-xs text-slate-500">{}</span>',
            record.student.user.name,
            record.student.enrollment_number,
        )
