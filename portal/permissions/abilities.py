"""The permission questions as a template sees them: `{% if can.award %}`. Each attribute is
the same function the views and services ask, so a template never spells a role itself. Only
for showing or hiding buttons and links: data is guarded in views (STYLE.md §2)."""

from __future__ import annotations

from functools import cached_property

from django.http import HttpRequest

from portal.models import User

from .accounts import can_manage_accounts, can_manage_categories, sees_all_figures
from .api import can_manage_api_tokens
from .career import can_manage_reviewers, can_request_review, may_offer_reviews
from .certificates import can_issue_certificates, has_certificates
from .claims import can_claim, can_post_tasks, can_review, sees_every_task
from .clubs import can_join_clubs, can_manage_clubs
from .draws import can_enter_draws, can_run_draws
from .events import can_check_in, can_organise_events
from .halls import can_book_halls, can_manage_halls
from .ledger import can_award, sees_everyones_history
from .mentors import can_assign_mentors, can_see_mentees
from .partners import can_manage_partners, is_partner
from .rewards import can_manage_catalogue, can_redeem
from .roles import is_admin, is_alumnus
from .webhooks import can_manage_webhooks


class Abilities:
    """What `user` may do, answered on first use (no query: role and active flag only)."""

    def __init__(self, user: User | None) -> None:
        self.user = user

    @cached_property
    def administer(self) -> bool:
        """The admin pages: people, categories, catalogue, redemption queue, reports, audit."""
        return is_admin(self.user)

    @cached_property
    def partner(self) -> bool:
        """An outside professional: the menu offers their dashboard and reviews, nothing else."""
        return is_partner(self.user)

    @cached_property
    def manage_partners(self) -> bool:
        return can_manage_partners(self.user)

    @cached_property
    def manage_webhooks(self) -> bool:
        return can_manage_webhooks(self.user)

    @cached_property
    def alumnus(self) -> bool:
        """A graduate: the menu offers their history and nothing to act on."""
        return is_alumnus(self.user)

    @cached_property
    def have_certificates(self) -> bool:
        return has_certificates(self.user)

    @cached_property
    def issue_certificates(self) -> bool:
        return can_issue_certificates(self.user)

    @cached_property
    def request_reviews(self) -> bool:
        return can_request_review(self.user)

    @cached_property
    def offer_reviews(self) -> bool:
        return may_offer_reviews(self.user)

    @cached_property
    def manage_reviewers(self) -> bool:
        return can_manage_reviewers(self.user)

    @cached_property
    def award(self) -> bool:
        return can_award(self.user)

    @cached_property
    def review(self) -> bool:
        return can_review(self.user)

    @cached_property
    def post_tasks(self) -> bool:
        return can_post_tasks(self.user)

    @cached_property
    def claim(self) -> bool:
        return can_claim(self.user)

    @cached_property
    def redeem(self) -> bool:
        return can_redeem(self.user)

    @cached_property
    def check_in(self) -> bool:
        return can_check_in(self.user)

    @cached_property
    def organise_events(self) -> bool:
        """A query for students (are they a club officer?), once per page that asks."""
        return can_organise_events(self.user)

    @cached_property
    def book_halls(self) -> bool:
        """A query for students (are they a club officer?), once per page that asks."""
        return can_book_halls(self.user)

    @cached_property
    def manage_halls(self) -> bool:
        return can_manage_halls(self.user)

    @cached_property
    def see_mentees(self) -> bool:
        return can_see_mentees(self.user)

    @cached_property
    def assign_mentors(self) -> bool:
        return can_assign_mentors(self.user)

    @cached_property
    def manage_clubs(self) -> bool:
        return can_manage_clubs(self.user)

    @cached_property
    def join_clubs(self) -> bool:
        return can_join_clubs(self.user)

    @cached_property
    def enter_draws(self) -> bool:
        return can_enter_draws(self.user)

    @cached_property
    def run_draws(self) -> bool:
        return can_run_draws(self.user)

    @cached_property
    def manage_catalogue(self) -> bool:
        return can_manage_catalogue(self.user)

    @cached_property
    def manage_accounts(self) -> bool:
        return can_manage_accounts(self.user)

    @cached_property
    def manage_api_tokens(self) -> bool:
        return can_manage_api_tokens(self.user)

    @cached_property
    def manage_categories(self) -> bool:
        return can_manage_categories(self.user)

    @cached_property
    def see_everyones_history(self) -> bool:
        return sees_everyones_history(self.user)

    @cached_property
    def see_all_figures(self) -> bool:
        return sees_all_figures(self.user)

    @cached_property
    def see_every_task(self) -> bool:
        return sees_every_task(self.user)


def abilities_of(request: HttpRequest) -> Abilities:
    """The request's `Abilities`, one per request and user: the templates' `can` (through
    the context processor) and a view that asks the same question share one answer (and
    the one query some answers take)."""
    user = getattr(request, "user", None)
    can = getattr(request, "_portal_abilities", None)
    if can is None or can.user is not user:
        can = Abilities(user)
        request._portal_abilities = can  # type: ignore[attr-defined]
    return can
