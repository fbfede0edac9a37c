"""A student's co-curricular record: what /transcript/ shows and what a transcript signs.

Only verified facts: standing check-ins (annulled ones are out), approved claims and tasks,
levels and badges from the achievements, club memberships; grouped by academic year. Items the
student hid are marked on the page and left out of the signed document. Six queries, whatever
the size of the record."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.domain.academic_year import academic_year_of
from portal.domain.levels import all_levels
from portal.models import (
    ActivityClaim,
    Certificate,
    CheckIn,
    ClubMembership,
    ReviewStatus,
    StudentProfile,
    TaskAssignment,
    Transcript,
    TranscriptHiddenItem,
)

from .milestones import badges_for, level_of

Kind = TranscriptHiddenItem.Kind
CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Item:
    kind: str  # a TranscriptHiddenItem.Kind
    item_id: int
    title: str
    day: date
    category: str
    points: int
    hidden: bool

    def as_document(self) -> dict[str, Any]:
        entry = {"title": self.title, "date": self.day.isoformat(), "points": self.points}
        if self.kind == Kind.CHECKIN:
            return {**entry, "category": self.category}
        return {**entry, "kind": self.kind}


@dataclass
class Year:
    label: str
    events: list[Item] = field(default_factory=list)
    activities: list[Item] = field(default_factory=list)

    def shown(self, items: list[Item]) -> list[Item]:
        return [item for item in items if not item.hidden]

    @property
    def points(self) -> int:
        return sum(i.points for i in self.shown(self.events) + self.shown(self.activities))

    def activities_by_category(self, *, shown_only: bool) -> list[tuple[str, list[Item]]]:
        groups: dict[str, list[Item]] = defaultdict(list)
        for item in self.shown(self.activities) if shown_only else self.activities:
            groups[item.category].append(item)
        return sorted(groups.items())

    def as_document(self) -> dict[str, Any]:
        return {
            "year": self.label,
            "points": self.points,
            "events": [item.as_document() for item in self.shown(self.events)],
            "activities": [
                {
                    "category": category,
                    "points": sum(i.points for i in items),
                    "items": [i.as_document() for i in items],
                }
                for category, items in self.activities_by_category(shown_only=True)
            ],
        }


@dataclass(frozen=True)
class Club:
    membership_id: int
    name: str
    position: str
    since: date
    hidden: bool


@dataclass(frozen=True)
class TranscriptRecord:
    profile: StudentProfile
    years: list[Year]  # newest first
    clubs: list[Club]
    badges: list[tuple[str, date]]

    @property
    def level(self) -> dict[str, Any]:
        progress = level_of(self.profile)
        number = [lvl.name for lvl in all_levels()].index(progress.level.name) + 1
        return {"number": number, "name": progress.level.label}

    @property
    def is_empty(self) -> bool:
        return not self.clubs and not any(y.events or y.activities for y in self.years)

    @property
    def shown_items(self) -> list[str]:
        return [
            f"{item.kind}:{item.item_id}"
            for year in self.years
            for item in year.shown(year.events) + year.shown(year.activities)
        ]

    def as_document(self) -> dict[str, Any]:
        return {
            "total_points": self.profile.lifetime_points,
            "level": self.level,
            "badges": [{"name": name, "earned_on": day.isoformat()} for name, day in self.badges],
            "clubs": [
                {"name": c.name, "position": c.position, "since": c.since.isoformat()}
                for c in self.clubs
                if not c.hidden
            ],
            "years": [year.as_document() for year in self.years],
        }


def _year_of(day: date) -> str:
    return academic_year_of(day, start_month=settings.UPAS_ACADEMIC_YEAR_START_MONTH)


def one_line(text: str, most: int = 120) -> str:
    """A claim's description as a title: one line, at most `most` characters."""
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1] + "…"


def transcript_record(profile: StudentProfile) -> TranscriptRecord:
    hidden = set(TranscriptHiddenItem.objects.filter(holder=profile).values_list("kind", "item_id"))
    items: list[Item] = []
    checkins = (
        CheckIn.objects.filter(student=profile, annulled_at__isnull=True)
        .select_related("event__category")
        .order_by("event__starts_at", "id")
    )
    for checkin in checkins:
        event = checkin.event
        items.append(
            Item(
                Kind.CHECKIN,
                checkin.pk,
                event.title,
                timezone.localdate(event.starts_at),
                event.category.name,
                event.attendance_points,
                (Kind.CHECKIN, checkin.pk) in hidden,
            )
        )
    claims = (
        ActivityClaim.objects.filter(student=profile, status=ReviewStatus.APPROVED)
        .select_related("category")
        .order_by("activity_date", "id")
    )
    for claim in claims:
        items.append(
            Item(
                Kind.CLAIM,
                claim.pk,
                one_line(claim.description),
                claim.activity_date,
                claim.category.name,
                claim.points,
                (Kind.CLAIM, claim.pk) in hidden,
            )
        )
    assignments = (
        TaskAssignment.objects.filter(student=profile, status=ReviewStatus.APPROVED)
        .select_related("task__category")
        .order_by("decided_at", "id")
    )
    for assignment in assignments:
        task = assignment.task
        items.append(
            Item(
                Kind.TASK,
                assignment.pk,
                task.title,
                timezone.localdate(assignment.decided_at or assignment.claimed_at),
                task.category.name,
                task.points,
                (Kind.TASK, assignment.pk) in hidden,
            )
        )
    years: dict[str, Year] = {}
    for item in sorted(items, key=lambda i: (i.day, i.kind, i.item_id)):
        year = years.setdefault(_year_of(item.day), Year(_year_of(item.day)))
        (year.events if item.kind == Kind.CHECKIN else year.activities).append(item)
    memberships = (
        ClubMembership.objects.filter(user_id=profile.user_id)
        .select_related("club")
        .order_by("joined_at", "id")
    )
    clubs = [
        Club(
            m.pk,
            m.club.name,
            str(m.get_position_display()),
            timezone.localdate(m.joined_at),
            (Kind.CLUB, m.pk) in hidden,
        )
        for m in memberships
    ]
    badges = [
        (badge.name, timezone.localdate(badge.achieved_at))
        for badge in badges_for(profile)
        if badge.achieved_at is not None
    ]
    return TranscriptRecord(
        profile=profile,
        years=sorted(years.values(), key=lambda y: y.label, reverse=True),
        clubs=clubs,
        badges=badges,
    )


def owns_item(profile: StudentProfile, kind: str, item_id: int) -> bool:
    """Whether `item_id` is one of the student's own items of `kind` (hiding is for those)."""
    model = {
        Kind.CHECKIN: CheckIn.objects.filter(student=profile),
        Kind.CLAIM: ActivityClaim.objects.filter(student=profile),
        Kind.TASK: TaskAssignment.objects.filter(student=profile),
        Kind.CLUB: ClubMembership.objects.filter(user_id=profile.user_id),
    }[Kind(kind)]
    return model.filter(pk=item_id).exists()


def certificates_of(profile: StudentProfile) -> list[Certificate]:
    return list(Certificate.objects.filter(holder=profile).select_related("event"))


def transcripts_of(profile: StudentProfile, *, most: int = 10) -> list[Transcript]:
    return list(Transcript.objects.filter(holder=profile)[:most])


def find_by_code(code: str) -> Certificate | Transcript | None:
    """The public verification: a certificate or a transcript by its code, else None."""
    if not CODE.fullmatch(code or ""):  # also keeps NUL and the like away from the database
        return None
    found = Certificate.objects.filter(code=code).select_related("revoked_by").first()
    return found or Transcript.objects.filter(code=code).first()
