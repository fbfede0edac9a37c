"""A rich, deterministic demo data set. Every ledger entry goes through the ledger services with
a fixed idempotency key, so running the command again changes nothing.

The activity is dated as it would have happened: awards over the last 16 weeks, check-ins at
their events, redemptions and their decisions over the past weeks, notifications when their cause
happened (the older ones read). Ledger entries are immutable, so services without a time
parameter run with the clock set back (`_clock`); the dashboards' trends and charts then compare
like with like."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import random
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from portal.exceptions import LedgerError, PortalError
from portal.management.commands._demo_halls import seed_halls
from portal.models import (
    PING,
    AccountWarning,
    ActivityClaim,
    ApiScope,
    ApiToken,
    AttendanceDispute,
    AuditLog,
    Category,
    Certificate,
    CheckIn,
    CheckInAttempt,
    Club,
    ClubMembership,
    Department,
    DiscordLink,
    Draw,
    DrawEntry,
    Event,
    Notification,
    Redemption,
    Reward,
    Role,
    StudentProfile,
    Suspension,
    Task,
    TaskAssignment,
    Transaction,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from portal.selectors import year_end as year_end_selectors
from portal.selectors.categories import forget_active_categories
from portal.selectors.periods import local_midnight
from portal.services import account_admin, data_rights, draws, ledger, year_end
from portal.services import api_tokens as api_token_services
from portal.services import attendance as attendance_services
from portal.services import certificates as certificate_services
from portal.services import claims as claim_services
from portal.services import clubs as club_services
from portal.services import discord as discord_services
from portal.services import events as event_services
from portal.services import mentors as mentor_services
from portal.services import registrations as registration_services
from portal.services import tasks as task_services
from portal.services import webhooks as webhook_services
from portal.services.events import check_in, current_code
from portal.services.rewards import RewardError, decide_redemption, redeem_reward
from portal.uploads import check_evidence

from ._demo_career import seed_career
from ._demo_partners import seed_partners

# The last entry the demo writes: one recent award, reversible from the faculty dashboard.
DONE_MARKER = "seed:recent:1"
# student@upas.test's Discord account in the demo (not a real one).
DEMO_DISCORD_ID = "100000000000000001"
MIN_STUDENTS_FOR_CLUBS = 10
CLUBS = [
    (
        "Robotics Club",
        "robotics",
        "We design, build and program robots, from line followers to the regional "
        "competition. Beginners welcome: we teach soldering and Python.",
    ),
    (
        "Debating Society",
        "debating",
        "Weekly debates in British Parliamentary style, and trips to university competitions.",
    ),
    (
        "Photography Club",
        "photography",
        "Photo walks, critique evenings and an exhibition at the end of each term.",
    ),
]
# The first demo claim: claims and tasks came later, so they have their own marker.
CLAIMS_MARKER = "seed:claim:0"
# The first demo warning: its presence means the account administration demo is in place.
ACCOUNTS_MARKER = "seed:warning:0"
ALUMNUS_EMAIL = "alumnus@upas.test"
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
# title, location, days from today, local start hour (None: it started an hour ago, the event on
# now), length in hours, capacity, attendees (past events and the one on now). The guest lecture
# is eight days back so that "last week so far" has check-ins on every day but Monday.
EVENTS = [
    ("Careers fair", "Great Hall", -20, 10, 4, None, 60),
    ("Guest lecture: AI safety", "Lecture Theatre 1", -8, 14, 2, 120, 45),
    ("Hackathon kick-off", "Engineering Atrium", -3, 17, 3, 80, 30),
    ("Study skills workshop", "Library Room 2", 0, None, 3, 40, 12),
    ("Open day volunteers briefing", "Student Union", 2, 12, 1, 30, 0),
    ("Research poster evening", "Biosciences Foyer", 6, 17, 3, None, 0),
]
# Before those, half a year of weekly department seminars (a handful come to each), so that
# the past events run to a second page (the list shows 24 a page).
SEMINAR_TOPICS = [
    "Graph neural networks",
    "Climate data at scale",
    "Privacy by design",
    "Robot grasping",
    "Quantum error correction",
    "Accessible interfaces",
    "Compilers for GPUs",
    "Soil sensors",
    "Fair ranking",
    "Protein folding",
    "Secure boot",
    "Urban mobility data",
    "Speech on device",
    "Formal proofs in practice",
    "Low-power radios",
    "Open hardware",
    "Energy markets",
    "Medical imaging",
    "Distributed databases",
    "Ethics of automation",
    "Satellite imaging",
    "Bioinformatics pipelines",
    "Human-robot trust",
    "Software supply chains",
]
SEMINAR = "Department seminar: "
SEMINARS = [
    (f"{SEMINAR}{topic}", "Seminar Room 3", -7 * (5 + i), 16, 1, 40, 2 + i % 4)
    for i, topic in enumerate(SEMINAR_TOPICS)
]
# One attendee in this many is checked in by hand by the organiser (a manual check-in is an
# entry with the organiser as actor: "points you awarded"); the others type the code.
MANUAL_CHECKIN_EVERY = 8

# Rows the services stamp with the model's default time: `default=timezone.now` is bound when
# the model is defined, so setting the clock back does not reach it, and `_clock` dates the rows
# created under it afterwards (model -> its time field). Ledger entries take the clock itself.
STAMPED: dict[type[models.Model], str] = {
    Notification: "created_at",
    CheckIn: "created_at",
    CheckInAttempt: "created_at",
    AttendanceDispute: "created_at",
    Redemption: "created_at",
    AuditLog: "created_at",
    Event: "created_at",
    Draw: "created_at",
    DrawEntry: "created_at",
    Task: "created_at",
    TaskAssignment: "claimed_at",
    ActivityClaim: "created_at",
}
# Notifications older than this are marked read: the demo student has a handful unread.
READ_AFTER = timedelta(days=3)

# (when, order, action): demo activity that moves points, run oldest first as it happened.
Plan = list[tuple[datetime, int, Callable[[], object]]]

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


def ascii_local_part(name: str) -> str:
    """ "Zoë O'Brien" -> "zoe.obrien": demo addresses the sign-in form accepts (ASCII only)."""
    # Letters NFKD does not split into a base letter and an accent.
    name = name.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "ł": "l"}))
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join("".join(c for c in part if c.isalnum()) for part in folded.lower().split())


class Command(BaseCommand):
    help = "Load the demo data set (about 200 students with history). Development only; idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's emails run at once in this process (see quiet_mail): their task log lines
        # would bury the summary below.
        logging.getLogger("django_tasks").setLevel(logging.WARNING)
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
            # An admin who looks after one department's students' accounts only.
            dept_admin = self._user("dept.admin@upas.test", "Nadia Farah", Role.ADMIN, password)
            User.objects.filter(pk=dept_admin.pk).update(admin_department=departments[0])
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
            # The last demo student is the Robotics Club's officer, with a known login (only
            # in a demo large enough for clubs).
            with_clubs = options["students"] >= MIN_STUDENTS_FOR_CLUBS
            for i in range(1, options["students"] - (1 if with_clubs else 0)):
                dept = departments[i % len(departments)]
                name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"
                email = f"{ascii_local_part(name)}{i}@upas.test"
                number = f"{dept.code}{2022 + i % 4}{i:03d}"
                students.append(self._student(email, name, number, dept, 1 + i % 4, password))
            if with_clubs:
                students.append(
                    self._student(
                        "officer@upas.test", "Leo Martin", "CS2023900", departments[0], 3, password
                    )
                )
        # Every student has a mentor (before their claims, so the mentor hears of them): the
        # demo faculty member mentors every third, the demo student among them.
        if not StudentProfile.objects.filter(mentor__isnull=False).exists():
            self._mentors(students, faculty, admin)
        # A few students prefer privacy on the leaderboard.
        StudentProfile.objects.filter(pk__in=[s.pk for s in students[5::11]]).update(
            show_on_leaderboard=False
        )

        before = Transaction.objects.count()
        # Activity is generated once, in one transaction: a second run finds the marker entry
        # and changes nothing (retrying refused demo actions later could succeed and differ).
        # The demo people have no real mailboxes: notifications are kept in-app only.
        # Their emails run at once, in this thread (not queued for the worker, which would
        # print hundreds of them later), so the dummy backend applies.
        quiet_mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TASKS={
                "default": {
                    "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                    "QUEUES": ["default", "email"],
                }
            },
        )
        if not Transaction.objects.filter(idempotency_key=DONE_MARKER).exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                plan: Plan = []
                self._history(rng, students, [*faculty, admin], categories, plan)
                events = self._events(rng, students, faculty, categories, plan)
                rewards = self._rewards()
                self._redemptions(rng, students, rewards, admin, plan)
                # Everything that moves points, in the order it happened: levels, badges, caps
                # and balances then read as they would have on the day.
                for when, _n, action in sorted(plan, key=lambda step: step[:2]):
                    with _clock(when):
                        action()
                for event in events:
                    if event.closes_at < timezone.now():
                        event.status = Event.Status.COMPLETED
                        event.save(update_fields=["status"])
                self._draws(rng, students, rewards, admin)
                ledger.award_points(
                    actor=faculty[0],
                    student_id=students[1].pk,
                    category_id=categories[0].pk,
                    amount=30,
                    reason="Best lab report this week",
                    idempotency_key=DONE_MARKER,
                )
                _read_older(first_note)
        if not ActivityClaim.objects.filter(idempotency_key=CLAIMS_MARKER).exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                self._claims_and_tasks(students, faculty, admin, categories)
                _read_older(first_note)
        if not AccountWarning.objects.filter(idempotency_key=ACCOUNTS_MARKER).exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                self._account_admin(students, admin)
                _read_older(first_note)
        if not ApiToken.objects.exists():
            self._api_tokens(students, admin)
        if not User.objects.filter(email=ALUMNUS_EMAIL).exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                self._alumnus(departments[0], faculty[0], admin, categories, password)
                _read_older(first_note)
        if with_clubs and not Club.objects.exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                # A suspended demo student (account administration) joins nothing.
                active = set(
                    User.objects.filter(
                        is_active=True, pk__in=[s.user_id for s in students]
                    ).values_list("pk", flat=True)
                )
                members = [s for s in students[:-1] if s.user_id in active]
                self._clubs(rng, members, students[-1], faculty, admin, categories)
                _read_older(first_note)
        adviser = ClubMembership.Position.ADVISER
        robotics = Club.objects.filter(slug="robotics").first()
        if robotics and not ClubMembership.objects.filter(position=adviser).exists():
            # The demo faculty member advises the Robotics Club: its members' claims come
            # next in their review queue, after their mentees'.
            club_services.appoint_adviser(actor=admin, club_id=robotics.pk, email=faculty[0].email)
        if with_clubs and not AttendanceDispute.objects.exists():
            with quiet_mail, transaction.atomic():
                first_note = _last_pks()[Notification]
                self._attendance_corrections(students, faculty)
                _read_older(first_note)
        if not Certificate.objects.exists():
            with quiet_mail:
                first_note = _last_pks()[Notification]
                self._certificates(students, admin, categories)
                _read_older(first_note)
        if not DiscordLink.objects.exists():
            # The demo student's Discord account (a made-up id), linked as /link links it.
            code, _pending = discord_services.create_link_code(user=students[0].user)
            discord_services.link_account(discord_user_id=DEMO_DISCORD_ID, code=code)
        if not WebhookEndpoint.objects.exists():
            self._webhooks(admin)
        seed_halls(admin=admin, organisers=[faculty[0], faculty[1]], quiet=quiet_mail)
        seed_career(students=students, faculty=faculty[0], admin=admin, quiet=quiet_mail)
        seed_partners(students=students, admin=admin, password=password, quiet=quiet_mail)
        total = Transaction.objects.count()
        created = total - before
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(students)} students, {len(faculty)} faculty, 2 admins, "
                f"{len(categories)} categories, {total} ledger entries ({created} new)."
            )
        )
        self.stdout.write(
            f"Sign in at {os.environ.get('UPAS_RUN_URL', 'http://127.0.0.1:8000/')} with password "
            "'upas-demo' as\n"
            "  admin@upas.test    (admin)\n"
            "  dept.admin@upas.test (admin of one department's students)\n"
            "  faculty@upas.test  (faculty, mentor of a third of the students, adviser of the "
            "Robotics Club)\n"
            "  student@upas.test  (student)\n"
            "  officer@upas.test  (student, officer of the Robotics Club)\n"
            f"  {ALUMNUS_EMAIL} (alumnus: graduated last academic year)\n"
            "  partner@upas.test  (partner: a reviewer from Northwind Analytics)"
        )
        live = (
            Event.objects.filter(
                organiser__email="faculty@upas.test",
                status=Event.Status.PUBLISHED,
                starts_at__lte=timezone.now(),
                ends_at__gt=timezone.now(),
            )
            .order_by("pk")
            .first()
        )
        if live is not None:
            self.stdout.write(
                f"Door passes: student@upas.test shows /pass/; faculty@upas.test scans it at "
                f"/events/{live.pk}/passes/ ({live.title}, on now)."
            )
        self.stdout.write(
            "Halls: three halls with a week of bookings at /halls/ (requests to decide at "
            "/staff/hall-bookings/). Resume reviews at /career/: faculty@upas.test and "
            "admin@upas.test review at /career/reviewing/, partner@upas.test for Northwind "
            "Analytics (one proposal to confirm)."
        )
        self.stdout.write(
            f"Discord: student@upas.test is linked to the Discord user {DEMO_DISCORD_ID}; "
            "see docs/DISCORD.md to run the bot."
        )
        warned = User.objects.filter(account_warnings__isnull=False).distinct().order_by("pk")
        suspended = User.objects.filter(
            pk__in=Suspension.objects.filter(lifted_at__isnull=True).values("user_id")
        ).order_by("pk")
        self.stdout.write(
            "API: two demo tokens (secrets not kept); for one to use: manage.py "
            "create_api_token NAME --owner admin@upas.test --scopes read,award"
        )
        self.stdout.write(
            "Account administration: warned "
            + ", ".join(u.email for u in warned)
            + "; suspended "
            + ", ".join(u.email for u in suspended)
        )

    def _certificates(
        self, students: list[StudentProfile], admin: User, categories: list[Category]
    ) -> None:
        """Past events' certificates in bulk, one an admin issued by hand, one revoked; from
        now on Volunteering claims and the events on now and to come give certificates; the
        demo student signed a transcript and hid one item from it."""
        Category.objects.filter(name="Volunteering").update(issues_certificate=True)
        forget_active_categories()  # an update() sends no signal
        now = timezone.now()
        Event.objects.filter(ends_at__gt=now).update(offers_certificate=True)
        demo = students[0]
        past = Event.objects.filter(ends_at__lt=now, club__isnull=True).order_by("-starts_at")[:2]
        for event in past:
            with transaction.atomic():
                if not CheckIn.objects.filter(event=event, student=demo).exists():
                    # The demo student was there too, checked in by hand on the day.
                    with _clock(event.starts_at + timedelta(minutes=20)):
                        check_in(actor=event.organiser, event_id=event.pk, student_id=demo.pk)
            with transaction.atomic():  # the bulk issue runs when this commits
                certificate_services.start_batch(actor=admin, event_id=event.pk)
        certificate_services.issue_by_admin(
            actor=admin,
            enrollment_number=demo.enrollment_number,
            title="Student ambassador, autumn open day",
            activity_date=timezone.localdate() - timedelta(days=20),
            description="Welcomed visiting families and led three campus tours.",
            idempotency_key="demo-certificate-ambassador",
        )
        other = Certificate.objects.exclude(holder=demo).order_by("pk").first()
        if other is not None:
            certificate_services.revoke(
                actor=admin,
                certificate_id=other.pk,
                reason="Issued by mistake: the student left before the talk began.",
            )
        hidden = CheckIn.objects.filter(student=demo, annulled_at__isnull=True).order_by("pk")
        if (first := hidden.first()) is not None:
            certificate_services.set_hidden(
                actor=demo.user, kind="checkin", item_id=first.pk, hidden=True
            )
        certificate_services.issue_transcript(actor=demo.user)

    def _webhooks(self, admin: User) -> None:
        """One endpoint at an address that does not resolve, subscribed to everything, with a
        delivery log showing each state: delivered, waiting for a retry, failed for good.
        Registered last, so the demo's own changes are not announced to it."""
        endpoint, _secret = webhook_services.register_endpoint(
            actor=admin,
            url="https://hooks.example.edu/upas",
            events=WebhookEvent.values,
            description="Learning platform (demo: this address does not exist)",
        )
        now = timezone.now()
        entries = Transaction.objects.filter(kind=Transaction.Kind.AWARD).select_related(
            "student", "category"
        )
        rows = [
            WebhookDelivery(
                endpoint=endpoint,
                event_kind=WebhookEvent.POINTS_AWARDED,
                payload=webhook_services.entry_payload(entry.student, entry),
                status=WebhookDelivery.Status.DELIVERED,
                attempts=1,
                last_status_code=200,
                last_attempt_at=now - timedelta(minutes=50 - i),
                delivered_at=now - timedelta(minutes=50 - i),
                created_at=now - timedelta(minutes=50 - i),
            )
            for i, entry in enumerate(entries.order_by("-pk")[:4])
        ]
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                event_kind=WebhookEvent.DRAW_PERFORMED,
                payload={"draw_id": 1, "picks": []},
                status=WebhookDelivery.Status.FAILED,
                attempts=webhook_services.MAX_ATTEMPTS,
                last_error="TimeoutError: timed out",
                last_attempt_at=now - timedelta(hours=2),
                created_at=now - timedelta(days=1),
            ),
            WebhookDelivery(
                endpoint=endpoint,
                event_kind=WebhookEvent.REDEMPTION_DECIDED,
                payload={"redemption_id": 1, "decision": "approve", "status": "approved"},
                status=WebhookDelivery.Status.PENDING,
                attempts=2,
                last_status_code=503,
                last_error="HTTP 503: Service Unavailable",
                last_attempt_at=now - timedelta(minutes=1),
                next_attempt_at=now + timedelta(minutes=4),
                created_at=now - timedelta(minutes=7),
            ),
            WebhookDelivery(
                endpoint=endpoint,
                event_kind=PING,
                payload={"endpoint_id": endpoint.pk, "sent_by_id": admin.pk},
                status=WebhookDelivery.Status.DELIVERED,
                attempts=1,
                last_status_code=204,
                last_attempt_at=now - timedelta(hours=3),
                delivered_at=now - timedelta(hours=3),
                created_at=now - timedelta(hours=3),
            ),
        ]
        WebhookDelivery.objects.bulk_create(rows)

    def _alumnus(
        self,
        dept: Department,
        teacher: User,
        admin: User,
        categories: list[Category],
        password: str,
    ) -> None:
        """A graduate of last academic year with history: awards over their final year, a
        reward redeemed and handed over, graduated just before this academic year began (the
        year-end page still offers this year's close)."""
        profile = self._student(ALUMNUS_EMAIL, "Grace Mensah", "CS2022050", dept, 4, password)
        current = year_end_selectors.current_academic_year()
        begun = local_midnight(date(int(current[:4]), settings.UPAS_ACADEMIC_YEAR_START_MONTH, 1))
        for n, days in enumerate((330, 270, 200, 150, 110)):
            category = categories[n % len(categories)]
            ledger.award_points(
                actor=teacher,
                student_id=profile.pk,
                category_id=category.pk,
                amount=category.default_points,
                reason=REASONS[category.name][0],
                idempotency_key=f"demo-alumnus-{n}",
                at=begun - timedelta(days=days),
            )
        reward = Reward.objects.filter(is_active=True).order_by("cost").first()
        profile.refresh_from_db()
        if reward is not None and reward.cost <= profile.balance:
            with _clock(begun - timedelta(days=100)):
                redemption = redeem_reward(
                    actor=profile.user, reward_id=reward.pk, idempotency_key="demo-alumnus-r"
                )
            for days, step in ((99, Redemption.Decision.APPROVE), (97, Redemption.Decision.FULFIL)):
                with _clock(begun - timedelta(days=days)):
                    decide_redemption(actor=admin, redemption_id=redemption.pk, decision=step)
        first = int(current[:4]) - 1
        with _clock(begun - timedelta(days=3)):
            year_end.graduate_student(
                actor=admin, student_id=profile.pk, academic_year=f"{first}/{current[2:4]}"
            )

    def _account_admin(self, students: list[StudentProfile], admin: User) -> None:
        """Warnings and a suspension, through the services (audited like the real thing): one
        student with a warning, one with three (the person page suggests a suspension), one
        suspended for two weeks. Not the demo logins, and not in a demo too small for it."""
        if len(students) < 7:
            return
        reasons = [
            "Shared an event check-in code in a group chat.",
            "Claimed points for a workshop they did not attend.",
            "Disrupted the robotics night check-in queue.",
        ]
        account_admin.issue_warning(
            actor=admin,
            user_id=students[2].user_id,
            reason=reasons[0],
            idempotency_key="demo-warning-single",
        )
        for i, reason in enumerate(reasons):
            account_admin.issue_warning(
                actor=admin,
                user_id=students[3].user_id,
                reason=reason,
                idempotency_key=ACCOUNTS_MARKER if i == 0 else f"demo-warning-{i}",
            )
        account_admin.suspend_account(
            actor=admin,
            user_id=students[4].user_id,
            reason="Repeated false activity claims; suspended pending a meeting with the dean.",
            ends_at=timezone.now() + timedelta(days=14),
        )
        # One student asked for their data to be erased: the admins' queue shows it.
        data_rights.request_erasure(
            user=students[6].user, note="I am transferring to another university."
        )

    def _api_tokens(self, students: list[StudentProfile], admin: User) -> None:
        """An integration token on /staff/api-tokens/ and the demo student's personal token on
        their settings page. Their secrets are not printed or kept: make a usable one with
        `manage.py create_api_token`."""
        api_token_services.create_api_token(
            actor=admin,
            name="Moodle points sync (demo)",
            owner=admin,
            scopes=[ApiScope.READ, ApiScope.AWARD],
            days=365,
        )
        api_token_services.create_personal_token(actor=students[0].user)

    def _events(
        self,
        rng: random.Random,
        students: list[StudentProfile],
        faculty: list[User],
        categories: list[Category],
        plan: Plan,
    ) -> list[Event]:
        """Past events with attendance, one on now (some students have checked in; the demo
        student can), more to come. Check-ins are planned within each event's check-in window:
        most students typed the code, a few were checked in by hand by the organiser."""
        attendance = next(c for c in categories if c.name == "Event attendance")
        now = timezone.now()
        today = timezone.localdate()
        events = []
        for title, location, days, hour, length, capacity, attendees in EVENTS + SEMINARS:
            seminar = title.startswith(SEMINAR)
            if hour is None:  # the event on now: started on the hour, an hour ago
                start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            else:
                day = today + timedelta(days=days)
                if seminar:  # on the Wednesday of that week
                    day -= timedelta(days=(day.weekday() - 2) % 7)
                midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
                start = midnight + timedelta(hours=hour)
            with _clock(min(start, now) - timedelta(days=14)):  # announced two weeks ahead
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
            events.append(event)
            if not created or event.opens_at >= now:
                continue
            # Arrivals from the opening of check-in to 45 minutes in (up to a minute ago). The
            # seminars draw from their own generator: the rest of the demo stays as it was.
            latest = min(event.starts_at + timedelta(minutes=45), now - timedelta(minutes=1))
            span = (latest - event.opens_at).total_seconds()
            draw = random.Random(title) if seminar else rng  # noqa: S311 - demo data
            for n, profile in enumerate(
                draw.sample(students[1:], min(attendees, len(students) - 1))
            ):
                when = event.opens_at + timedelta(seconds=draw.uniform(0, span))
                manual = n % MANUAL_CHECKIN_EVERY == MANUAL_CHECKIN_EVERY - 1
                plan.append((when, len(plan), _attend(event, profile, manual=manual)))
        return events

    def _clubs(
        self,
        rng: random.Random,
        students: list[StudentProfile],
        officer: StudentProfile,
        faculty: list[User],
        admin: User,
        categories: list[Category],
    ) -> None:
        """Three clubs with officers and members; the Robotics Club's build night requires
        registration and is full with a waitlist, and its intro session last week shows
        registered, attended, no-show and walk-in counts. Everything through the services."""
        attendance = next(c for c in categories if c.name == "Event attendance")
        clubs = {}
        for name, slug, description in CLUBS:
            club = club_services.save_club(
                actor=admin, club=Club(name=name, slug=slug, description=description)
            )
            clubs[slug] = club
        appoint = club_services.appoint_officer
        appoint(actor=admin, club_id=clubs["robotics"].pk, email=officer.user.email)
        appoint(actor=admin, club_id=clubs["robotics"].pk, email=faculty[1].email)
        appoint(actor=admin, club_id=clubs["debating"].pk, email=students[3].user.email)
        appoint(actor=admin, club_id=clubs["debating"].pk, email=faculty[2].email)
        appoint(actor=admin, club_id=clubs["photography"].pk, email=students[7].user.email)
        pool = [s for s in students[1:] if s.pk not in (students[3].pk, students[7].pk)]
        for club, size in zip(clubs.values(), (34, 22, 15), strict=True):
            for profile in rng.sample(pool, min(size, len(pool))):
                club_services.join_club(actor=profile.user, club_id=club.pk)
        club_services.join_club(actor=students[0].user, club_id=clubs["robotics"].pk)

        now = timezone.now()
        today = timezone.localdate()

        def at(days: int, hour: int) -> datetime:
            return timezone.make_aware(
                datetime.combine(today + timedelta(days=days), datetime.min.time())
            ) + timedelta(hours=hour)

        def club_event(
            club: Club, organiser: User, title: str, start: datetime, **extra: Any
        ) -> Event:
            with _clock(min(start, now) - timedelta(days=14)):
                event = event_services.save_event(
                    actor=organiser,
                    event=Event(
                        title=title,
                        location=extra.pop("location", "Engineering building, lab 2"),
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        category=attendance,
                        attendance_points=extra.pop("points", 10),
                        club=club,
                        description=extra.pop("description", ""),
                        **extra,
                    ),
                )
                event_services.set_event_status(
                    actor=organiser, event_id=event.pk, status=Event.Status.PUBLISHED
                )
            return event

        robotics = clubs["robotics"]
        members = list(
            StudentProfile.objects.filter(
                user__club_memberships__club=robotics,
                user__club_memberships__position=ClubMembership.Position.MEMBER,
            )
            .exclude(pk=students[0].pk)
            .order_by("pk")
        )
        # Last week's intro session: 10 registered, 7 came, 3 did not, 2 walked in.
        intro = club_event(
            robotics,
            officer.user,
            "Robotics intro session",
            at(-6, 17),
            requires_registration=True,
            capacity=12,
            description="Meet the team and the robots. Registration required.",
        )
        for n, profile in enumerate(members[:10]):
            with _clock(intro.starts_at - timedelta(days=5, hours=-n)):
                registration_services.register(actor=profile.user, event_id=intro.pk)
        for n, profile in enumerate(members[:7]):
            with _clock(intro.starts_at + timedelta(minutes=n)):
                check_in(actor=profile.user, event_id=intro.pk, code=current_code(intro))
        for profile in members[10:12]:
            with _clock(intro.starts_at + timedelta(minutes=20)):
                check_in(actor=officer.user, event_id=intro.pk, student_id=profile.pk)
        intro.status = Event.Status.COMPLETED
        intro.save(update_fields=["status"])

        # Next week's build night: 8 places, all taken, 4 on the waitlist; the demo student
        # can join the waitlist, and a student who gives up a place passes it on at once.
        build = club_event(
            robotics,
            officer.user,
            "Robot build night",
            at(5, 18),
            requires_registration=True,
            capacity=8,
            points=15,
            description="Build a line-following robot in teams. Eight places; bring a laptop.",
        )
        for n, profile in enumerate(members[12:25]):
            with _clock(now - timedelta(days=2, minutes=-n * 30)):
                registration_services.register(actor=profile.user, event_id=build.pk)
        if len(members) > 12:  # (a small demo, `--students 15`, has fewer members)
            with _clock(now - timedelta(hours=3)):
                registration_services.unregister(actor=members[12].user, event_id=build.pk)

        club_event(
            clubs["debating"],
            faculty[2],
            "Open debate: AI in the classroom",
            at(3, 17),
            location="Humanities, room 104",
            description="Motion: this house would let students use AI in every exam.",
        )
        club_event(
            clubs["photography"],
            students[7].user,
            "Photo walk around campus",
            at(9, 10),
            location="Main gate",
            requires_registration=True,
            capacity=20,
            description="Bring any camera, a phone will do.",
        )

    def _attendance_corrections(self, students: list[StudentProfile], faculty: list[User]) -> None:
        """Issue 19, item 6, through the services: at last week's Robotics intro session one
        no-show is excused, one was refused at the door (a wrong code) and disputes it ("I was
        there", waiting in the officers' queue), and one walk-in's check-in is annulled; a
        student refused at the study skills workshop (on now, Dr Maria Lopez's) disputes it
        too; and the Robotics Club's soldering workshop is cancelled after students (the demo
        student among them) registered, so they got the cancellation notice."""
        officer = students[-1]
        robotics = Club.objects.get(slug="robotics")
        members = list(
            StudentProfile.objects.filter(
                user__club_memberships__club=robotics,
                user__club_memberships__position=ClubMembership.Position.MEMBER,
            )
            .exclude(pk=students[0].pk)
            .order_by("pk")
        )
        intro = Event.objects.get(title="Robotics intro session")
        after = intro.ends_at + timedelta(hours=1)
        absent = [
            registration
            for registration in intro.registrations.select_related("student__user").order_by(
                "created_at", "id"
            )
            if not CheckIn.objects.standing().filter(event=intro, student=registration.student)
        ]
        if len(absent) >= 2:
            with _clock(after):
                attendance_services.set_excused(
                    actor=officer.user, registration_id=absent[0].pk, excused=True
                )
            refused = absent[1].student
            # A mistyped code: refused, and on record for the officers.
            with _clock(intro.starts_at + timedelta(minutes=4)), contextlib.suppress(PortalError):
                check_in(actor=refused.user, event_id=intro.pk, code="WRONG7")
            with _clock(after + timedelta(hours=2)):
                attendance_services.file_dispute(
                    actor=refused.user,
                    event_id=intro.pk,
                    note="I was there from the start, by the 3D printer. The code said wrong "
                    "twice, then I gave up and stayed for the session.",
                )
        walk_ins = CheckIn.objects.standing().filter(event=intro, method=CheckIn.Method.MANUAL)
        for walk_in in walk_ins.select_related("student").order_by("-id"):
            if walk_in.student.balance >= intro.attendance_points:
                with _clock(after + timedelta(minutes=30)):
                    attendance_services.annul_checkin(
                        actor=officer.user,
                        checkin_id=walk_in.pk,
                        reason="Signed in at the door for a friend, then left.",
                    )
                break
        workshop = Event.objects.filter(title="Study skills workshop").first()
        if workshop is not None and workshop.opens_at < timezone.now():
            came = CheckIn.objects.filter(event=workshop).values("student")
            someone = (
                StudentProfile.objects.filter(
                    user__is_active=True, pk__in=[s.pk for s in students[1:-1]]
                )
                .exclude(pk__in=came)
                .order_by("pk")
                .first()
            )
            if someone is not None:
                refused_at = timezone.now() - timedelta(minutes=25)
                with _clock(refused_at), contextlib.suppress(PortalError):
                    check_in(actor=someone.user, event_id=workshop.pk, code="WRONG7")
                with _clock(timezone.now() - timedelta(minutes=15)):
                    attendance_services.file_dispute(
                        actor=someone.user,
                        event_id=workshop.pk,
                        note="My phone's clock is off: every code I typed was refused. I am in "
                        "the second row.",
                    )
        # The soldering workshop: announced, registered for, then called off by the officer.
        start = timezone.make_aware(
            datetime.combine(timezone.localdate() + timedelta(days=4), datetime.min.time())
        ) + timedelta(hours=18)
        with _clock(timezone.now() - timedelta(days=6)):
            soldering = event_services.save_event(
                actor=officer.user,
                event=Event(
                    title="Robot soldering workshop",
                    location="Engineering building, lab 2",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    category=intro.category,
                    attendance_points=10,
                    club=robotics,
                    requires_registration=True,
                    capacity=10,
                    description="Solder your own motor driver board. Ten places.",
                ),
            )
            event_services.set_event_status(
                actor=officer.user, event_id=soldering.pk, status=Event.Status.PUBLISHED
            )
        for n, profile in enumerate([students[0], *members[25:31]]):
            with _clock(timezone.now() - timedelta(days=5, hours=-n)):
                registration_services.register(actor=profile.user, event_id=soldering.pk)
        with _clock(timezone.now() - timedelta(hours=20)):
            event_services.set_event_status(
                actor=officer.user, event_id=soldering.pk, status=Event.Status.CANCELLED
            )

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
        self,
        rng: random.Random,
        students: list[StudentProfile],
        rewards: list[Reward],
        admin: User,
        plan: Plan,
    ) -> None:
        """Some students redeemed over the past ten weeks; the admin approved, handed over or
        rejected some of them a day or two later (the latest are still waiting)."""
        now = timezone.now()
        decisions = [
            None,
            None,
            Redemption.Decision.APPROVE,
            Redemption.Decision.FULFIL,
            Redemption.Decision.REJECT,
        ]
        made: dict[int, Redemption] = {}
        for n, profile in enumerate(students[1:60:2]):
            reward = rng.choice(rewards[:5])
            when = now - timedelta(days=rng.uniform(0.2, 70))
            plan.append((when, len(plan), _redeem(made, n, profile, reward)))
            decision = decisions[n % len(decisions)]
            steps = {
                Redemption.Decision.FULFIL: [
                    Redemption.Decision.APPROVE,
                    Redemption.Decision.FULFIL,
                ]
            }.get(decision, [decision] if decision else [])
            for step in steps:
                when += timedelta(hours=rng.uniform(3, 60))
                if when > now - timedelta(minutes=10):
                    break  # not decided yet
                plan.append((when, len(plan), _decide(made, n, admin, step)))

    def _draws(
        self, rng: random.Random, students: list[StudentProfile], rewards: list[Reward], admin: User
    ) -> None:
        """A performed draw for a past event's attendees, a performed draw the demo student
        entered, an open draw anyone can enter, and one for the event on now (check in first)."""
        now = timezone.now()
        hackathon = Event.objects.get(title="Hackathon kick-off")
        workshop = Event.objects.get(title="Study skills workshop")
        with _clock(hackathon.starts_at - timedelta(days=2)):
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
        with _clock(hackathon.ends_at + timedelta(minutes=30)):
            draws.perform_draw(actor=admin, draw_id=past.pk)
        opened, closed = now - timedelta(days=8), now - timedelta(days=1)
        with _clock(opened):
            coffee = draws.save_draw(
                actor=admin,
                draw=Draw(
                    title="Coffee week giveaway",
                    prize="A campus café voucher",
                    reward=rewards[0],
                    winners_count=4,
                    alternates_count=2,
                    entry_deadline=closed,
                    claim_deadline=now + timedelta(days=6),
                ),
            )
        # Entries made last week (its entry deadline has passed), the demo student's among them.
        for profile in [students[0], *rng.sample(students[1:], min(15, len(students) - 1))]:
            entered = opened + timedelta(seconds=rng.uniform(0, (closed - opened).total_seconds()))
            with _clock(entered):
                draws.enter_draw(actor=profile.user, draw_id=coffee.pk)
        performed = closed + timedelta(hours=1)
        with _clock(performed):
            draws.perform_draw(actor=admin, draw_id=coffee.pk)
        # Most winners claimed within the day.
        for pick in coffee.winners.filter(is_alternate=False).select_related("entry__student"):
            if pick.entry.student_id != students[0].pk and rng.random() < 0.7:
                with _clock(performed + timedelta(hours=rng.uniform(0.5, 20))):
                    draws.claim_prize(actor=pick.entry.student.user, winner_id=pick.pk)
        opened = now - timedelta(days=4)
        with _clock(opened):
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
        entrants = rng.sample(students[1:], min(40, len(students) - 1))
        times = sorted(rng.uniform(0, (now - opened).total_seconds()) for _ in entrants)
        for profile, seconds in zip(entrants, times, strict=True):
            with _clock(opened + timedelta(seconds=seconds)):
                draws.enter_draw(actor=profile.user, draw_id=hoodie.pk)
        with _clock(workshop.starts_at - timedelta(days=3)):
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

    def _mentors(self, students: list[StudentProfile], faculty: list[User], admin: User) -> None:
        """Each student's mentor, from a file as an admin would upload it (one audited
        import): the faculty take turns, so the demo faculty member has every third student."""
        rows = [
            f"{profile.enrollment_number},{faculty[i % len(faculty)].email}"
            for i, profile in enumerate(students)
        ]
        data = "\n".join(["enrollment_number,mentor_email", *rows]).encode()
        mentor_services.import_mentors(actor=admin, data=data)

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
        recently = now - timedelta(minutes=20)  # the latest a seeded review is made
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
            with _clock(now - timedelta(days=8 - n / 2)):  # posted over the last week or so
                tasks.append(task_services.save_task(actor=faculty[n % len(faculty)], task=task))
        # The demo student is working on one; others are in progress, submitted (some with a
        # photo), approved or rejected.
        with _clock(now - timedelta(days=1, hours=3)):
            task_services.claim_task(actor=students[0].user, task_id=tasks[2].pk)
        for n, profile in enumerate(students[2:24]):
            task = tasks[n % len(tasks)]
            with contextlib.suppress(PortalError):  # full: fine for a demo
                taken_at = now - timedelta(days=rng.uniform(2, 6))
                with _clock(taken_at):
                    taken = task_services.claim_task(actor=profile.user, task_id=task.pk)
                if n % 4 == 0:
                    continue
                submitted_at = taken_at + timedelta(days=rng.uniform(0.2, 1.5))
                with _clock(submitted_at):
                    task_services.submit_task(
                        actor=profile.user,
                        assignment_id=taken.pk,
                        text=f"Done: {task.title.lower()}. Notes and photos attached.",
                        file=_evidence(profile.user.name, task.title, "png") if n % 3 else None,
                    )
                if n % 4 == 3:
                    with _clock(min(submitted_at + timedelta(hours=rng.uniform(3, 30)), recently)):
                        task_services.decide_task(
                            actor=reviewers[n % len(reviewers)],
                            assignment_id=taken.pk,
                            decision="approve" if n % 8 == 3 else "reject",
                            comment=""
                            if n % 8 == 3
                            else "Please add a photo of the finished work.",
                        )
        # Activity claims, the demo student's first (one waiting, one approved), each made
        # after the activity and reviewed up to two days later.
        claimants = [students[0], students[0], *students[25:45]]
        for n, profile in enumerate(claimants):
            category, what = CLAIMS[n % len(CLAIMS)]
            category = by_name[category]
            days_ago = 3 + n * 2
            made_at = now - timedelta(days=rng.uniform(0.1, min(9, days_ago - 1)))
            try:
                with _clock(made_at):
                    claim = claim_services.submit_claim(
                        actor=profile.user,
                        category_id=category.pk,
                        points=min(category.max_points, category.default_points + 5 * (n % 3)),
                        description=what,
                        activity_date=timezone.localdate() - timedelta(days=days_ago),
                        evidence=_evidence(profile.user.name, what, "pdf" if n % 3 == 1 else "png"),
                        idempotency_key=f"seed:claim:{n}",
                    )
            except PortalError:
                continue  # over a yearly cap: the demo skips it
            reviewed_at = min(made_at + timedelta(hours=rng.uniform(2, 48)), recently)
            if n == 1 or (n > 1 and n % 5 == 0):
                with contextlib.suppress(PortalError), _clock(reviewed_at):
                    claim_services.decide_claim(
                        actor=reviewers[n % len(reviewers)], claim_id=claim.pk, decision="approve"
                    )
            elif n % 7 == 3:
                with _clock(reviewed_at):
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
        existing = StudentProfile.objects.select_related("user").filter(enrollment_number=number)
        profile = existing.first()
        if profile is not None:
            if profile.user.email != email:  # seeded before the addresses became ASCII
                EmailAddress.objects.filter(user=profile.user).update(email=email)
                User.objects.filter(pk=profile.user_id).update(email=email)
            return profile
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
        plan: Plan,
    ) -> None:
        """About 5 awards per student over the last 16 weeks, some deductions."""
        now = timezone.now()
        for s_index, profile in enumerate(students):
            awards = 8 if s_index == 0 else rng.randint(0, 9)
            for n in range(awards):
                category = rng.choice(categories)
                at = now - timedelta(days=rng.uniform(0, 110), hours=rng.uniform(0, 8))
                actor = rng.choice(staff)
                amount = rng.randrange(category.min_points, category.max_points + 1, 5)
                reason = rng.choice(REASONS[category.name])
                plan.append(
                    (
                        at,
                        len(plan),
                        _award(actor, profile, category, amount, reason, f"{n}"),
                    )
                )
            if s_index % 17 == 3:
                at = now - timedelta(days=rng.uniform(1, 30))
                plan.append((at, len(plan), _deduct(staff[0], profile)))


def _last_pks() -> dict[type[models.Model], int]:
    """The highest id in each STAMPED table, in one query (a clock is set ~1,300 times)."""
    quote = connection.ops.quote_name
    maxima = [f"MAX({quote(m._meta.pk.column)}) FROM {quote(m._meta.db_table)}" for m in STAMPED]
    sql = "SELECT " + ", ".join(f"(SELECT {m})" for m in maxima)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {model: last or 0 for model, last in zip(STAMPED, row, strict=True)}


@contextlib.contextmanager
def _clock(when: datetime) -> Iterator[None]:
    """Run services as if it were `when`: their ledger entries, decisions and deadlines read
    the patched clock (entries are immutable, so they must be written with their time), and
    the rows stamped by a model default are dated afterwards (see STAMPED)."""
    before = _last_pks()
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield
    for model, last in _last_pks().items():
        if last > before[model]:
            model.objects.filter(pk__gt=before[model]).update(**{STAMPED[model]: when})


def _read_older(first_note: int) -> None:
    """The demo's notifications older than a few days were read a few hours after they came."""
    Notification.objects.filter(
        pk__gt=first_note, created_at__lt=timezone.now() - READ_AFTER
    ).update(read_at=F("created_at") + timedelta(hours=5))


def _award(
    actor: User, profile: StudentProfile, category: Category, amount: int, reason: str, n: str
) -> Callable[[], object]:
    def action() -> None:
        with contextlib.suppress(LedgerError):  # a yearly cap reached: the demo skips it
            ledger.award_points(
                actor=actor,
                student_id=profile.pk,
                category_id=category.pk,
                amount=amount,
                reason=reason,
                idempotency_key=f"seed:award:{profile.enrollment_number}:{n}",
                at=timezone.now(),
            )

    return action


def _deduct(actor: User, profile: StudentProfile) -> Callable[[], object]:
    def action() -> None:
        with contextlib.suppress(LedgerError):  # nothing to deduct from
            ledger.deduct_points(
                actor=actor,
                student_id=profile.pk,
                amount=5,
                reason="Missed a booked lab session without notice",
                idempotency_key=f"seed:deduct:{profile.enrollment_number}",
                at=timezone.now(),
            )

    return action


def _attend(event: Event, profile: StudentProfile, *, manual: bool) -> Callable[[], object]:
    """A check-in as it happened: the student typed the code shown then, or the organiser
    checked them in by hand."""

    def action() -> None:
        if manual:
            check_in(actor=event.organiser, event_id=event.pk, student_id=profile.pk)
        else:
            check_in(actor=profile.user, event_id=event.pk, code=current_code(event))

    return action


def _redeem(
    made: dict[int, Redemption], n: int, profile: StudentProfile, reward: Reward
) -> Callable[[], object]:
    def action() -> None:
        with contextlib.suppress(RewardError):  # cannot afford it then, or out of stock
            made[n] = redeem_reward(
                actor=profile.user, reward_id=reward.pk, idempotency_key=f"seed:redeem:{n}"
            )

    return action


def _decide(
    made: dict[int, Redemption], n: int, admin: User, decision: str
) -> Callable[[], object]:
    def action() -> None:
        if n not in made:
            return
        decide_redemption(
            actor=admin,
            redemption_id=made[n].pk,
            decision=decision,
            note="Sorry, this batch sold out before we could order more."
            if decision == Redemption.Decision.REJECT
            else "",
        )

    return action


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
