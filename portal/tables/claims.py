"""The review queue: claims and task submissions in one table. Rows are the dicts of
`portal.selectors.claims.list_review_queue` (a union of two models), so every cell reads its
values from the row and rendering a page makes no query; `ReviewTable.cell` writes each cell in
one call (see `portal.tables.fast`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from portal.selectors.reviews import CLUB_MEMBER, MENTEE, Kind, QueueStatus
from portal.tables.fast import QuickTable

# The states whose rows carry the decision buttons (queue.html's actions cell): a claim's and a
# task's "waiting", as the queue's status filter names them.
WAITING = (QueueStatus.CLAIM[QueueStatus.WAITING], QueueStatus.TASK[QueueStatus.WAITING])


def item_key(record: dict[str, Any]) -> str:
    """A row's checkbox value, naming the model too ("claim:12", "task:7")."""
    return f"{record['kind']}:{record['item_id']}"


def row_label(record: dict[str, Any]) -> str:
    """What a row's checkbox selects, for screen readers ("Select Aisha Khan, claim: …")."""
    return _("Select %(student)s, %(kind)s: %(item)s") % {
        "student": record["student_name"],
        "kind": _("claim") if record["kind"] == Kind.CLAIM else _("task"),
        "item": record["title"],
    }


class ItemCheckBoxColumn(tables.CheckBoxColumn):
    def render(self, value: Any, bound_column: Any, record: dict[str, Any]) -> SafeString:
        return super().render(item_key(record), bound_column, record)


def cell(phone: str, td: str = "") -> dict[str, dict[str, str]]:
    """Column attributes. Below the `sm` breakpoint the header is hidden and each row wraps
    like a card (see Meta.row_attrs): `phone` sizes the cell there."""
    return {"th": {"class": "max-sm:hidden"}, "td": {"class": f"{phone} {td}".strip()}}


class ReviewTable(QuickTable):
    selected = ItemCheckBoxColumn(
        accessor="item_id",
        attrs={
            "th__input": {
                "aria-label": _("Select all on this page"),
                "data-select-all": "selected",
            },
            "td__input": {
                # Each box names its row, so a screen reader says what ticking it selects.
                "aria-label": lambda record: row_label(record),
                "form": "review-bulk-form",
                "class": "h-4 w-4 rounded border-slate-300 text-brand-600",
            },
            "th": {"class": "max-sm:hidden"},
        },
        orderable=False,
    )
    submitted = tables.Column(
        verbose_name=_("Sent"),
        order_by=("submitted", "item_id"),
        attrs=cell("max-sm:order-2 max-sm:text-xs max-sm:text-slate-500", "whitespace-nowrap"),
    )
    student_name = tables.Column(
        verbose_name=_("Student"),
        order_by=("student_name", "item_id"),
        attrs=cell("max-sm:flex-1 max-sm:order-1"),
    )
    title = tables.Column(
        verbose_name=_("Claim or task"), orderable=False, attrs=cell("max-sm:order-3 max-sm:w-full")
    )
    amount = tables.Column(
        verbose_name=_("Points"),
        order_by=("amount", "item_id"),
        attrs=cell("max-sm:order-2", "tabular-nums font-semibold text-slate-900"),
    )
    evidence = tables.TemplateColumn(
        template_name="portal/reviews/queue.html#evidence-cell",
        verbose_name=_("Evidence"),
        accessor="file_kind",
        orderable=False,
        attrs=cell("max-sm:order-4"),
    )
    actions = tables.TemplateColumn(
        template_name="portal/reviews/queue.html#actions-cell",
        verbose_name=_("Decision"),
        accessor="kind",
        orderable=False,
        attrs={**cell("max-sm:order-5"), "th": {"class": "max-sm:hidden text-end"}},
    )

    class Meta:
        order_by = ("submitted",)
        empty_text = _("Nothing waiting for review. New claims and task submissions appear here.")
        row_attrs = {
            "id": lambda record: f"review-{record['kind']}-{record['item_id']}",
            "class": "max-sm:flex max-sm:flex-wrap max-sm:items-start max-sm:py-2",
        }

    def __init__(self, *args: Any, ranked: bool = False, **kwargs: Any) -> None:
        # Set before the table orders its data (in Table.__init__).
        self.ranked = ranked
        super().__init__(*args, **kwargs)

    def order_submitted(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        """By age; for a reviewer with ranked rows (list_review_queue's `reviewer`), their own
        students' items stay first whichever way the ages run."""
        sign = "-" if is_descending else ""
        first = ("rank",) if self.ranked else ()
        return queryset.order_by(*first, f"{sign}submitted", f"{sign}item_id"), True

    def cell_selected(self, record: dict[str, Any]) -> SafeString:
        return self.checkbox_cell("selected", item_key(record), record)

    def cell_evidence(self, record: dict[str, Any]) -> SafeString:
        return self.stamped_cell("evidence", record, shared=("file_kind", "kind"), row_id="item_id")

    def cell_actions(self, record: dict[str, Any]) -> SafeString:
        if record["state"] in WAITING:
            # The buttons and the reject form: the same on every waiting row but for its id.
            return self.stamped_cell("actions", record, shared=("state", "kind"), row_id="item_id")
        return self.template_cell("actions", record)

    # The other columns read the key of their name; None and "" show the default.

    def cell_submitted(self, record: dict[str, Any]) -> Any:
        return self.or_default(record["submitted"], self.render_submitted)

    def cell_student_name(self, record: dict[str, Any]) -> Any:
        return self.or_default(record["student_name"], lambda _v: self.render_student_name(record))

    def cell_title(self, record: dict[str, Any]) -> Any:
        return self.or_default(record["title"], lambda _v: self.render_title(record))

    def cell_amount(self, record: dict[str, Any]) -> Any:
        return self.or_default(record["amount"])

    def render_submitted(self, value: Any) -> SafeString:
        local = timezone.localtime(value)
        # "3 days ago" rather than "3 days, 4 hours ago": the column is for scanning.
        if timezone.now() - value < timedelta(days=1):
            shown = naturaltime(value)
        else:
            shown = _("%(age)s ago") % {"age": timesince(value, depth=1)}
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            local.isoformat(),
            local.strftime("%d %b %Y, %H:%M"),
            shown,
        )

    def render_student_name(self, record: dict[str, Any]) -> SafeString:
        return format_html(
            '<span class="font-medium text-slate-900">{}</span>{}'
            '<span class="block text-xs text-slate-500">{}{}{}</span>',
            record["student_name"],
            self.render_mine(record.get("rank")),
            record["enrollment"],
            " · " if record["department"] else "",
            record["department"],
        )

    def render_mine(self, rank: int | None) -> SafeString:
        """The reviewer's own students carry a tag: their mentees and their clubs' members."""
        if rank == MENTEE:
            label, colours = _("Your mentee"), "bg-emerald-50 text-emerald-800 ring-emerald-200"
        elif rank == CLUB_MEMBER:
            label, colours = _("Your club"), "bg-sky-50 text-sky-800 ring-sky-200"
        else:
            return SafeString("")
        return format_html(' <span class="badge ring-1 {}">{}</span>', colours, label)

    def render_title(self, record: dict[str, Any]) -> SafeString:
        if record["kind"] == Kind.CLAIM:
            badge = format_html(
                '<span class="badge bg-violet-50 text-violet-700 ring-1 ring-violet-200">{}</span>',
                _("Claim"),
            )
            heading = record["category_name"]
            when = record["activity_on"]
            meta = format_html(
                " · {} {}", _("activity on"), when.strftime("%d %b %Y") if when else ""
            )
        else:
            badge = format_html(
                '<span class="badge bg-sky-50 text-sky-700 ring-1 ring-sky-200">{}</span>',
                _("Task"),
            )
            heading = record["title"]
            meta = format_html(" · {}", record["category_name"])
        return format_html(
            '<div class="min-w-48 max-w-md"><p class="flex flex-wrap items-center gap-x-2 gap-y-1">'
            '{}<span class="font-medium text-slate-900">{}</span>'
            '<span class="text-xs text-slate-500">{}</span></p>'
            '<p class="mt-1 line-clamp-3 whitespace-pre-line text-sm text-slate-600">{}</p></div>',
            badge,
            heading,
            meta,
            record["detail"],
        )
