from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from portal.domain.draw_algorithm import commitment
from portal.models import (
    Category,
    Department,
    Draw,
    Event,
    Reward,
    Role,
    StudentProfile,
    Task,
    User,
)
from portal.models.draws import new_seed


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@upas.test")
    name = factory.Faker("name")
    role = Role.STUDENT
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class StudentFactory(factory.django.DjangoModelFactory):
    """A student profile with its user; balances start at zero and move only through services."""

    class Meta:
        model = StudentProfile

    user = factory.SubFactory(UserFactory, role=Role.STUDENT)
    enrollment_number = factory.Sequence(lambda n: f"S{2026000 + n}")
    department = factory.SubFactory(DepartmentFactory)
    programme = "BSc Testing"
    year = 2


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    default_points = 10
    min_points = 1
    max_points = 100


class RewardFactory(factory.django.DjangoModelFactory):
    """An open reward: active, no window, 10 in stock, no per-student limit. Redemptions are
    made only through portal.services.rewards.redeem_reward (see tests.helpers.redeem)."""

    class Meta:
        model = Reward

    name = factory.Sequence(lambda n: f"Reward {n}")
    description = "A thing worth points."
    category = Reward.Category.MERCHANDISE
    cost = 50
    stock = 10


class EventFactory(factory.django.DjangoModelFactory):
    """A published event starting in 10 minutes and lasting two hours, so its check-in window
    (from 30 minutes before the start to the end) is open now; 10 points, no capacity limit,
    organised by a new faculty member. Check-ins are made only through
    portal.services.events.check_in."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    description = "Talks and a demo."
    location = "Main hall"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    organiser = factory.SubFactory(UserFactory, role=Role.FACULTY)
    category = factory.SubFactory(CategoryFactory)
    attendance_points = 10
    status = Event.Status.PUBLISHED


class DrawFactory(factory.django.DjangoModelFactory):
    """An open draw students enter themselves: one winner, one alternate, entries closing in a
    week and prizes claimable for three weeks, and a fresh seed with its commitment (what
    services.draws.save_draw makes when an admin creates one)."""

    class Meta:
        model = Draw

    title = factory.Sequence(lambda n: f"Draw {n}")
    prize = "A hoodie"
    eligibility = Draw.Eligibility.ENTRANTS
    winners_count = 1
    alternates_count = 1
    entry_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    claim_deadline = factory.LazyAttribute(lambda o: o.entry_deadline + timedelta(days=14))
    created_by = factory.SubFactory(UserFactory, role=Role.ADMIN)
    seed = factory.LazyFunction(new_seed)
    commitment = factory.LazyAttribute(lambda o: commitment(o.seed))


class TaskFactory(factory.django.DjangoModelFactory):
    """An open task: active, 20 points, 3 places, a deadline in a week, posted by a new faculty
    member. Assignments are made only through portal.services.tasks (see tests.claims.helpers)."""

    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    description = "Help set up the robotics lab."
    points = 20
    category = factory.SubFactory(CategoryFactory)
    max_claimants = 3
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    created_by = factory.SubFactory(UserFactory, role=Role.FACULTY)
