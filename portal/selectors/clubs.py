"""Reads for the clubs pages: the list with member counts, and one club's page (officers,
faculty advisers, members, upcoming events, the points its members earned this term)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from portal.models import Club, ClubMembership, Event, PeriodPoints, StudentProfile, User
from portal.permissions import is_student, visible_events
from portal.selectors.counts import count_per_row
from portal.selectors.ledger import ANONYMOUS_NAME
from portal.selectors.periods import Period, period_start

Position = ClubMembership.Position
# The club page lists this many members (the newest first); the count says how many in all.
MEMBERS_SHOWN = 60
EVENTS_SHOWN = 8


def list_clubs(viewer: User) -> QuerySet[Club]:
    """Every club with its member count (officers apart, as on the club's page) and, for a
    student, whether they belong: one query."""
    members = ClubMembership.objects.filter(position=Position.MEMBER)
    clubs = Club.objects.annotate(member_count=count_per_row(members, link="club")).order_by(
        "name", "id"
    )
    if is_student(viewer):
        mine = ClubMembership.objects.filter(club=OuterRef("pk"), user=viewer)
        clubs = clubs.annotate(viewer_is_member=Exists(mine))
    return clubs


@dataclass(frozen=True)
class MemberRow:
    name: str
    joined_at: object


@dataclass(frozen=True)
class ClubPage:
    club: Club
    officers: list[ClubMembership]
    advisers: list[ClubMembership]
    members: list[MemberRow]
    member_count: int
    events: list[Event]
    term_points: int
    viewer_membership: ClubMembership | None


def _member_rows(club: Club) -> list[MemberRow]:
    """Members (not officers) as the public sees them: students who hide their name from the
    leaderboard appear as "Anonymous student", as everywhere else."""
    rows = (
        ClubMembership.objects.filter(club=club, position=Position.MEMBER)
        .order_by("-joined_at", "-id")
        .values_list("user__name", "user__student_profile__show_on_leaderboard", "joined_at")[
            :MEMBERS_SHOWN
        ]
    )
    return [
        MemberRow(name if shown is not False else str(ANONYMOUS_NAME), joined)
        for name, shown, joined in rows
    ]


def term_points(club: Club) -> int:
    """Merit points the club's current student members (officers included) earned this term,
    from the ledger's term rollup (`PeriodPoints`): one indexed sum."""
    members = ClubMembership.objects.filter(club=club).values("user_id")
    total = PeriodPoints.objects.filter(
        period=Period.TERM,
        starts_at=period_start(Period.TERM),
        student__in=StudentProfile.objects.filter(user_id__in=members).values("pk"),
    ).aggregate(total=Sum("points"))["total"]
    return total or 0


def upcoming_club_events(club: Club, viewer: User) -> list[Event]:
    now = timezone.now()
    return list(
        visible_events(viewer)
        .filter(club=club, ends_at__gt=now)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("starts_at", "id")[:EVENTS_SHOWN]
    )


def membership_of(club: Club, viewer: User) -> ClubMembership | None:
    if not viewer.is_authenticated:
        return None
    return ClubMembership.objects.filter(club=club, user=viewer).first()


def leaders_of(club: Club) -> tuple[list[ClubMembership], list[ClubMembership]]:
    """The club's officers and its faculty advisers, in the order they were appointed (one
    query)."""
    rows = list(
        ClubMembership.objects.filter(club=club, position__in=[Position.OFFICER, Position.ADVISER])
        .select_related("user")
        .order_by("joined_at", "id")
    )
    officers = [row for row in rows if row.position == Position.OFFICER]
    return officers, [row for row in rows if row.position == Position.ADVISER]


def get_club_page(club: Club, viewer: User) -> ClubPage:
    """Everything the club's page shows, in a constant number of queries (six)."""
    officers, advisers = leaders_of(club)
    return ClubPage(
        club=club,
        officers=officers,
        advisers=advisers,
        members=_member_rows(club),
        member_count=ClubMembership.objects.filter(club=club, position=Position.MEMBER).count(),
        events=upcoming_club_events(club, viewer),
        term_points=term_points(club),
        viewer_membership=membership_of(club, viewer),
    )
