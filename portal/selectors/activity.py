"""A student's activity feed: one timeline, newest first, of everything that happened to them.

What appears, and why nothing appears twice:

- **Ledger entries** (award, deduction, attendance, refund, claim, task, prize, reversal): one
  item each, at the entry's time. A check-in always has its attendance entry (the same
  transaction writes both), and an approved claim or task always has its credit (linked one to
  one), so those are shown only as their ledger entry, never from their own tables.
- **Redemptions**: one item each, at the redemption's time, showing its *current* status
  ("Redeemed Coffee voucher — approved") and its cost. The redemption's debit entry is that same
  moment, so `kind = redemption` entries are left out of the ledger side. A refund (reject or
  cancel) is a second, later movement of points and stays its own ledger item ("Refunded …");
  the redemption item says "rejected" or "cancelled" then. A prize redemption (cost 0, no
  debit) is a redemption item too.
- **Claims not approved** (waiting, rejected, withdrawn): one item each at submission time. An
  approved claim is its credit entry instead, so approved claims are left out here.
- **Draw results**: one item per entry in a draw that has been performed, at the time it was
  drawn: won, alternate, or not picked. A points prize claimed later is its own prize entry,
  a reward prize its own redemption: both are later, separate events.

How a page is read, in a constant number of queries whatever the page size or the data size:

1. The four sources are reduced with `.values()` to the same three columns, `(at, src, item)`
   (`src` names the source table, `item` its primary key), and combined with UNION ALL, ordered
   by `(at, src, item)` descending, `LIMIT size + 1` (the extra row tells whether there is a
   next page). Each side filters on the student first, so it walks that student's index:
   `tx_student_recent_idx` (student, -created_at), `redemption_student_idx`, `claim_student_idx`,
   `draw_entry_student_idx`. Where the database allows it (PostgreSQL), each side is also
   ordered and limited on its own, so no side reads more than a page.
2. One query per source present on the page fetches its rows by primary key with everything
   the item shows (`select_related`). So a page costs at most five queries.

Pagination is by keyset, not offset: the cursor is the last item's `(at, src, item)`, and the
next page is every row strictly after it in that total order, so items sharing a timestamp are
neither skipped nor repeated, and page 100 costs what page 1 costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.models import (
    ActivityClaim,
    Draw,
    DrawEntry,
    DrawWinner,
    Redemption,
    StudentProfile,
    Transaction,
)

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# Source names: also the tie-breaker between items at the same instant, so they are fixed.
LEDGER = "ledger"
REDEMPTION = "redemption"
CLAIM = "claim"
DRAW = "draw"
SOURCES = (CLAIM, DRAW, LEDGER, REDEMPTION)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

Kind = Transaction.Kind


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: the last item shown. Written as `<µs since epoch>.<src>.<id>`."""

    at: datetime
    src: str
    item: int

    def __str__(self) -> str:
        return f"{(self.at - _EPOCH) // _MICROSECOND}.{self.src}.{self.item}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor written in `text`, or None if it is not one (then the feed starts over)."""
        parts = text.split(".")
        if len(parts) != 3 or parts[1] not in SOURCES:
            return None
        micros, src, item = parts
        if not (micros.isdigit() and item.isdigit()) or len(micros) > 18 or len(item) > 18:
            return None
        try:
            at = _EPOCH + int(micros) * _MICROSECOND
        except OverflowError:
            return None
        return cls(at=at, src=src, item=int(item))


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed, ready to render.

    `icon` picks the symbol (plus, minus, ticket, gift, refund, document, task, trophy, undo,
    dice) and `tone` its colour (good, bad, wait, muted, brand); `amount` is the points moved,
    None when nothing moved; `badge` is a short status word shown beside the title."""

    key: str
    at: datetime
    icon: str
    tone: str
    title: str
    detail: str
    url: str
    amount: int | None = None
    badge: str = ""


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    next_cursor: str  # empty on the last page
    after: Cursor | None = None  # where this page starts; None for the first page


# --- the union ---------------------------------------------------------------------------------


def _after(cursor: Cursor | None, src: str, at: str, pk: str = "pk") -> Q:
    """Rows of source `src` strictly after `cursor` in (at, src, item) descending order. Since
    `src` is constant on one side of the union, the three-column comparison becomes a range on
    that side's own timestamp (and its pk on a tie), which its (student, -time) index serves."""
    if cursor is None:
        return Q()
    if src < cursor.src:
        return Q(**{f"{at}__lte": cursor.at})
    if src > cursor.src:
        return Q(**{f"{at}__lt": cursor.at})
    return Q(**{f"{at}__lte": cursor.at}) & (
        Q(**{f"{at}__lt": cursor.at}) | Q(**{f"{pk}__lt": cursor.item})
    )


def _rows(queryset: QuerySet, src: str, at: str, cursor: Cursor | None, limit: int) -> QuerySet:
    rows = queryset.filter(_after(cursor, src, at)).values(at=F(at), src=Value(src), item=F("pk"))
    if connection.features.supports_slicing_ordering_in_compound:
        rows = rows.order_by(f"-{at}", "-pk")[:limit]
    else:
        rows = rows.order_by()
    return rows


def _page_keys(profile: StudentProfile, cursor: Cursor | None, limit: int) -> list[dict]:
    ledger = Transaction.objects.filter(student=profile).exclude(kind=Kind.REDEMPTION)
    redemptions = Redemption.objects.filter(student=profile)
    claims = ActivityClaim.objects.filter(student=profile).exclude(
        status=ActivityClaim.Status.APPROVED
    )
    draws = DrawEntry.objects.filter(student=profile, draw__status=Draw.Status.DRAWN)
    sides = [
        _rows(ledger, LEDGER, "created_at", cursor, limit),
        _rows(redemptions, REDEMPTION, "created_at", cursor, limit),
        _rows(claims, CLAIM, "created_at", cursor, limit),
        _rows(draws, DRAW, "draw__performed_at", cursor, limit),
    ]
    union = sides[0].union(*sides[1:], all=True).order_by("-at", "-src", "-item")
    return list(union[:limit])


# --- one bulk fetch per source -----------------------------------------------------------------


def _fetch(src: str, ids: list[int]) -> dict[int, Any]:
    if src == LEDGER:
        rows = Transaction.objects.select_related(
            "category",
            "actor",
            "redemption__reward",
            "checkin__event",
            "claim__category",
            "task_assignment__task",
            "draw_winner__draw",
            "reverses__category",
            "reversed_by",
        )
    elif src == REDEMPTION:
        rows = Redemption.objects.select_related("reward", "prize__draw")
    elif src == CLAIM:
        rows = ActivityClaim.objects.select_related("category")
    else:
        rows = DrawEntry.objects.select_related("draw", "pick")
    return rows.in_bulk(ids)


def feed_page(
    profile: StudentProfile, *, before: str | Cursor | None = None, limit: int = PAGE_SIZE
) -> FeedPage:
    """One page of `profile`'s activity feed, newest first, and the cursor of the next page.

    `before` is the `next_cursor` of the previous page (a malformed one starts from the top).
    At most five queries: the union of the four sources' keys, then one fetch per source on
    the page (see the module docstring for what each source contributes)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    cursor = Cursor.parse(before) if isinstance(before, str) else before
    keys = _page_keys(profile, cursor, limit + 1)
    has_more = len(keys) > limit
    keys = keys[:limit]
    ids: dict[str, list[int]] = {}
    for key in keys:
        ids.setdefault(key["src"], []).append(key["item"])
    objects = {src: _fetch(src, pks) for src, pks in ids.items()}
    items = [
        _DESCRIBE[key["src"]](objects[key["src"]][key["item"]], key["at"])
        for key in keys
        if key["item"] in objects[key["src"]]
    ]
    next_cursor = ""
    if has_more:
        last = keys[-1]
        next_cursor = str(Cursor(at=last["at"], src=last["src"], item=last["item"]))
    return FeedPage(items=items, next_cursor=next_cursor, after=cursor)


# --- what each item says -----------------------------------------------------------------------


def _points(amount: int) -> str:
    sign = "+" if amount > 0 else "−"
    points = abs(amount)
    return ngettext("%(sign)s%(n)s point", "%(sign)s%(n)s points", points) % {
        "sign": sign,
        "n": number_format(points, force_grouping=True),
    }


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _describe_entry(entry: Transaction, at: datetime) -> FeedItem:
    key = f"{LEDGER}-{entry.pk}"
    history = reverse("portal:history")
    reversed_badge = _("reversed") if hasattr(entry, "reversed_by") else ""
    common = {"key": key, "at": at, "amount": entry.amount}
    if entry.kind == Kind.ATTENDANCE and entry.checkin_id:
        event = entry.checkin.event
        return FeedItem(
            **common,
            icon="ticket",
            tone="good",
            title=_("Checked in at %(event)s (+%(n)s)") % {"event": event, "n": entry.amount},
            detail=_join(event.location, entry.category.name if entry.category else ""),
            url=reverse("portal:event-detail", args=[event.pk]),
        )
    if entry.kind == Kind.REFUND and entry.redemption_id:
        redemption = entry.redemption
        cancelled = redemption.status == Redemption.Status.CANCELLED
        return FeedItem(
            **common,
            icon="refund",
            tone="good",
            title=_("Refunded %(reward)s (+%(n)s)")
            % {"reward": redemption.reward.name, "n": entry.amount},
            # The admin's note is on the redemption item; saying it twice adds nothing.
            detail=_("You cancelled the redemption.")
            if cancelled
            else _("The redemption was rejected."),
            url=reverse("portal:my-redemptions") + f"#redemption-{redemption.pk}",
        )
    if entry.kind == Kind.CLAIM and entry.claim_id:
        claim = entry.claim
        return FeedItem(
            **common,
            icon="document",
            tone="good",
            title=_("Claim for %(category)s approved (+%(n)s)")
            % {"category": claim.category.name, "n": entry.amount},
            detail=_join(claim.description[:140], claim.review_comment),
            url=reverse("portal:claims") + f"#claim-{claim.pk}",
        )
    if entry.kind == Kind.TASK and entry.task_assignment_id:
        task = entry.task_assignment.task
        return FeedItem(
            **common,
            icon="task",
            tone="good",
            title=_("Task “%(task)s” approved (+%(n)s)") % {"task": task.title, "n": entry.amount},
            detail=entry.task_assignment.review_comment,
            url=reverse("portal:task-detail", args=[task.pk]),
        )
    if entry.kind == Kind.PRIZE and entry.draw_winner_id:
        draw = entry.draw_winner.draw
        return FeedItem(
            **common,
            icon="trophy",
            tone="brand",
            title=_("Prize from “%(draw)s” (+%(n)s)") % {"draw": draw.title, "n": entry.amount},
            detail=draw.prize,
            url=reverse("portal:draw-detail", args=[draw.pk]),
        )
    if entry.kind == Kind.REVERSAL and entry.reverses_id:
        original = entry.reverses
        what = original.category.name if original.category else original.get_kind_display()
        return FeedItem(
            **common,
            icon="undo",
            tone="muted",
            title=_join(
                _points(entry.amount),
                _("%(kind)s of %(n)s reversed")
                % {"kind": original.get_kind_display(), "n": _points(original.amount)},
            ),
            detail=_join(what, entry.reason),
            url=history,
        )
    # Awards, deductions, and any entry whose link is missing: points, category, reason.
    positive = entry.amount > 0
    return FeedItem(
        **common,
        icon="plus" if positive else "minus",
        tone="good" if positive else "bad",
        title=_join(
            _points(entry.amount),
            entry.category.name if entry.category else entry.get_kind_display(),
        ),
        detail=_join(entry.reason, entry.actor.name if entry.actor else ""),
        url=history,
        badge=reversed_badge,
    )


REDEMPTION_STATUS = {
    Redemption.Status.PENDING: ("wait", gettext_lazy("waiting for approval")),
    Redemption.Status.APPROVED: ("brand", gettext_lazy("approved")),
    Redemption.Status.FULFILLED: ("good", gettext_lazy("handed over")),
    Redemption.Status.REJECTED: ("bad", gettext_lazy("rejected")),
    Redemption.Status.CANCELLED: ("muted", gettext_lazy("cancelled")),
}


def _describe_redemption(redemption: Redemption, at: datetime) -> FeedItem:
    tone, status = REDEMPTION_STATUS.get(redemption.status, ("muted", redemption.status))
    if redemption.is_prize:
        title = _("Prize %(reward)s from “%(draw)s” — %(status)s") % {
            "reward": redemption.reward.name,
            "draw": redemption.prize.draw.title,
            "status": status,
        }
    else:
        title = _("Redeemed %(reward)s — %(status)s") % {
            "reward": redemption.reward.name,
            "status": status,
        }
    return FeedItem(
        key=f"{REDEMPTION}-{redemption.pk}",
        at=at,
        icon="gift",
        tone=tone,
        title=title,
        detail=redemption.admin_note,
        url=reverse("portal:my-redemptions") + f"#redemption-{redemption.pk}",
        amount=-redemption.cost if redemption.cost else None,
    )


CLAIM_STATUS = {
    ActivityClaim.Status.PENDING: ("wait", gettext_lazy("waiting for review")),
    ActivityClaim.Status.REJECTED: ("bad", gettext_lazy("rejected")),
    ActivityClaim.Status.WITHDRAWN: ("muted", gettext_lazy("withdrawn")),
}


def _describe_claim(claim: ActivityClaim, at: datetime) -> FeedItem:
    tone, status = CLAIM_STATUS.get(claim.status, ("muted", claim.get_status_display()))
    asked = ngettext("%(n)s point asked", "%(n)s points asked", claim.points) % {"n": claim.points}
    return FeedItem(
        key=f"{CLAIM}-{claim.pk}",
        at=at,
        icon="document",
        tone=tone,
        title=_("Claim for %(category)s — %(status)s")
        % {"category": claim.category.name, "status": status},
        detail=_join(asked, claim.review_comment or claim.description[:140]),
        url=reverse("portal:claims") + f"#claim-{claim.pk}",
    )


def _describe_draw(entry: DrawEntry, at: datetime) -> FeedItem:
    draw = entry.draw
    pick: DrawWinner | None = getattr(entry, "pick", None)
    badge = ""
    if pick is not None and pick.status == DrawWinner.Status.FORFEITED:
        tone, icon = "muted", "trophy"
        result = _("you won, but the prize was not claimed in time")
    elif pick is not None and pick.status != DrawWinner.Status.WAITING:
        tone, icon = "brand", "trophy"
        result = _("you won!")
        if pick.status == DrawWinner.Status.OFFERED:
            badge = _("claim your prize")
    elif pick is not None:
        tone, icon = "wait", "dice"
        result = _("you are alternate #%(n)s") % {"n": pick.position - draw.winners_count}
    else:
        tone, icon = "muted", "dice"
        result = _("not picked this time")
    return FeedItem(
        key=f"{DRAW}-{entry.pk}",
        at=at,
        icon=icon,
        tone=tone,
        title=_("Draw “%(draw)s”: %(result)s") % {"draw": draw.title, "result": result},
        detail=draw.prize,
        url=reverse("portal:draw-detail", args=[draw.pk]),
        badge=badge,
    )


_DESCRIBE: dict[str, Callable[[Any, datetime], FeedItem]] = {
    LEDGER: _describe_entry,
    REDEMPTION: _describe_redemption,
    CLAIM: _describe_claim,
    DRAW: _describe_draw,
}
