"""Demo data for partner accounts (seed_demo calls `seed_partners` once, after the career
demo): a partner company, partner@upas.test as a professional reviewer with a colleague, their
published slots, two completed and rated sessions, one missed, one scheduled and one proposal
waiting for the partner, all through the career services with the clock moved back for the past
ones; and a reward the company sponsors with a few redemptions."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import (
    Company,
    Redemption,
    Reviewer,
    ReviewRequest,
    Reward,
    Role,
    Specialty,
    StudentProfile,
    User,
)
from portal.services import career
from portal.services import rewards as reward_services

from ._demo_career import _ask, _at, _slot

COMPANY = "Northwind Analytics"
PARTNER_EMAIL = "partner@upas.test"
SPECIALTIES = ("Data science", "Data and analytics")


def _partner(email: str, name: str, company: Company, headline: str, password: str) -> Reviewer:
    user, _created = User.objects.get_or_create(
        email=email, defaults={"name": name, "role": Role.PARTNER, "password": password}
    )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    reviewer, _created = Reviewer.objects.get_or_create(
        user=user,
        defaults={"kind": Reviewer.Kind.PROFESSIONAL, "company": company, "headline": headline},
    )
    return reviewer


def _session(
    reviewer: User,
    student: User,
    field: Specialty,
    *,
    starts_at: datetime,
    outcome: str,
    target_role: str,
    waited: timedelta,
    rating: int | None = None,
) -> None:
    """One session, as it happened: the reviewer published the time, the student asked
    (matched to it), the reviewer confirmed, then completed it (the student rated) or marked
    the student missing."""
    asked = starts_at - waited
    _slot(reviewer, starts_at, at=asked - timedelta(hours=1))
    request = _ask(student, target_role, field, asked)
    with _at(asked + timedelta(hours=6)):
        career.confirm_request(actor=reviewer, request_id=request.pk)
    after = starts_at + timedelta(hours=1)
    if outcome == "completed":
        with _at(after):
            career.complete_review(
                actor=reviewer,
                request_id=request.pk,
                score_content=4,
                score_format=3,
                score_impact=4,
                strengths="Clear project descriptions; the analytics work stands out.",
                improvements="Lead with results, in numbers, and keep it to one page.",
            )
        if rating:
            with _at(after + timedelta(days=1)):
                career.rate_review(actor=student, request_id=request.pk, rating=rating)
    elif outcome == "no_show":
        with _at(after):
            career.mark_no_show(actor=reviewer, request_id=request.pk)


def seed_partners(
    *, students: list[StudentProfile], admin: User, password: str, quiet: object
) -> None:
    """The partner demo, once (skipped when the company exists). `password` is the hashed demo
    password; `quiet` is seed_demo's in-process dummy mail."""
    if Company.objects.filter(name=COMPANY).exists():
        return
    # Active students the career demo left without a request (read again: the seed's list of
    # profiles may hold accounts graduated or suspended since).
    ids = set(
        User.objects.filter(
            pk__in=[s.user_id for s in students], is_active=True, role=Role.STUDENT
        ).values_list("pk", flat=True)
    ) - set(ReviewRequest.objects.values_list("student_id", flat=True))
    free = [s.user for s in students if s.user_id in ids][:5]
    if len(free) < 5:
        return
    with quiet, transaction.atomic():
        company = Company.objects.create(
            name=COMPANY,
            website="https://northwind.example",
            description="Data and analytics consultancy; our analysts review resumes.",
        )
        specialties = [Specialty.objects.get_or_create(name=n)[0] for n in SPECIALTIES]
        partner = _partner(
            PARTNER_EMAIL, "Jordan Reyes", company, "Analytics lead, hires graduates", password
        )
        partner.specialties.set(specialties)
        colleague = _partner(
            "m.chen@northwind.example", "Mei Chen", company, "Senior data engineer", password
        )
        colleague.specialties.set(specialties[:1])
        jordan, mei = partner.user, colleague.user
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        # Sessions in working hours (14:00 local time), whatever the hour the seed runs at.
        today = timezone.localtime(now).replace(hour=14)
        data = specialties[0]
        day = timedelta(days=1)
        ana, ben, cai, dan, eve = free
        _session(
            jordan,
            ana,
            data,
            starts_at=today - 20 * day,
            outcome="completed",
            target_role="Data analyst",
            waited=4 * day,
            rating=5,
        )
        _session(
            mei,
            dan,
            data,
            starts_at=today - 9 * day,
            outcome="completed",
            target_role="Data engineer",
            waited=6 * day,
            rating=4,
        )
        _session(
            jordan,
            ben,
            data,
            starts_at=today - 12 * day,
            outcome="completed",
            target_role="Business intelligence intern",
            waited=2 * day,
            rating=4,
        )
        _session(
            jordan,
            cai,
            data,
            starts_at=today - 6 * day,
            outcome="no_show",
            target_role="Junior data scientist",
            waited=3 * day,
        )
        # Coming up: a scheduled session, open times, and a proposal to confirm.
        upcoming = today + 2 * day + timedelta(hours=1)
        _slot(jordan, upcoming, at=now - day)
        scheduled = _ask(ana, "Machine learning engineer", data, now - day)
        career.confirm_request(actor=jordan, request_id=scheduled.pk)
        for days in (3, 5, 8):
            _slot(jordan, today + days * day + timedelta(hours=2), at=now)
        _ask(eve, "Data visualisation intern", data, now, preferred_times="Late afternoons")
        reward = Reward.objects.create(
            name="Northwind analytics workshop seat",
            description="A half-day hands-on workshop with Northwind's analysts.",
            category=Reward.Category.EXPERIENCE,
            cost=60,
            stock=12,
            sponsor=company,
        )
    # Redemptions through the real services (debit, stock, decisions), each on its own.
    decisions = [
        [Redemption.Decision.APPROVE, Redemption.Decision.FULFIL],
        [Redemption.Decision.APPROVE],
        [],
    ]
    for student, steps in zip(students[1:4], decisions, strict=False):
        try:
            redemption = reward_services.redeem_reward(
                actor=student.user,
                reward_id=reward.pk,
                idempotency_key=f"demo-partner-{student.pk}",
            )
            for step in steps:
                reward_services.decide_redemption(
                    actor=admin, redemption_id=redemption.pk, decision=step
                )
        except PortalError:
            continue  # a demo student without the points: fewer redemptions, no harm
