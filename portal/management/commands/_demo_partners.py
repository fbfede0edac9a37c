"""Demo data for partner accounts (seed_demo calls `seed_partners` once): a partner company,
partner@upas.test as a professional reviewer with a colleague, published slots, two completed
and rated sessions, one missed, one confirmed upcoming session with demo students, and a
reward the company sponsors with a few redemptions.

The review sessions are written with the ORM because the career services (request, match,
confirm, complete, rate) live on another branch; this one function is the place to switch to
them once they are merged."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from portal.exceptions import PortalError
from portal.models import (
    Company,
    Redemption,
    Reviewer,
    ReviewRequest,
    ReviewSlot,
    Reward,
    Role,
    Specialty,
    StudentProfile,
    User,
)
from portal.services import rewards as reward_services

COMPANY = "Northwind Analytics"
PARTNER_EMAIL = "partner@upas.test"
SPECIALTIES = ("Data science", "Software engineering", "Finance")


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
    reviewer: Reviewer,
    student: StudentProfile,
    specialty: Specialty,
    *,
    starts_at,
    status: str,
    target_role: str,
    waited: timedelta,
    rating: int | None = None,
) -> ReviewRequest:
    slot = ReviewSlot.objects.create(
        reviewer=reviewer, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45)
    )
    asked = starts_at - waited
    done = status in (ReviewRequest.Status.COMPLETED, ReviewRequest.Status.NO_SHOW)
    return ReviewRequest.objects.create(
        student=student.user,
        target_role=target_role,
        specialty=specialty,
        resume="career/resumes/demo.pdf",
        status=status,
        reviewer=reviewer,
        slot=slot,
        created_at=asked,
        proposed_at=asked + timedelta(hours=2),
        confirmed_at=asked + timedelta(hours=20),
        closed_at=starts_at + timedelta(hours=1) if done else None,
        score_content=4 if status == ReviewRequest.Status.COMPLETED else None,
        score_format=3 if status == ReviewRequest.Status.COMPLETED else None,
        score_impact=4 if status == ReviewRequest.Status.COMPLETED else None,
        strengths="Clear project descriptions." if rating else "",
        improvements="Lead with results, in numbers." if rating else "",
        rating=rating,
        rated_at=starts_at + timedelta(days=1) if rating else None,
    )


def seed_partners(*, students: list[StudentProfile], admin: User, password: str) -> None:
    """The partner demo, once (skipped when the company exists). `password` is the hashed demo
    password."""
    if Company.objects.filter(name=COMPANY).exists() or len(students) < 4:
        return
    with transaction.atomic():
        company = Company.objects.create(
            name=COMPANY,
            website="https://northwind.example",
            description="Data and analytics consultancy; our analysts review resumes.",
        )
        specialties = [Specialty.objects.get_or_create(name=n)[0] for n in SPECIALTIES]
        partner = _partner(
            PARTNER_EMAIL, "Jordan Reyes", company, "Analytics lead, hires graduates", password
        )
        partner.specialties.set(specialties[:2])
        colleague = _partner(
            "m.chen@northwind.example", "Mei Chen", company, "Senior data engineer", password
        )
        colleague.specialties.set(specialties[:1])
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        data = specialties[0]
        for days in (3, 5, 8):  # open slots the partner published
            ReviewSlot.objects.create(
                reviewer=partner,
                starts_at=now + timedelta(days=days, hours=1),
                ends_at=now + timedelta(days=days, hours=1, minutes=45),
            )
        completed, missed = ReviewRequest.Status.COMPLETED, ReviewRequest.Status.NO_SHOW
        _session(
            partner,
            students[0],
            data,
            starts_at=now - timedelta(days=20),
            status=completed,
            target_role="Data analyst",
            waited=timedelta(days=4),
            rating=5,
        )
        _session(
            partner,
            students[1],
            data,
            starts_at=now - timedelta(days=12),
            status=completed,
            target_role="Business intelligence intern",
            waited=timedelta(days=2),
            rating=4,
        )
        _session(
            partner,
            students[2],
            data,
            starts_at=now - timedelta(days=6),
            status=missed,
            target_role="Junior data scientist",
            waited=timedelta(days=3),
        )
        _session(
            partner,
            students[0],
            data,
            starts_at=now + timedelta(days=2, hours=3),
            status=ReviewRequest.Status.CONFIRMED,
            target_role="Machine learning engineer",
            waited=timedelta(days=5),
        )
        _session(
            colleague,
            students[3],
            data,
            starts_at=now - timedelta(days=9),
            status=completed,
            target_role="Data engineer",
            waited=timedelta(days=6),
            rating=4,
        )
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
