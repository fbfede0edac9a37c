"""Reads for the draws pages: lists with the viewer's standing in each draw, one draw's
result, and the frozen entrant list for verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import CheckIn, Draw, DrawEntry, DrawWinner, StudentProfile, User
from portal.permissions import is_student
from portal.prepared import Prepared
from portal.selectors.counts import count_per_row
from portal.selectors.ledger import name_visible

Status = Draw.Status


def _with_viewer(draws: QuerySet[Draw], profile: StudentProfile | None) -> QuerySet[Draw]:
    """Annotate `entered`, `checked_in` and the viewer's pick (`my_pick_id`, `my_pick_status`,
    `my_pick_deadline`)."""
    if profile is None:
        return draws
    my_pick = DrawWinner.objects.filter(draw=OuterRef("pk"), entry__student=profile)
    return draws.annotate(
        entered=Exists(DrawEntry.objects.filter(draw=OuterRef("pk"), student=profile)),
        checked_in=Exists(
            CheckIn.objects.standing().filter(event=OuterRef("event"), student=profile)
        ),
        my_pick_id=Subquery(my_pick.values("pk")[:1]),
        my_pick_status=Subquery(my_pick.values("status")[:1]),
        my_pick_deadline=Subquery(my_pick.values("claim_deadline")[:1]),
    )


def _with_viewer_id(draws: QuerySet[Draw], student_id: tuple[int, ...]) -> QuerySet[Draw]:
    """`_with_viewer` for the composed reads, whose builders take the viewer's profile id as
    an optional last argument (none for staff and visitors)."""
    return _with_viewer(draws, StudentProfile(pk=student_id[0]) if student_id else None)


def entries_count() -> Coalesce:
    """A draw's entrants as a correlated count per listed draw: Count("entries") grouped every
    entry of every draw before the LIMIT (15-29 ms at 50,000 students, growing with entries)."""
    return count_per_row(DrawEntry.objects.all(), link="draw")


def list_draws(viewer: User, *, drawn: bool, limit: int = 30) -> list[Draw]:
    """Open draws (soonest deadline first) or performed ones (latest first), with the entrant
    count and, for a student, their standing in each. One query, composed once per process
    (`_draws_read`): composing its correlated counts and the viewer's five subqueries took 4 ms
    of the draws page's CPU (issue 17)."""
    profile = getattr(viewer, "student_profile", None) if is_student(viewer) else None
    viewer_ids = (profile.pk,) if profile is not None else ()
    return _draws_read(drawn, limit, for_student=bool(viewer_ids)).all(*viewer_ids)


@cache
def _draws_read(drawn: bool, limit: int, *, for_student: bool) -> Prepared:
    def build(*student_id: int) -> QuerySet[Draw]:
        draws = Draw.objects.select_related("event", "reward").annotate(
            entries_count=entries_count()
        )
        if drawn:
            draws = draws.filter(status=Status.DRAWN).order_by("-performed_at", "-id")
        else:
            draws = draws.filter(status=Status.OPEN).order_by("entry_deadline", "id")
        return _with_viewer_id(draws, student_id)[:limit]

    return Prepared(build, takes=(int,) if for_student else ())


def open_draws_for_staff(*, limit: int = 5) -> list[Draw]:
    """The admin dashboard's open draws, soonest deadline first: their title, deadline and
    entrant count only (`list_draws` reads each with its event and reward for the draws page:
    three whole rows a draw, a third of its CPU there). Composed once per process."""
    return _open_draws_for_staff(limit).all()


@cache
def _open_draws_for_staff(limit: int) -> Prepared:
    return Prepared(
        lambda: (
            Draw.objects.filter(status=Status.OPEN)
            .only("title", "entry_deadline")
            .annotate(entries_count=entries_count())
            .order_by("entry_deadline", "id")[:limit]
        ),
        takes=(),
    )


@dataclass(frozen=True)
class DashboardDraw:
    """A draw as the student dashboard shows it."""

    pk: int
    title: str
    prize: str
    status: str
    entry_deadline: datetime
    entered: bool  # the student is in it
    my_pick_deadline: datetime | None  # the claim deadline of the prize offered to the student


@dataclass(frozen=True)
class DashboardDraws:
    prizes: list[DashboardDraw]  # prizes offered to the student, unexpired, soonest deadline first
    open_draws: list[DashboardDraw]  # the next open draws, soonest first


def draws_for_dashboard(profile: StudentProfile, *, limit: int = 3) -> DashboardDraws:
    """The student dashboard's draws in one query: the draws where the student holds an
    offered prize (`my_pick_deadline` is the claim deadline), and the next `limit` open draws
    (`entered` says whether the student is in). In a statement composed once per process
    (`_dashboard_draws_sql`): the ORM's, with its Exists and Subquery, cost 3 ms of CPU to
    compose on every student dashboard (issue 17).

    Two id lists in one WHERE rather than a UNION: SQLite refuses a LIMIT inside a UNION's
    branch. Each side reads an index (entries by student, open draws by deadline)."""
    params = {
        "student": profile.pk,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_dashboard_draws_sql(connection.vendor), params)
        rows = cursor.fetchall()
    prizes, open_draws = [], []
    for pk, title, prize, status, deadline, entered, pick_deadline in rows:
        draw = DashboardDraw(
            pk, title, prize, status, _aware(deadline), bool(entered), _aware(pick_deadline)
        )
        # An open draw has no picks yet, so the two lists never share a draw.
        (open_draws if status == Status.OPEN else prizes).append(draw)
    return DashboardDraws(
        prizes=sorted(prizes, key=lambda d: (d.my_pick_deadline, d.pk)),
        open_draws=sorted(open_draws, key=lambda d: (d.entry_deadline, d.pk)),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime read by a raw query: SQLite gives a table's column as a naive UTC datetime
    and a subquery's as text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@cache
def _dashboard_draws_sql(vendor: str) -> str:
    """`draws_for_dashboard`'s statement (what its ORM query composed)."""
    quote = connection.ops.quote_name
    draws, entries = quote(Draw._meta.db_table), quote(DrawEntry._meta.db_table)
    picks = quote(DrawWinner._meta.db_table)
    offered = (
        f"FROM {picks} w INNER JOIN {entries} we ON we.id = w.entry_id "
        f"WHERE we.student_id = %(student)s AND w.status = '{DrawWinner.Status.OFFERED}' "
        "AND w.claim_deadline >= %(now)s"
    )
    return (
        "SELECT d.id, d.title, d.prize, d.status, d.entry_deadline, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {entries} e WHERE e.draw_id = d.id "
        "AND e.student_id = %(student)s), "
        f"(SELECT w.claim_deadline {offered} AND w.draw_id = d.id LIMIT 1) "
        f"FROM {draws} d WHERE d.id IN (SELECT o.id FROM {draws} o "
        f"WHERE o.status = '{Status.OPEN}' AND o.entry_deadline > %(now)s "
        "ORDER BY o.entry_deadline, o.id LIMIT %(limit)s) "
        f"OR d.id IN (SELECT w.draw_id {offered})"
    )


def get_draw(draw_id: int, viewer: User | None) -> Draw | None:
    """A draw with its entrant count and, for a student, their standing in it. Composed once
    per process (`_draw_read`): 2.5 ms of the draw page's CPU went to composing it."""
    profile = getattr(viewer, "student_profile", None) if is_student(viewer) else None
    viewer_ids = (profile.pk,) if profile is not None else ()
    return _draw_read(for_student=bool(viewer_ids)).first(draw_id, *viewer_ids)


@cache
def _draw_read(*, for_student: bool) -> Prepared:
    def build(draw_id: int, *student_id: int) -> QuerySet[Draw]:
        draws = Draw.objects.select_related(
            "event", "reward", "created_by", "performed_by"
        ).annotate(entries_count=Count("entries"))
        return _with_viewer_id(draws, student_id).filter(pk=draw_id)[:1]

    return Prepared(build, takes=(int, int) if for_student else (int,))


@dataclass
class PickRow:
    pick: DrawWinner
    name: str  # the student's name, or a pseudonym when they keep it private
    is_viewer: bool


def list_picks(draw: Draw, viewer: User | None) -> list[PickRow]:
    """Winners and alternates in order, named as the leaderboard would name them."""
    viewer = viewer if viewer is not None and viewer.is_authenticated else None
    rows = []
    for pick in _picks_of.all(draw.pk):
        student = pick.entry.student
        visible = name_visible(student, viewer)
        rows.append(
            PickRow(
                pick=pick,
                name=student.user.name if visible else pseudonym(pick.entry_id),
                is_viewer=viewer is not None and student.user_id == viewer.pk,
            )
        )
    return rows


# Composed once per process (portal.prepared): on every performed draw's page.
_picks_of = Prepared(
    lambda draw_id: (
        DrawWinner.objects.filter(draw_id=draw_id)
        .select_related("entry__student__user")
        .order_by("position")
    )
)


def pseudonym(entry_id: int, label: str | None = None) -> str:
    """ "Entrant #12". A list of hundreds passes `label`, the text translated once."""
    return (label or _("Entrant #%(id)s")) % {"id": entry_id}


@dataclass
class FrozenEntrant:
    entry_id: int
    label: str
    is_viewer: bool


def frozen_entrants(draw: Draw, viewer: User | None, entry_ids: list[int]) -> list[FrozenEntrant]:
    """The entrant list in `entry_ids`' order (the draw's entries as `verify_draw` read them,
    sorted): entry ids for everyone, the viewer's own name beside their entry. At most one
    query, and no names of others ever leave the server."""
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    own: dict[int, str] = {}
    if viewer_id is not None:
        own = dict(
            DrawEntry.objects.filter(draw=draw, student__user_id=viewer_id).values_list(
                "pk", "student__user__name"
            )
        )
    label = _("Entrant #%(id)s")
    return [
        FrozenEntrant(
            pk,
            _("%(entrant)s · %(name)s (you)") % {"entrant": pseudonym(pk, label), "name": own[pk]}
            if pk in own
            else pseudonym(pk, label),
            pk in own,
        )
        for pk in entry_ids
    ]


def count_overdue_prizes() -> int:
    """Prizes whose claim deadline passed unclaimed: the admin can pass them on."""
    return _overdue_prizes.count(timezone.now())


_overdue_prizes = Prepared(
    lambda now: DrawWinner.objects.filter(status=DrawWinner.Status.OFFERED, claim_deadline__lt=now),
    takes=(datetime,),
)


def draw_id_of_pick(pick_id: int) -> int | None:
    return DrawWinner.objects.filter(pk=pick_id).values_list("draw_id", flat=True).first()


def attendee_count(draw: Draw) -> int:
    """Who an attendees draw would enter now: active students checked in to its event."""
    return (
        CheckIn.objects.standing()
        .filter(event_id=draw.event_id, student__user__is_active=True)
        .count()
    )
