"""What earns points, for the "Ways to earn points" page and the bot's /ways-to-earn: the
active categories with their ranges, the events to come that award points, and the tasks and
claims a student can file. Three queries whatever the numbers (four for a student, whose
profile is read to leave out the tasks they took)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from portal.models import Category, Event, Task, User
from portal.permissions import can_claim
from portal.selectors.accounts import own_profile_with_department
from portal.selectors.events import list_events
from portal.selectors.tasks import available_tasks, with_places_held

EVENTS_SHOWN = 8
TASKS_SHOWN = 8


@dataclass(frozen=True)
class WaysToEarn:
    categories: list[Category]
    events: list[Event]
    tasks: list[Task]
    can_claim: bool  # the viewer may file activity claims (in any active category)


def ways_to_earn(viewer: User) -> WaysToEarn:
    """Active categories by name; published events not over yet, soonest first; open tasks
    with a free place (for a student, those they have not taken), nearest deadline first."""
    categories = list(Category.objects.filter(is_active=True).order_by("name"))
    events = list(
        list_events(viewer).filter(status=Event.Status.PUBLISHED, category__is_active=True)[
            :EVENTS_SHOWN
        ]
    )
    profile = own_profile_with_department(viewer) if can_claim(viewer) else None
    if profile is not None:
        tasks = available_tasks(profile)
    else:
        tasks = (
            with_places_held(Task.objects.filter(is_active=True, deadline__gt=timezone.now()))
            .filter(held__lt=F("max_claimants"))
            .select_related("category")
            .order_by("deadline", "id")
        )
    return WaysToEarn(
        categories=categories,
        events=events,
        tasks=list(tasks[:TASKS_SHOWN]),
        can_claim=profile is not None,
    )
