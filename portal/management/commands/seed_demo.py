"""A rich, deterministic demo data set. Every ledger entry goes through the ledger services with
a fixed idempotency key, so running the command again changes nothing."""

from __future__ import annotations

import contextlib
import io
import random
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from portal.exceptions import LedgerError, PortalError
from portal.models import (
    ActivityClaim,
    Category,
    Department,
    Draw,
    DrawEntry,
    Event,
    Reward,
    Role,
    StudentProfile,
    Task,
    TaskAssignment,
    Transaction,
    User,
)
from portal.services import claims as claim_services
from portal.services import draws, ledger
from portal.services import tasks as task_services
from portal.services.events import check_in
from portal.services.rewards import Decision, RewardError, decide_redemption, redeem_reward
from portal.uploads import check_evidence

# The last entry the demo writes: one recent award, reversible from the faculty dashboard.
DONE_MARKER = "seed:recent:1"
# The first demo claim: claims and tasks came later, so they have their own marker.
CLAIMS_MARKER = "seed:claim:0"
DEMO_PASSWORD = "upas-demo"  # noqa: S105 - printed in the README; refused unless DEBUG

DEPARTMENTS = [
    ("Computer Science", "CS"),
    ("Electrical Engineering", "EE"),
    ("Mechanical Engineering", "ME"),
    ("Business School", "BUS"),
    ("Biosciences", "BIO"),
    ("Mathematics", "MATH"),
]
PROGRAMMES = {
    "CS": "BSc Computer Science",
    "EE": "BEng Electrical Engineering",
    "ME": "BEng Mechanical Engineering",
    "BUS": "BA Business Management",
    "BIO": "BSc Biology",
    "MATH": "BSc Mathematics",
}
# name, description, default, min, max, yearly cap
CATEGORIES = [
    ("Academic merit", "Top marks, prizes and distinctions", 25, 10, 100, None),
    ("Research", "Papers, posters and lab contributions", 50, 20, 200, 600),
    ("Volunteering", "Community and campus volunteering", 15, 5, 50, 300),
    ("Event attendance", "Talks, workshops and fairs", 10, 5, 20, None),
    ("Sports", "Representing the university", 20, 10, 50, None),
    ("Leadership", "Society officers, mentors and class reps", 30, 10, 60, 240),
]
REASONS = {
    "Academic merit": [
        "Highest mark in the mid-term exam",
        "Dean's list",
        "Outstanding coursework",
        "Best project demo",
    ],
    "Research": [
        "Poster at the undergraduate research day",
        "Co-author on a workshop paper",
        "Lab data collection",
    ],
    "Volunteering": [
        "Open day guide",
        "Beach clean-up",
        "Peer tutoring evening",
        "Charity run marshal",
    ],
    "Event attendance": ["Careers fair", "Guest lecture on AI safety", "Hackathon kick-off"],
    "Sports": ["University football, regional final", "Rowing regatta", "Chess league win"],
    "Leadership": ["Society treasurer", "Class representative", "First-year mentor"],
}
# title, location, hours from now, length in hours, capacity, attendees (past events)
EVENTS = [
    ("Careers fair", "Great Hall", -24 * 20, 4, None, 60),
    ("Guest lecture: AI safety", "Lecture Theatre 1", -24 * 9, 2, 120, 45),
    ("Hackathon kick-off", "Engineering Atrium", -24 * 3, 3, 80, 30),
    ("Study skills workshop", "Library Room 2", -1, 3, 40, 0),
    ("Open day volunteers briefing", "Student Union", 24 * 2, 1, 30, 0),
    ("Research poster evening", "Biosciences Foyer", 24 * 6, 3, None, 0),
]

# name, category, cost, stock (None: unlimited), limit per student, colour, description
REWARDS = [
    (
        "Campus café voucher",
        "food",
        50,
        None,
        None,
        "#b45309",
        "A hot drink and a pastry at any campus café.",
    ),
    (
        "UPAS water bottle",
        "merchandise",
        120,
        40,
        1,
        "#0e7490",
        "Insulated steel bottle with the UPAS logo. Keeps drinks cold for 24 hours.",
    ),
    (
        "Library late pass",
        "academic",
        150,
        None,
        2,
        "#4338ca",
        "Borrow from the library after hours for one week.",
    ),
    (
        "University hoodie",
        "merchandise",
        300,
        15,
        1,
        "#be123c",
        "Heavyweight hoodie in university colours. Sizes S to XXL.",
    ),
    (
        "Printing credit (100 pages)",
        "academic",
        80,
        None,
        None,
        "#15803d",
        "Added to your card within two working days.",
    ),
    (
        "Concert ticket",
        "experience",
        450,
        4,
        1,
        "#7c3aed",
        "One ticket to the end-of-term concert in the Great Hall.",
    ),
    (
        "Bookshop voucher (£15)",
        "voucher",
        400,
        25,
        2,
        "#0f766e",
        "Spend it on textbooks or stationery at the campus bookshop.",
    ),
    (
        "Lunch with the Dean",
        "experience",
        800,
        2,
        1,
        "#a16207",
        "Lunch for six high achievers with the Dean each term.",
    ),
]

# title, category, points, places, days to the deadline, cover colour, description
TASKS = [
    (
        "Guide visitors at the spring open day",
        "Volunteering",
        30,
        6,
        9,
        "#0e7490",
        "Show prospective students and their families around campus for a morning.",
    ),
    (
        "Photograph the robotics open lab",
        "Volunteering",
        25,
        2,
        5,
        "#7c3aed",
        "Ten good photos of the open lab for the department newsletter.",
    ),
    (
        "Proofread the first-year lab handbook",
        "Academic merit",
        40,
        3,
        12,
        "#4338ca",
        "Check the 30-page handbook for errors and unclear steps; send a list of fixes.",
    ),
    (
        "Run a peer-tutoring evening for MATH101",
        "Leadership",
        35,
        4,
        14,
        "#15803d",
        "Two hours in the library with first-years before the mid-term.",
    ),
    (
        "Collect survey responses for the library study",
        "Research",
        30,
        10,
        3,
        "#be123c",
        "Ask 20 students the five survey questions and enter their answers in the form.",
    ),
]
# category, what the student did (activity claims)
CLAIMS = [
    ("Volunteering", "Volunteered at the city food bank every Saturday in March."),
    ("Sports", "Played for the university football team in the regional cup final."),
    ("Research", "Presented a poster at the undergraduate research conference."),
    ("Leadership", "Organised the Computing Society's welcome week."),
    ("Volunteering", "Beach clean-up with the Environmental Society."),
    ("Academic merit", "Won second prize in the national programming olympiad."),
    ("Sports", "Represented the university at the inter-university chess league."),
]

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Elif",
    "Farah",
    "George",
    "Hana",
    "Ibrahim",
    "Julia",
    "Kwame",
    "Lena",
    "Mateo",
    "Nadia",
    "Oliver",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Arjun",
    "Bea",
    "Chen",
    "Dara",
    "Emeka",
    "Freya",
    "Gabriel",
    "Hiro",
    "Isla",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Noah",
]
LAST = [
    "Khan",
    "Smith",
    "Okafor",
    "Nguyen",
    "Garcia",
    "Müller",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Silva",
    "Dubois",
    "Mensah",
    "Patel",
    "O'Brien",
    "Novak",
    "Hansen",
    "Costa",
    "Yilmaz",
    "Ahmed",
]


class Command(BaseCommand):
    help = "Load the demo data set (about 200 students with history). Development only; idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates known passwords."
            )
        rng = random.Random(2026)  # noqa: S311 - demo data, deterministic on purpose
        password = make_password(DEMO_PASSWORD)  # hashed once: 200 hashes would take a minute
        with transaction.atomic():
            departments = [
                Department.objects.get_or_create(code=code, defaults={"name": name})[0]
                for name, code in DEPARTMENTS
            ]
            categories = [
                Category.objects.get_or_create(
                    name=name,
                    defaults={
                        "description": desc,
                        "default_points": default,
                        "min_points": low,
                        "max_points": high,
                        "yearly_cap": cap,
                    },
                )[0]
                for name, desc, default, low, high, cap in CATEGORIES
            ]
            admin = self._user("admin@upas.test", "Sam Okoro", Role.ADMIN, password)
            faculty = [
                self._user("faculty@upas.test", "Dr Maria Lopez", Role.FACULTY, password),
                self._user("j.webb@upas.test", "Prof James Webb", Role.FACULTY, password),
                self._user("a.sato@upas.test", "Dr Akiko Sato", Role.FACULTY, password),
            ]
            students = [
                self._student(
                    "student@upas.test", "Aisha Khan", "CS2024001", departments[0], 2, password
                )
            ]
            for i in range(1, options["students"]):
                dept = departments[i % len(departments)]
                name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"
                email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}{i}@upas.test"
                number = f"{dept.code}{2022 + i % 4}{i:03d}"
                students.append(self._student(email, name, number, dept, 1 + i % 4, password))
        # A few students prefer privacy on the leaderboard.
        StudentProfile.objects.filter(pk__in=[s.pk for s in students[5::11]]).update(
            show_on_leaderboard=False
        )

        before = Transaction.objects.count()
        # Activity is generated once, in one transaction: a second run finds the marker entry
        # and changes nothing (retrying refused demo actions later could succeed and differ).
        # The demo people have no real mailboxes: notifications are kept in-app only.
        quiet_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        if not Transaction.objects.filter(idempotency_key=DONE_MARKER).exists():
            with quiet_mail, transaction.atomic():
                self._history(rng, students, [*faculty, admin], categories)
                self._events(rng, students, faculty, categories)
                rewards = self._rewards()
                self._redemptions(rng, students, rewards, admin)
                self._draws(rng, students, rewards, admin)
                ledger.award_points(
                    actor=faculty[0],
                    student_id=students[1].pk,
                    category_id=categories[0].pk,
                    amount=30,
                    reason="Best lab report this week",
                    idempotency_key=DONE_MARKER,
                )
        if not ActivityClaim.objects.filter(idempotency_key=CLAIMS_MARKER).exists():
            with quiet_mail, transaction.atomic():
                self._claims_and_tasks(students, faculty, admin, categories)
        total = Transaction.objects.count()
        created = total - before
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(students)} students, {len(faculty)} faculty, 1 admin, "
                f"{len(categories)} categories, {total} ledger entries ({created} new)."
            )
        )
        self.stdout.write(
            "Sign in at http://127.0.0.1:8000/ with password 'upas-demo' as\n"
            "  admin@upas.test    (admin)\n"
            "  faculty@upas.test  (faculty)\n"
            "  student@upas.test  (student)"
        )

    def _events(
        self,
        rng: random.Random,
        students: list[StudentProfile],
        faculty: list[User],
        categories: list[Category],
    ) -> None:
        """Past events with attendance, one on now (the demo student can check in), more to come."""
        attendance = next(c for c in categories if c.name == "Event attendance")
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        for title, location, hours, length, capacity, attendees in EVENTS:
            start = now + timedelta(hours=hours)
            event, created = Event.objects.get_or_create(
                title=title,
                defaults={
                    "location": location,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=length),
                    "organiser": faculty[len(title) % len(faculty)],
                    "category": attendance,
                    "attendance_points": 10,
                    "capacity": capacity,
                    "status": Event.Status.PUBLISHED,
                    "description": f"{title}. Open to all students; check in at the door.",
                },
            )
            if not created or hours >= 0:
                continue
            # Past events: attendance as the organiser recorded it on the day.
            for profile in rng.sample(students[1:], min(attendees, len(students) - 1)):
                check_in(actor=event.organiser, event_id=event.pk, student_id=profile.pk)
            if hours + length < 0:
                event.status = Event.Status.COMPLETED
                event.save(update_fields=["status"])

    def _rewards(self) -> list[Reward]:
        rewards = []
        for name, category, cost, stock, limit, colour, description in REWARDS:
            reward, created = Reward.objects.get_or_create(
                name=name,
                defaults={
                    "category": category,
                    "cost": cost,
                    "stock": stock,
                    "limit_per_student": limit,
                    "description": description,
                },
            )
            if created:
                reward.image.save(
                    f"{slugify(name)}.png", ContentFile(_cover(name, colour)), save=True
                )
            rewards.append(reward)
        return rewards

    def _redemptions(
        self, rng: random.Random, students: list[StudentProfile], rewards: list[Reward], admin: User
    ) -> None:
        """Some students redeemed; the admin approved, handed over or rejected some of them."""
        decisions = [None, None, Decision.APPROVE, Decision.FULFIL, Decision.REJECT]
        for n, profile in enumerate(students[1:60:2]):
            reward = rng.choice(rewards[:5])
            try:
                redemption = redeem_reward(
                    actor=profile.user, reward_id=reward.pk, idempotency_key=f"seed:redeem:{n}"
                )
            except RewardError:
                continue  # cannot afford it or out of stock: fine for a demo
            decision = decisions[n % len(decisions)]
            steps = {Decision.FULFIL: [Decision.APPROVE, Decision.FULFIL]}.get(
                decision, [decision] if decision else []
            )
            for step in steps:
                with contextlib.suppress(RewardError):  # already decided on an earlier run
                    decide_redemption(
                        actor=admin,
                        redemption_id=redemption.pk,
                        decision=step,
                        note="Sorry, this batch sold out before we could order more."
                        if step == Decision.REJECT
                        else "",
                    )

    def _draws(
        self, rng: random.Random, students: list[StudentProfile], rewards: list[Reward], admin: User
    ) -> None:
        """A performed draw for a past event's attendees, a performed draw the demo student
        entered, an open draw anyone can enter, and one for the event on now (check in first)."""
        now = timezone.now()
        hackathon = Event.objects.get(title="Hackathon kick-off")
        workshop = Event.objects.get(title="Study skills workshop")
        past = draws.save_draw(
            actor=admin,
            draw=Draw(
                title="Hackathon kick-off prize draw",
                prize="50 bonus points",
                prize_points=50,
                event=hackathon,
                eligibility=Draw.Eligibility.ATTENDEES,
                winners_count=3,
                alternates_count=2,
                entry_deadline=hackathon.ends_at,
                claim_deadline=now + timedelta(days=10),
            ),
        )
        draws.perform_draw(actor=admin, draw_id=past.pk)
        coffee = draws.save_draw(
            actor=admin,
            draw=Draw(
                title="Coffee week giveaway",
                prize="A campus café voucher",
                reward=rewards[0],
                winners_count=4,
                alternates_count=2,
                entry_deadline=now - timedelta(days=1),
                claim_deadline=now + timedelta(days=6),
            ),
        )
        # Entries made last week (its entry deadline has passed), the demo student's among them.
        for profile in [students[0], *rng.sample(students[1:], min(15, len(students) - 1))]:
            DrawEntry.objects.create(draw=coffee, student=profile)
        draws.perform_draw(actor=admin, draw_id=coffee.pk)
        # Most winners claimed straight away.
        for pick in coffee.winners.filter(is_alternate=False).select_related("entry__student"):
            if pick.entry.student_id != students[0].pk and rng.random() < 0.7:
                draws.claim_prize(actor=pick.entry.student.user, winner_id=pick.pk)
        hoodie = draws.save_draw(
            actor=admin,
            draw=Draw(
                title="End-of-term hoodie draw",
                prize="A UPAS hoodie in your size",
                winners_count=2,
                alternates_count=3,
                entry_deadline=now + timedelta(days=5),
                claim_deadline=now + timedelta(days=19),
            ),
        )
        for profile in rng.sample(students[1:], min(40, len(students) - 1)):
            draws.enter_draw(actor=profile.user, draw_id=hoodie.pk)
        draws.save_draw(
            actor=admin,
            draw=Draw(
                title="Study skills: book token draw",
                prize="A £20 book token",
                event=workshop,
                winners_count=1,
                alternates_count=1,
                entry_deadline=workshop.ends_at,
                claim_deadline=workshop.ends_at + timedelta(days=14),
            ),
        )

    def _claims_and_tasks(
        self,
        students: list[StudentProfile],
        faculty: list[User],
        admin: User,
        categories: list[Category],
    ) -> None:
        """Tasks in every state (the demo student is working on one), and activity claims with
        generated certificates: most wait in the review queue, some decided."""
        rng = random.Random(6)  # noqa: S311 - demo data, deterministic on purpose
        now = timezone.now()
        by_name = {c.name: c for c in categories}
        reviewers = [*faculty, admin]
        tasks = []
        for n, (title, category, points, places, days, colour, text) in enumerate(TASKS):
            task = Task(
                title=title,
                description=text,
                category=by_name[category],
                points=points,
                max_claimants=places,
                deadline=now + timedelta(days=days),
            )
            if n % 2 == 0:
                task.image.save(
                    f"{slugify(title)}.png", ContentFile(_cover(title, colour)), save=False
                )
            tasks.append(task_services.save_task(actor=faculty[n % len(faculty)], task=task))
        # The demo student is working on one; others are in progress, submitted (some with a
        # photo), approved or rejected.
        task_services.claim_task(actor=students[0].user, task_id=tasks[2].pk)
        for n, profile in enumerate(students[2:24]):
            task = tasks[n % len(tasks)]
            with contextlib.suppress(PortalError):  # full: fine for a demo
                taken = task_services.claim_task(actor=profile.user, task_id=task.pk)
                taken_at = now - timedelta(days=rng.uniform(2, 6))
                TaskAssignment.objects.filter(pk=taken.pk).update(claimed_at=taken_at)
                if n % 4 == 0:
                    continue
                task_services.submit_task(
                    actor=profile.user,
                    assignment_id=taken.pk,
                    text=f"Done: {task.title.lower()}. Notes and photos attached.",
                    file=_evidence(profile.user.name, task.title, "png") if n % 3 else None,
                )
                TaskAssignment.objects.filter(pk=taken.pk).update(
                    submitted_at=taken_at + timedelta(days=rng.uniform(0.2, 1.5))
                )
                if n % 4 == 3:
                    task_services.decide_task(
                        actor=reviewers[n % len(reviewers)],
                        assignment_id=taken.pk,
                        decision="approve" if n % 8 == 3 else "reject",
                        comment="" if n % 8 == 3 else "Please add a photo of the finished work.",
                    )
        # Activity claims, the demo student's first (one waiting, one approved).
        claimants = [students[0], students[0], *students[25:45]]
        for n, profile in enumerate(claimants):
            category, what = CLAIMS[n % len(CLAIMS)]
            category = by_name[category]
            try:
                claim = claim_services.submit_claim(
                    actor=profile.user,
                    category_id=category.pk,
                    points=min(category.max_points, category.default_points + 5 * (n % 3)),
                    description=what,
                    activity_date=timezone.localdate() - timedelta(days=3 + n * 2),
                    evidence=_evidence(profile.user.name, what, "pdf" if n % 3 == 1 else "png"),
                    idempotency_key=f"seed:claim:{n}",
                )
            except PortalError:
                continue  # over a yearly cap: the demo skips it
            ActivityClaim.objects.filter(pk=claim.pk).update(
                created_at=now - timedelta(days=rng.uniform(0.1, 9))
            )
            if n == 1 or (n > 1 and n % 5 == 0):
                with contextlib.suppress(PortalError):
                    claim_services.decide_claim(
                        actor=reviewers[n % len(reviewers)], claim_id=claim.pk, decision="approve"
                    )
            elif n % 7 == 3:
                claim_services.decide_claim(
                    actor=reviewers[n % len(reviewers)],
                    claim_id=claim.pk,
                    decision="reject",
                    comment="The certificate does not show the date; please claim again.",
                )

    def _user(self, email: str, name: str, role: str, password: str) -> User:
        user, _created = User.objects.get_or_create(
            email=email, defaults={"name": name, "role": role, "password": password}
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _student(
        self, email: str, name: str, number: str, dept: Department, year: int, password: str
    ) -> StudentProfile:
        user = self._user(email, name, Role.STUDENT, password)
        profile, _created = StudentProfile.objects.get_or_create(
            user=user,
            defaults={
                "enrollment_number": number,
                "department": dept,
                "programme": PROGRAMMES[dept.code],
                "year": year,
            },
        )
        return profile

    def _history(
        self,
        rng: random.Random,
        students: list[StudentProfile],
        staff: list[User],
        categories: list[Category],
    ) -> None:
        """About 5 awards per student over the last 16 weeks, some deductions and reversals."""
        now = timezone.now()
        for s_index, profile in enumerate(students):
            awards = 8 if s_index == 0 else rng.randint(0, 9)
            plan = []
            for n in range(awards):
                category = rng.choice(categories)
                at = now - timedelta(days=rng.uniform(0, 110), hours=rng.uniform(0, 8))
                actor = rng.choice(staff)
                amount = rng.randrange(category.min_points, category.max_points + 1, 5)
                plan.append((at, n, actor, category, amount, rng.choice(REASONS[category.name])))
            # Posted oldest first, as they would have happened, so that the dates of the levels
            # and badges they reach read in order.
            for at, n, actor, category, amount, reason in sorted(plan, key=lambda a: a[:2]):
                try:
                    ledger.award_points(
                        actor=actor,
                        student_id=profile.pk,
                        category_id=category.pk,
                        amount=amount,
                        reason=reason,
                        idempotency_key=f"seed:award:{profile.enrollment_number}:{n}",
                        at=at,
                    )
                except LedgerError:
                    continue  # a yearly cap reached: the demo simply skips that award
            if s_index % 17 == 3:
                with contextlib.suppress(LedgerError):  # nothing to deduct from
                    ledger.deduct_points(
                        actor=staff[0],
                        student_id=profile.pk,
                        amount=5,
                        reason="Missed a booked lab session without notice",
                        idempotency_key=f"seed:deduct:{profile.enrollment_number}",
                        at=now - timedelta(days=rng.uniform(1, 30)),
                    )


def _evidence(name: str, what: str, kind: str) -> Any:
    """A generated certificate (PNG or PDF), checked by content like a real upload."""
    image = Image.new("RGB", (1000, 700), "#fffbeb")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 976, 676), outline="#b45309", width=10)
    draw.text(
        (500, 190), "Certificate", fill="#78350f", font=ImageFont.load_default(size=64), anchor="mm"
    )
    draw.text((500, 300), name, fill="#1e293b", font=ImageFont.load_default(size=44), anchor="mm")
    draw.text(
        (500, 390), what[:60], fill="#334155", font=ImageFont.load_default(size=26), anchor="mm"
    )
    draw.text(
        (500, 560),
        "University of Demo · UPAS",
        fill="#64748b",
        font=ImageFont.load_default(size=22),
        anchor="mm",
    )
    out = io.BytesIO()
    image.save(out, format="PDF" if kind == "pdf" else "PNG")
    upload = SimpleUploadedFile(f"certificate.{kind}", out.getvalue())
    return check_evidence(upload)


def _cover(name: str, colour: str) -> bytes:
    """A simple cover picture for a demo reward: its initial on a coloured tile."""
    image = Image.new("RGB", (800, 450), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=200)
    draw.text((400, 225), name[:1], fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
