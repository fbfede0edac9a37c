"""A large, consistent data set for the scale benchmark (issue 9): by default 40 ledger entries per
student, with the rewards, redemptions, events, check-ins, claims, tasks, draws and notifications
that produce them, spread over two years.

The services write one row at a time under row locks, which would take hours at 2,000,000
entries. This command computes every row in Python first (each student's entries walked in time
order, so a running balance is never negative and every debit, refund and reversal is one the
services would have allowed), then inserts table by table: PostgreSQL COPY through psycopg, or
bulk_create in batches elsewhere. Profiles are inserted with their final balance and lifetime
points, so no ledger row is ever updated (the PostgreSQL trigger of migration 0002 forbids it),
and `check_ledger` holds afterwards. Ledger ids follow time, as they would in production.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from portal.domain.draw_algorithm import commitment, pick_winners
from portal.management.commands.seed_demo import (
    CATEGORIES,
    CLAIMS,
    DEPARTMENTS,
    FIRST,
    LAST,
    PROGRAMMES,
    REASONS,
)
from portal.models import (
    Achievement,
    ActivityClaim,
    Category,
    CheckIn,
    Department,
    Draw,
    DrawEntry,
    DrawWinner,
    Event,
    Notification,
    PeriodPoints,
    Redemption,
    Reward,
    Role,
    StudentProfile,
    Task,
    TaskAssignment,
    Transaction,
    User,
)
from portal.models.accounts import new_pass_secret
from portal.selectors.categories import forget_active_categories
from portal.services import period_points
from portal.services.draws import entrants_digest

PASSWORD = "upas-scale"  # noqa: S105 - shared by every generated account; refused unless DEBUG
DOMAIN = "scale.upas.test"
DAY = 86_400.0
# Without --reset, a database holding more students than this is not topped up: the generated
# set would mix with real data and the benchmark would measure neither.
MAX_EXISTING_STUDENTS = 300

EXTRA_DEPARTMENTS = [
    ("Chemistry", "CHEM"),
    ("Physics", "PHYS"),
    ("Law School", "LAW"),
    ("Medicine", "MED"),
    ("History", "HIST"),
    ("Psychology", "PSY"),
]
ATTENDANCE = "Event attendance"
# Share of ledger slots by kind. A debit the student cannot afford, a refund or reversal with
# nothing to undo, or an attendance with no event nearby becomes an award instead.
KIND_WEIGHTS = {
    "award": 55,
    "attendance": 18,
    "redemption": 10,
    "claim": 6,
    "task": 5,
    "deduction": 3,
    "refund": 2,
    "reversal": 1,
}
DEDUCTION_REASONS = ["Missed lab safety briefing", "Late submission", "Damaged equipment"]
REWARD_NAMES = [
    ("Campus café voucher", "food", 50),
    ("Printing credit (100 pages)", "academic", 80),
    ("UPAS water bottle", "merchandise", 120),
    ("Library late pass", "academic", 150),
    ("Gym day pass", "experience", 200),
    ("University hoodie", "merchandise", 300),
    ("Bookshop voucher (£15)", "voucher", 400),
    ("Concert ticket", "experience", 450),
    ("Graduation ball ticket", "experience", 900),
    ("Lunch with the Dean", "experience", 1200),
]
EVENT_TITLES = [
    "Careers fair",
    "Guest lecture",
    "Hackathon",
    "Study skills workshop",
    "Research seminar",
    "Society fair",
    "Alumni panel",
    "Coding dojo",
    "Debate night",
    "Wellbeing walk",
]
LOCATIONS = ["Great Hall", "Lecture Theatre 1", "Engineering Atrium", "Library Room 2", "Union"]

# Transaction record slots (lists, so refunds and reversals can mark what they undo).
T_AT, T_STUDENT, T_AMOUNT, T_KIND, T_CATEGORY, T_ACTOR, T_REASON, T_COUNTS, T_LINK, T_REV = range(
    10
)
T_ID = 10


def batched(rows: Any, size: int) -> Any:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


@contextlib.contextmanager
def without_indexes(table: str) -> Iterator[None]:
    """Load into `table` the way pg_restore does: drop its plain indexes and foreign keys, load,
    then build the indexes in one pass each and re-add the keys, which PostgreSQL validates with
    one join per key. Row by row, 2,000,000 ledger rows cost 18 index insertions and up to 9
    deferred key checks each (several minutes). All inside the caller's transaction: a failure
    rolls the schema back too. Primary keys and unique constraints stay throughout."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


class Loader:
    """Inserts plain row tuples into one model's table. Columns are attnames (`student_id`);
    ids are always given. Modes: "copy" (PostgreSQL COPY through psycopg), "executemany" (one
    prepared INSERT, values adapted per column as Django would), "bulk_create" (model
    instances, the slowest: kept to measure the others against)."""

    MODES = ("copy", "executemany", "bulk_create")

    def __init__(self, mode: str, *, batch_size: int = 10_000) -> None:
        self.mode = mode
        self.batch_size = batch_size
        self.empty_json: Any = [] if mode == "bulk_create" else "[]"

    def write(self, model: type[models.Model], columns: list[str], rows: Any) -> int:
        opts = model._meta
        quote = connection.ops.quote_name
        names = ", ".join(quote(opts.get_field(c).column) for c in columns)
        table = quote(opts.db_table)
        count = 0
        if self.mode == "copy":
            with (
                without_indexes(opts.db_table),
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        if self.mode == "executemany":
            adapters = []
            for column in columns:
                field = opts.get_field(column)
                if isinstance(field, models.DateTimeField):
                    adapters.append(connection.ops.adapt_datetimefield_value)
                elif isinstance(field, models.DateField):
                    adapters.append(connection.ops.adapt_datefield_value)
                else:
                    adapters.append(None)
            adapt = [(i, f) for i, f in enumerate(adapters) if f is not None]
            marks = ", ".join(["%s"] * len(columns))
            # Names come from the model, values are parameters.
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            with connection.cursor() as cursor:
                for batch in batched(rows, self.batch_size):
                    values = []
                    for row in batch:
                        row = list(row)
                        for i, f in adapt:
                            row[i] = f(row[i])
                        values.append(row)
                    cursor.executemany(sql, values)
                    count += len(values)
            return count
        for batch in batched(rows, self.batch_size):
            model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in batch])
            count += len(batch)
        return count


class Generator:
    """Computes every row. Ids are given here (from the table's current maximum), so rows can
    reference each other before anything is written."""

    def __init__(self, *, students: int, entries: int, days: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
        self.n_students = students
        self.n_entries = entries
        self.now = timezone.now().timestamp()
        self.start = self.now - days * DAY
        first = datetime.fromtimestamp(self.start, tz=UTC).year
        self.year_starts = [datetime(y, 1, 1, tzinfo=UTC).timestamp() for y in range(first, 2200)]
        self.next_id = {
            m: (m.objects.aggregate(m=Max("id"))["m"] or 0) + 1
            for m in (
                User,
                EmailAddress,
                StudentProfile,
                Reward,
                Event,
                CheckIn,
                Redemption,
                ActivityClaim,
                Task,
                TaskAssignment,
                Draw,
                DrawEntry,
                DrawWinner,
                Notification,
                Transaction,
            )
        }
        self.users: list[tuple] = []
        self.profiles: list[list] = []
        self.tx: list[list] = []
        self.checkins: list[list] = []
        self.redemptions: list[list] = []
        self.claims: list[list] = []
        self.assignments: list[list] = []
        self.notifications: list[tuple] = []

    def year_of(self, at: float) -> int:
        """The calendar year (UTC) of a timestamp, for yearly caps; cheaper than a datetime."""
        return bisect.bisect_right(self.year_starts, at)

    def take_id(self, model: type[models.Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def stamp(self, low: float, high: float) -> float:
        return self.rng.uniform(low, min(high, self.now - 1))

    # --- reference data -----------------------------------------------------------------------

    def reference_data(self) -> None:
        for name, code in DEPARTMENTS + EXTRA_DEPARTMENTS:
            Department.objects.get_or_create(code=code, defaults={"name": name})
        self.departments = list(Department.objects.order_by("id"))
        for name, description, default, low, high, cap in CATEGORIES:
            Category.objects.get_or_create(
                name=name,
                defaults={
                    "description": description,
                    "default_points": default,
                    "min_points": low,
                    "max_points": high,
                    "yearly_cap": cap,
                },
            )
        self.categories = {c.name: c for c in Category.objects.filter(is_active=True)}
        self.award_categories = [c for n, c in self.categories.items() if n != ATTENDANCE]
        self.uncapped = [c for c in self.award_categories if c.yearly_cap is None]
        if not self.uncapped:
            raise CommandError("Needs at least one active category without a yearly cap.")
        self.attendance_category = self.categories.get(ATTENDANCE, self.uncapped[0])
        self.capped_ids = {c.pk for c in self.award_categories if c.yearly_cap is not None}

        def kind(c: Category) -> tuple:
            reasons = REASONS.get(c.name, ["Outstanding work"])
            spread = (c.max_points - c.min_points) / 6 or 1
            return (
                c.pk,
                c.min_points,
                c.max_points,
                c.default_points,
                spread,
                c.yearly_cap,
                reasons,
            )

        self.award_kinds = [kind(c) for c in self.award_categories]
        self.uncapped_kinds = [kind(c) for c in self.uncapped]

    def people(self, password: str) -> None:
        rng = self.rng
        n_faculty = max(10, self.n_students // 200)
        n_admins = max(2, self.n_students // 10_000)
        joined = _dt(self.start - 30 * DAY)

        def user(email: str, name: str, role: str) -> int:
            pk = self.take_id(User)
            self.users.append((pk, email, name, role, joined))
            return pk

        self.admins = [
            user(
                f"admin{'' if i == 0 else i}@{DOMAIN}", f"{rng.choice(FIRST)} Admin{i}", Role.ADMIN
            )
            for i in range(n_admins)
        ]
        self.faculty = [
            user(
                f"faculty{'' if i == 0 else i}@{DOMAIN}",
                f"Dr {rng.choice(FIRST)} {rng.choice(LAST)}",
                Role.FACULTY,
            )
            for i in range(n_faculty)
        ]
        self.staff = self.faculty + self.admins
        self.password = password
        for i in range(self.n_students):
            user_id = user(
                f"student{i}@{DOMAIN}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", Role.STUDENT
            )
            dept = rng.choice(self.departments)
            # id, user, enrollment, department, programme, year, balance, lifetime, visible
            self.profiles.append(
                [
                    self.take_id(StudentProfile),
                    user_id,
                    f"{dept.code}{i:07d}",
                    dept.pk,
                    PROGRAMMES.get(dept.code, f"BSc {dept.name}"),
                    rng.randint(1, 4),
                    0,
                    0,
                    rng.random() < 0.9,
                ]
            )

    def catalogue(self) -> None:
        rng = self.rng
        self.rewards = []
        for i in range(max(8, self.n_students // 1000)):
            name, kind, cost = REWARD_NAMES[i % len(REWARD_NAMES)]
            limited = rng.random() < 0.5
            self.rewards.append(
                {
                    "id": self.take_id(Reward),
                    "name": name if i < len(REWARD_NAMES) else f"{name} ({i // len(REWARD_NAMES)})",
                    "category": kind,
                    "cost": cost,
                    "stock": rng.randint(self.n_students // 4, self.n_students)
                    if limited
                    else None,
                    "limit": rng.choice([1, 2, 3]) if limited else None,
                    "active": i == 0 or rng.random() < 0.9,
                    "created": self.start - rng.uniform(0, 60) * DAY,
                }
            )
        self.rewards_by_cost = sorted(self.rewards, key=lambda r: r["cost"])
        self.reward_costs = [r["cost"] for r in self.rewards_by_cost]

    def events(self) -> None:
        rng = self.rng
        attendance_slots = self.n_entries * KIND_WEIGHTS["attendance"] / sum(KIND_WEIGHTS.values())
        n_past = max(6, round(attendance_slots / 120))
        starts = sorted(self.stamp(self.start, self.now - 3 * 3600) for _ in range(n_past))
        n_upcoming = max(3, n_past // 30)
        starts += sorted(self.now + rng.uniform(1, 40) * DAY for _ in range(n_upcoming))
        self.events_rows: list[dict] = []
        for i, begin in enumerate(starts):
            past = begin < self.now
            status = Event.Status.PUBLISHED
            if past:
                status = rng.choices(["completed", "published", "cancelled"], [85, 10, 5])[0]
            elif rng.random() < 0.05:
                status = Event.Status.DRAFT
            category = self.attendance_category if rng.random() < 0.8 else rng.choice(self.uncapped)
            self.events_rows.append(
                {
                    "id": self.take_id(Event),
                    "title": f"{EVENT_TITLES[i % len(EVENT_TITLES)]} #{i + 1}",
                    "starts": begin,
                    "ends": begin + rng.choice([1, 2, 3, 4]) * 3600,
                    "organiser": rng.choice(self.staff),
                    "category": category.pk,
                    "points": rng.choice([5, 10, 10, 15, 20]),
                    "capacity": rng.choice([None, None, 150, 300, 600]),
                    "status": status,
                    "secret": rng.randbytes(32).hex(),
                    "count": 0,
                }
            )
        # Two events on now, so the check-in pages and the draw for attendees have a live one.
        for title in ("Open lab (on now)", "Evening lecture (on now)"):
            self.events_rows.append(
                {
                    "id": self.take_id(Event),
                    "title": title,
                    "starts": self.now - 3600,
                    "ends": self.now + 3 * 3600,
                    "organiser": self.faculty[0],
                    "category": self.attendance_category.pk,
                    "points": 10,
                    "capacity": None,
                    "status": Event.Status.PUBLISHED,
                    "secret": rng.randbytes(32).hex(),
                    "count": 0,
                }
            )
        self.attendable = sorted(
            (e for e in self.events_rows if e["starts"] < self.now and e["status"] != "cancelled"),
            key=lambda e: e["starts"],
        )
        self.attendable_starts = [e["starts"] for e in self.attendable]

    def tasks(self) -> None:
        rng = self.rng
        task_slots = self.n_entries * KIND_WEIGHTS["task"] / sum(KIND_WEIGHTS.values())
        n_past = max(5, round(task_slots / 6))
        n_open = max(3, self.n_students // 1000)
        created = sorted(
            self.stamp(self.start - 20 * DAY, self.now - 2 * DAY) for _ in range(n_past)
        )
        created += [self.now - rng.uniform(0, 10) * DAY for _ in range(n_open)]
        self.task_rows = []
        for i, made in enumerate(created):
            category = rng.choice(self.award_categories)
            self.task_rows.append(
                {
                    "id": self.take_id(Task),
                    "title": f"Task {i + 1}: {rng.choice(CLAIMS)[1][:60]}",
                    "category": category.pk,
                    "points": rng.randint(category.min_points, category.max_points),
                    "created": made,
                    "deadline": made + rng.uniform(7, 30) * DAY
                    if i < n_past
                    else self.now + rng.uniform(3, 30) * DAY,
                    "by": rng.choice(self.staff),
                    "places": rng.choice([3, 5, 10, 20]),
                    "held": 0,
                }
            )
        self.past_tasks = self.task_rows[:n_past]
        self.past_task_created = [t["created"] for t in self.past_tasks]
        self.open_tasks = self.task_rows[n_past:]

    def draws(self) -> dict[int, list[tuple[float, dict, int]]]:
        """Performed draws (points prizes claimed, the latest a reward prize still offered), open
        draws with entrants, and an open draw for an upcoming event's attendees. Returns the prize
        entries each winner's ledger must contain."""
        rng = self.rng
        self.draw_rows: list[dict] = []
        self.entry_rows: list[tuple] = []
        self.winner_rows: list[list] = []
        prizes: dict[int, list[tuple[float, dict, int]]] = defaultdict(list)
        profile_ids = [p[0] for p in self.profiles]
        n_drawn = max(2, self.n_students // 10_000)
        size = max(5, min(self.n_students // 10, 2000))
        for i in range(n_drawn + 2):
            drawn = i < n_drawn
            latest = i == n_drawn - 1
            deadline = (
                self.now - (n_drawn - i) * rng.uniform(20, 60) * DAY
                if drawn
                else self.now + rng.uniform(3, 20) * DAY
            )
            if latest:
                deadline = self.now - 2 * DAY
            seed = rng.randbytes(32).hex()
            draw = {
                "id": self.take_id(Draw),
                "title": f"Prize draw {i + 1}",
                "reward": self.rewards[0]["id"] if latest else None,
                "points": None if latest else rng.choice([50, 100, 250]),
                "event": None,
                "eligibility": Draw.Eligibility.ENTRANTS,
                "winners": rng.randint(1, 3),
                "alternates": 2,
                "deadline": deadline,
                "claim_deadline": deadline + 14 * DAY,
                "status": Draw.Status.DRAWN if drawn else Draw.Status.OPEN,
                "seed": seed,
                "created": deadline - 21 * DAY,
                "performed": deadline + 3600 if drawn else None,
                "entrants": None,
                "digest": "",
            }
            self.draw_rows.append(draw)
            entrants = rng.sample(profile_ids, min(len(profile_ids), rng.randint(size // 2, size)))
            entry_ids = []
            for student in entrants:
                entry_id = self.take_id(DrawEntry)
                entry_ids.append(entry_id)
                at = self.stamp(draw["created"], min(deadline, self.now))
                self.entry_rows.append((entry_id, draw["id"], student, _dt(at)))
            if not drawn:
                continue
            by_entry = dict(zip(entry_ids, entrants, strict=True))
            draw["entrants"], draw["digest"] = len(entry_ids), entrants_digest(entry_ids)
            count = draw["winners"] + draw["alternates"]
            for position, entry_id in enumerate(
                pick_winners(seed, draw["id"], entry_ids, count), start=1
            ):
                alternate = position > draw["winners"]
                claimed = not alternate and not latest
                winner = [
                    self.take_id(DrawWinner),
                    draw["id"],
                    entry_id,
                    position,
                    alternate,
                    "waiting" if alternate else "claimed" if claimed else "offered",
                    None if alternate else draw["performed"],
                    None if alternate else draw["claim_deadline"],
                    draw["performed"] + DAY if claimed else None,
                ]
                self.winner_rows.append(winner)
                user_id = self.profiles_by_id[by_entry[entry_id]][1]
                self.notifications.append(
                    self.notification(
                        user_id,
                        "draw",
                        f"You won in “{draw['title']}”!",
                        f"/draws/{draw['id']}/",
                        draw["performed"],
                    )
                )
                if claimed:
                    prizes[by_entry[entry_id]].append((draw["performed"] + DAY, draw, winner[0]))
        upcoming = next(e for e in self.events_rows if e["starts"] > self.now)
        self.draw_rows.append(
            {
                "id": self.take_id(Draw),
                "title": f"Attendee draw: {upcoming['title']}",
                "reward": None,
                "points": 100,
                "event": upcoming["id"],
                "eligibility": Draw.Eligibility.ATTENDEES,
                "winners": 2,
                "alternates": 1,
                "deadline": upcoming["ends"] + DAY,
                "claim_deadline": upcoming["ends"] + 15 * DAY,
                "status": Draw.Status.OPEN,
                "seed": rng.randbytes(32).hex(),
                "created": self.now - DAY,
                "performed": None,
                "entrants": None,
                "digest": "",
            }
        )
        return prizes

    def notification(self, user_id: int, kind: str, message: str, link: str, at: float) -> tuple:
        read = self.rng.random() < 0.75
        return (
            self.take_id(Notification),
            user_id,
            kind,
            message,
            link,
            _dt(at),
            _dt(min(at + 3600 * self.rng.uniform(1, 72), self.now)) if read else None,
        )

    # --- the ledger ---------------------------------------------------------------------------

    def ledger(self, prizes: dict[int, list[tuple[float, dict, int]]]) -> None:
        rng = self.rng
        forced = sum(len(v) for v in prizes.values())
        budget = max(0, self.n_entries - forced)
        # A few very active students, many with a handful of entries.
        weights = [rng.lognormvariate(0, 0.9) for _ in self.profiles]
        total = sum(weights)
        counts = [int(budget * w / total) for w in weights]
        for i in rng.sample(range(len(counts)), budget - sum(counts)):
            counts[i] += 1
        kinds, kind_weights = zip(*KIND_WEIGHTS.items(), strict=True)
        for profile, count in zip(self.profiles, counts, strict=True):
            slots = [
                (self.stamp(self.start, self.now), kind)
                for kind in rng.choices(kinds, kind_weights, k=count)
            ]
            slots += [(at, ("prize", draw, winner)) for at, draw, winner in prizes[profile[0]]]
            self.student_ledger(profile, slots)
        self.extra_reviews()

    def pick_event(self, student: int, at: float, attended: set[int]) -> dict | None:
        index = bisect.bisect_right(self.attendable_starts, at) - 1
        for _ in range(4):
            if index < 0:
                return None
            event = self.attendable[max(0, index - self.rng.randint(0, 6))]
            full = event["capacity"] is not None and event["count"] >= event["capacity"]
            if event["id"] not in attended and not full:
                return event
        return None

    def student_ledger(self, profile: list, slots: list[tuple[float, Any]]) -> None:
        """Walk one student's slots in time order, turning each into rows the services would
        have written, and store the final balance and lifetime points on the profile."""
        rng, student, user_id = self.rng, profile[0], profile[1]
        attended: set[int] = set()
        placed = []
        for at, kind in slots:
            if kind == "attendance":
                event = self.pick_event(student, at, attended)
                if event is None:
                    kind = "award"
                else:
                    attended.add(event["id"])
                    event["count"] += 1
                    at = min(
                        event["starts"] + rng.uniform(-1200, event["ends"] - event["starts"]),
                        self.now - 1,
                    )
                    kind = ("attendance", event)
            placed.append((at, kind))
        placed.sort(key=lambda s: s[0])

        year_of, capped_ids, staff = self.year_of, self.capped_ids, self.staff
        award_kinds, uncapped_kinds = self.award_kinds, self.uncapped_kinds
        balance = lifetime = 0
        capped: dict[tuple[int, int], int] = defaultdict(int)
        awards: list[list] = []  # unreversed awards, latest last
        open_redemptions: list[list] = []
        held: dict[int, int] = defaultdict(int)
        tasks_taken: set[int] = set()

        def post(
            at: float,
            amount: int,
            kind: str,
            category: int | None,
            actor: int | None,
            reason: str,
            counts: bool,
            link: Any = None,
            reverses: Any = None,
        ) -> list:
            nonlocal balance, lifetime
            balance += amount
            lifetime += amount if counts else 0
            if counts and category in capped_ids:
                capped[(category, year_of(at))] += amount
            row = [at, student, amount, kind, category, actor, reason, counts, link, reverses]
            self.tx.append(row)
            return row

        def fits_cap(category: Category, amount: int, at: float) -> bool:
            cap = category.yearly_cap
            return cap is None or capped[(category.pk, year_of(at))] + amount <= cap

        def award(at: float) -> None:
            pk, low, high, default, spread, cap, reasons = rng.choice(award_kinds)
            amount = min(max(round(rng.gauss(default, spread)), low), high)
            if cap is not None and capped[(pk, year_of(at))] + amount > cap:
                pk, low, high, default, spread, cap, reasons = rng.choice(uncapped_kinds)
                amount = default
            awards.append(
                post(at, amount, "award", pk, rng.choice(staff), rng.choice(reasons), True)
            )

        for at, kind in placed:
            if isinstance(kind, tuple) and kind[0] == "attendance":
                event = kind[1]
                draw = rng.random()
                method = "code" if draw < 0.6 else "qr" if draw < 0.9 else "manual"
                method = "csv" if draw > 0.98 else method
                by = event["organiser"] if method in ("manual", "csv") else None
                checkin = [None, event["id"], student, method, by, at]
                self.checkins.append(checkin)
                post(
                    at,
                    event["points"],
                    "attendance",
                    event["category"],
                    by,
                    f"Attended: {event['title']}",
                    True,
                    ("checkin", checkin),
                )
            elif isinstance(kind, tuple):  # a prize won in a draw
                _, draw, winner_id = kind
                post(
                    at,
                    draw["points"],
                    "prize",
                    None,
                    None,
                    f"Prize: {draw['title']}",
                    True,
                    ("winner", winner_id),
                )
            elif kind == "deduction" and balance >= 30:
                amount = rng.randint(5, 30)
                category = rng.choice([None, rng.choice(self.award_categories).pk])
                post(
                    at,
                    -amount,
                    "deduction",
                    category,
                    rng.choice(self.staff),
                    rng.choice(DEDUCTION_REASONS),
                    True,
                )
            elif kind == "redemption" and (reward := self.pick_reward(balance, held, at)):
                redemption = [None, student, reward, at, "pending", None]
                self.redemptions.append(redemption)
                open_redemptions.append(redemption)
                held[reward["id"]] += 1
                if reward["stock"] is not None:
                    reward["stock"] -= 1
                post(
                    at,
                    -reward["cost"],
                    "redemption",
                    None,
                    user_id,
                    f"Redeemed: {reward['name']}",
                    False,
                    ("redemption", redemption),
                )
            elif kind == "refund" and open_redemptions:
                # Rejected or cancelled while still pending, so within two days of redeeming.
                # Dating a credit earlier than the slot only raises the balances in between.
                redemption = open_redemptions.pop()
                at = min(at, redemption[3] + rng.uniform(600, 2 * DAY))
                reward = redemption[2]
                rejected = rng.random() < 0.6
                redemption[4] = "rejected" if rejected else "cancelled"
                redemption[5] = at
                held[reward["id"]] -= 1
                if reward["stock"] is not None:
                    reward["stock"] += 1
                post(
                    at,
                    reward["cost"],
                    "refund",
                    None,
                    rng.choice(self.admins) if rejected else user_id,
                    f"Refund: {reward['name']}",
                    False,
                    ("redemption", redemption),
                )
            elif kind == "reversal" and awards and balance >= awards[-1][T_AMOUNT]:
                original = awards.pop()
                actor = original[T_ACTOR] if at - original[T_AT] < DAY else rng.choice(self.admins)
                post(
                    at,
                    -original[T_AMOUNT],
                    "reversal",
                    original[T_CATEGORY],
                    actor,
                    "Entered twice by mistake",
                    True,
                    reverses=original,
                )
            elif kind == "claim":
                category_name, description = rng.choice(CLAIMS)
                category = self.categories.get(category_name) or rng.choice(self.uncapped)
                points = rng.randint(category.min_points, category.max_points)
                if not fits_cap(category, points, at):
                    award(at)
                    continue
                reviewer = rng.choice(self.staff)
                claim = [
                    None,
                    student,
                    category.pk,
                    points,
                    description,
                    at - rng.uniform(1, 5) * DAY,
                    "approved",
                    reviewer,
                    at,
                    "",
                ]
                self.claims.append(claim)
                post(
                    at,
                    points,
                    "claim",
                    category.pk,
                    reviewer,
                    description[:120],
                    True,
                    ("claim", claim),
                )
            elif kind == "task" and (task := self.pick_task(at, tasks_taken)):
                category = next(c for c in self.award_categories if c.pk == task["category"])
                if not fits_cap(category, task["points"], at):
                    award(at)
                    continue
                tasks_taken.add(task["id"])
                task["held"] += 1
                reviewer = rng.choice(self.staff)
                assignment = [
                    None,
                    task["id"],
                    student,
                    "approved",
                    at - 3 * DAY,
                    at - DAY,
                    reviewer,
                    at,
                ]
                self.assignments.append(assignment)
                post(
                    at,
                    task["points"],
                    "task",
                    task["category"],
                    reviewer,
                    task["title"][:500],
                    True,
                    ("assignment", assignment),
                )
            else:
                award(at)
        profile[6], profile[7] = balance, lifetime

    def pick_reward(self, balance: int, held: dict[int, int], at: float) -> dict | None:
        affordable = self.rewards_by_cost[: bisect.bisect_right(self.reward_costs, balance)]
        for _ in range(3):
            if not affordable:
                return None
            reward = self.rng.choice(affordable)
            if (
                reward["active"]
                and reward["created"] <= at
                and (reward["stock"] is None or reward["stock"] > 0)
                and (reward["limit"] is None or held[reward["id"]] < reward["limit"])
            ):
                return reward
        return None

    def pick_task(self, at: float, taken: set[int]) -> dict | None:
        index = bisect.bisect_right(self.past_task_created, at - 3 * DAY) - 1
        for _ in range(3):
            if index < 0:
                return None
            task = self.past_tasks[max(0, index - self.rng.randint(0, 10))]
            if task["id"] not in taken and task["deadline"] >= at - 3 * DAY:
                return task
        return None

    def extra_reviews(self) -> None:
        """What is still waiting for a reviewer, what was rejected, and tasks in progress: no
        ledger entries. Each student holds at most one unfinished task, on an open task."""
        rng = self.rng
        approved = len(self.claims)
        for _ in range(max(3, approved // 10)):
            student = rng.choice(self.profiles)[0]
            at = self.stamp(self.start, self.now)
            category_name, description = rng.choice(CLAIMS)
            category = self.categories.get(category_name) or self.uncapped[0]
            self.claims.append(
                [
                    None,
                    student,
                    category.pk,
                    category.default_points,
                    description,
                    at - DAY,
                    "rejected",
                    rng.choice(self.staff),
                    at,
                    "Please attach the certificate.",
                ]
            )
        for _ in range(max(3, self.n_students // 100)):
            student = rng.choice(self.profiles)[0]
            at = self.now - rng.uniform(0, 7) * DAY
            category_name, description = rng.choice(CLAIMS)
            category = self.categories.get(category_name) or self.uncapped[0]
            self.claims.append(
                [
                    None,
                    student,
                    category.pk,
                    category.default_points,
                    description,
                    at,
                    "pending",
                    None,
                    None,
                    "",
                ]
            )
        busy = rng.sample(
            [p[0] for p in self.profiles], min(len(self.profiles), max(4, self.n_students // 50))
        )
        for i, student in enumerate(busy):
            task = self.open_tasks[i % len(self.open_tasks)]
            submitted = i % 3 == 0
            task["held"] += 1
            at = self.now - rng.uniform(1, 5) * DAY
            self.assignments.append(
                [
                    None,
                    task["id"],
                    student,
                    "submitted" if submitted else "claimed",
                    at,
                    at + DAY if submitted else None,
                    None,
                    None,
                ]
            )
        for profile in self.profiles:
            for _ in range(rng.randint(0, 8)):
                at = self.stamp(self.now - 120 * DAY, self.now)
                self.notifications.append(
                    self.notification(
                        profile[1],
                        rng.choice(["points", "points", "redemption", "event"]),
                        "You received points. See your history for details.",
                        "/history/",
                        at,
                    )
                )

    # --- rows ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Give ids in time order (as production would) and settle statuses by age."""
        self.tx.sort(key=lambda r: r[T_AT])
        for row in self.tx:
            row.append(self.take_id(Transaction))
        for model, records, at in (
            (CheckIn, self.checkins, 5),
            (Redemption, self.redemptions, 3),
            (ActivityClaim, self.claims, 5),
            (TaskAssignment, self.assignments, 4),
        ):
            records.sort(key=lambda r: r[at])
            for record in records:
                record[0] = self.take_id(model)


def rows_for(gen: Generator, loader: Loader) -> list[tuple[type[models.Model], list[str], Any]]:
    """Every table's columns and rows, in an order that satisfies the foreign keys."""
    rng, dt, now = gen.rng, _dt, gen.now
    json = loader.empty_json
    user_cols = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "email",
        "name",
        "role",
        "is_active",
        "is_staff",
        "date_joined",
        "email_opt_outs",
        # Every NOT NULL column is given: a column added later keeps no database default
        # (SQLite rebuilds the table when a unique column such as calendar_token is added).
        "language",
        "calendar_token",
        "photo",
    ]
    users = (
        (pk, gen.password, None, False, email, name, role, True, False, joined, json, "", None, "")
        for pk, email, name, role, joined in gen.users
    )
    emails = ((gen.take_id(EmailAddress), pk, email, True, True) for pk, email, *_ in gen.users)
    reward_cols = [
        "id",
        "name",
        "description",
        "category",
        "image",
        "cost",
        "stock",
        "limit_per_student",
        "is_active",
        "available_from",
        "available_until",
        "created_at",
    ]
    rewards = (
        (
            r["id"],
            r["name"],
            "Generated for the scale benchmark.",
            r["category"],
            "",
            r["cost"],
            r["stock"],
            r["limit"],
            r["active"],
            None,
            None,
            dt(r["created"]),
        )
        for r in gen.rewards
    )
    event_cols = [
        "id",
        "title",
        "description",
        "location",
        "starts_at",
        "ends_at",
        "organiser_id",
        "category_id",
        "attendance_points",
        "capacity",
        "checkin_opens_at",
        "checkin_closes_at",
        "status",
        "secret",
        "created_at",
        "requires_registration",
        "offers_certificate",
    ]
    events = (
        (
            e["id"],
            e["title"],
            "",
            rng.choice(LOCATIONS),
            dt(e["starts"]),
            dt(e["ends"]),
            e["organiser"],
            e["category"],
            e["points"],
            e["capacity"],
            None,
            None,
            e["status"],
            e["secret"],
            dt(e["starts"] - 14 * DAY),
            False,
            False,
        )
        for e in gen.events_rows
    )
    task_cols = [
        "id",
        "title",
        "description",
        "image",
        "points",
        "category_id",
        "max_claimants",
        "deadline",
        "is_active",
        "created_by_id",
        "created_at",
    ]
    tasks = (
        (
            t["id"],
            t["title"],
            "",
            "",
            t["points"],
            t["category"],
            max(t["places"], t["held"]),
            dt(t["deadline"]),
            True,
            t["by"],
            dt(t["created"]),
        )
        for t in gen.task_rows
    )
    draw_cols = [
        "id",
        "title",
        "prize",
        "reward_id",
        "prize_points",
        "event_id",
        "eligibility",
        "winners_count",
        "alternates_count",
        "entry_deadline",
        "claim_deadline",
        "status",
        "seed",
        "commitment",
        "created_by_id",
        "created_at",
        "performed_by_id",
        "performed_at",
        "entrant_count",
        "entrants_digest",
    ]
    draws = (
        (
            d["id"],
            d["title"],
            "A prize",
            d["reward"],
            d["points"],
            d["event"],
            d["eligibility"],
            d["winners"],
            d["alternates"],
            dt(d["deadline"]),
            dt(d["claim_deadline"]),
            d["status"],
            d["seed"],
            commitment(d["seed"]),
            gen.admins[0],
            dt(d["created"]),
            gen.admins[0] if d["performed"] else None,
            dt(d["performed"]),
            d["entrants"],
            d["digest"],
        )
        for d in gen.draw_rows
    )
    winner_cols = [
        "id",
        "draw_id",
        "entry_id",
        "position",
        "is_alternate",
        "status",
        "offered_at",
        "claim_deadline",
        "claimed_at",
        "forfeited_at",
        "replaced_by_id",
    ]
    winners = ((*w[:6], dt(w[6]), dt(w[7]), dt(w[8]), None, None) for w in gen.winner_rows)
    checkins = ((c[0], c[1], c[2], c[3], c[4], dt(c[5])) for c in gen.checkins)

    def redemption(r: list) -> tuple:
        pk, student, reward, at, status, ended = r
        age = now - at
        if status == "pending" and age > 3 * DAY:
            status = "approved" if age < 10 * DAY else "fulfilled"
        admin = gen.admins[pk % len(gen.admins)]
        decided = status in ("approved", "fulfilled", "rejected")
        return (
            pk,
            student,
            reward["id"],
            reward["cost"],
            status,
            "Out of stock at the desk." if status == "rejected" else "",
            dt(at),
            admin if decided else None,
            dt(ended if status == "rejected" else at + 2 * DAY) if decided else None,
            admin if status == "fulfilled" else None,
            dt(at + 5 * DAY) if status == "fulfilled" else None,
            dt(ended) if status == "cancelled" else None,
            f"scale-redeem:{pk}",
            None,
        )

    redemption_cols = [
        "id",
        "student_id",
        "reward_id",
        "cost",
        "status",
        "admin_note",
        "created_at",
        "decided_by_id",
        "decided_at",
        "fulfilled_by_id",
        "fulfilled_at",
        "cancelled_at",
        "idempotency_key",
        "prize_id",
    ]
    claim_cols = [
        "id",
        "student_id",
        "category_id",
        "points",
        "description",
        "activity_date",
        "evidence",
        "evidence_type",
        "status",
        "created_at",
        "decided_by_id",
        "decided_at",
        "review_comment",
        "idempotency_key",
    ]
    claims = (
        (
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            datetime.fromtimestamp(c[5] - 2 * DAY, UTC).date(),
            "evidence/claims/scale/evidence.pdf",
            "pdf",
            c[6],
            dt(c[5]),
            c[7],
            dt(c[8]),
            c[9],
            f"scale-claim:{c[0]}",
        )
        for c in gen.claims
    )
    assignment_cols = [
        "id",
        "task_id",
        "student_id",
        "status",
        "claimed_at",
        "submitted_at",
        "submission_text",
        "submission_file",
        "file_type",
        "decided_by_id",
        "decided_at",
        "review_comment",
    ]
    assignments = (
        (
            a[0],
            a[1],
            a[2],
            a[3],
            dt(a[4]),
            dt(a[5]),
            "Done: see the attached notes." if a[5] else "",
            "",
            "",
            a[6],
            dt(a[7]),
            "",
        )
        for a in gen.assignments
    )
    keys = {
        "redemption": "redeem:{}",
        "checkin": None,
        "claim": "claim:{}",
        "assignment": "task:{}",
        "winner": "prize:{}",
    }

    def entry(r: list) -> tuple:
        pk, link, kind = r[T_ID], r[T_LINK], r[T_KIND]
        links = {
            "redemption": None,
            "checkin": None,
            "claim": None,
            "assignment": None,
            "winner": None,
        }
        key = f"scale:{pk}"
        if link is not None:
            name, target = link
            target_id = target if name == "winner" else target[0]
            links[name] = target_id
            if name == "checkin":
                key = f"checkin:{target[1]}:{target[2]}"
            elif name == "redemption":
                key = f"{kind if kind == 'refund' else 'redeem'}:{target_id}"
            else:
                key = keys[name].format(target_id)
        reverses = r[T_REV][T_ID] if r[T_REV] is not None else None
        return (
            pk,
            r[T_STUDENT],
            r[T_AMOUNT],
            kind,
            r[T_CATEGORY],
            r[T_ACTOR],
            r[T_REASON],
            dt(r[T_AT]),
            key,
            r[T_COUNTS],
            links["redemption"],
            links["checkin"],
            links["claim"],
            links["assignment"],
            links["winner"],
            reverses,
        )

    tx_cols = [
        "id",
        "student_id",
        "amount",
        "kind",
        "category_id",
        "actor_id",
        "reason",
        "created_at",
        "idempotency_key",
        "counts_for_lifetime",
        "redemption_id",
        "checkin_id",
        "claim_id",
        "task_assignment_id",
        "draw_winner_id",
        "reverses_id",
    ]
    profile_cols = [
        "id",
        "user_id",
        "enrollment_number",
        "department_id",
        "programme",
        "year",
        "balance",
        "lifetime_points",
        "show_on_leaderboard",
        "milestones",  # filled afterwards with the badges (migration 0014's backfill)
        "checkins_count",
        "leaderboard_name",  # empty: the full name shows
        "pass_secret",
        "graduated_in",  # empty: still studying
    ]
    notification_cols = [
        "id",
        "user_id",
        "kind",
        "message",
        "link",
        "created_at",
        "read_at",
        "emailed_at",
        "email_error",
    ]
    return [
        (User, user_cols, users),
        (EmailAddress, ["id", "user_id", "email", "verified", "primary"], emails),
        (
            StudentProfile,
            profile_cols,
            ((*p, "[]", 0, "", new_pass_secret(), "") for p in gen.profiles),
        ),
        (Reward, reward_cols, rewards),
        (Event, event_cols, events),
        (Task, task_cols, tasks),
        (Draw, draw_cols, draws),
        (DrawEntry, ["id", "draw_id", "student_id", "created_at"], iter(gen.entry_rows)),
        (DrawWinner, winner_cols, winners),
        (
            CheckIn,
            ["id", "event_id", "student_id", "method", "checked_in_by_id", "created_at"],
            checkins,
        ),
        (Redemption, redemption_cols, (redemption(r) for r in gen.redemptions)),
        (ActivityClaim, claim_cols, claims),
        (TaskAssignment, assignment_cols, assignments),
        (Transaction, tx_cols, (entry(r) for r in gen.tx)),
        (Notification, notification_cols, ((*n, None, "") for n in gen.notifications)),
    ]


def reset_tables() -> None:
    """Empty every table holding people or activity (TRUNCATE ... CASCADE on PostgreSQL, which
    the ledger's UPDATE/DELETE trigger allows). Departments and categories stay."""
    keep = {Department._meta.db_table, Category._meta.db_table}
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in {"portal", "account", "mfa", "sessions", "admin"}
        and m._meta.managed
        and m._meta.db_table not in keep
    ]
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True
    )
    connection.ops.execute_sql_flush(statements)


class Command(BaseCommand):
    help = (
        "Generate a large consistent data set for the scale benchmark (bench/run.py): students "
        "with a ledger, rewards, redemptions, events, check-ins, claims, tasks and draws."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--students", type=int, default=50_000)
        parser.add_argument(
            "--transactions",
            type=int,
            default=None,
            help="Ledger entries (default 40 per student).",
        )
        parser.add_argument("--days", type=int, default=730, help="How far back activity goes.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reset", action="store_true", help="Empty people and activity tables first."
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument(
            "--insert",
            choices=Loader.MODES,
            default=None,
            help="How rows go in (default: copy on PostgreSQL, executemany elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_scale_data refuses to run with DEBUG off (it creates thousands of "
                "accounts with a known password); pass --force on a throwaway database."
            )
        students = options["students"]
        entries = options["transactions"]
        entries = 40 * students if entries is None else entries
        if students < 1 or entries < 0:
            raise CommandError("--students must be at least 1 and --transactions not negative.")
        started = time.monotonic()
        postgres = connection.vendor == "postgresql"
        loader = Loader(options["insert"] or ("copy" if postgres else "executemany"))
        if loader.mode == "copy" and not postgres:
            raise CommandError("--insert copy needs PostgreSQL.")
        with transaction.atomic():
            if postgres:
                # Run the checks deferred so far now: a table with pending checks can be
                # neither truncated nor altered (without_indexes() alters each table it loads).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if options["reset"]:
                reset_tables()
            elif StudentProfile.objects.count() > MAX_EXISTING_STUDENTS:
                raise CommandError(
                    f"The database already has more than {MAX_EXISTING_STUDENTS} students; "
                    "pass --reset to empty it first."
                )
            elif User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
                raise CommandError("Generated accounts already exist; pass --reset.")
            gen = Generator(
                students=students, entries=entries, days=options["days"], seed=options["seed"]
            )
            gen.reference_data()
            gen.people(make_password(PASSWORD))  # hashed once for every account
            gen.profiles_by_id = {p[0]: p for p in gen.profiles}
            gen.catalogue()
            gen.events()
            gen.tasks()
            prizes = gen.draws()
            gen.ledger(prizes)
            gen.finish()
            self.stdout.write(f"computed rows in {time.monotonic() - started:.1f} s")
            for model, columns, rows in rows_for(gen, loader):
                at = time.monotonic()
                count = loader.write(model, columns, rows)
                self.stdout.write(
                    f"  {model._meta.db_table}: {count:,} rows in {time.monotonic() - at:.1f} s"
                )
            # The ledger went in without its service: the leaderboards' period totals and the
            # badges students have reached come from it, as migrations 0009 and 0007 made them
            # for the data that existed then.
            at = time.monotonic()
            written = period_points.rebuild_current()
            self.stdout.write(
                f"  {PeriodPoints._meta.db_table}: {sum(written.values()):,} rows "
                f"in {time.monotonic() - at:.1f} s"
            )
            at = time.monotonic()
            import_module("portal.migrations.0007_levels_milestones").backfill(apps, None)
            # ...and the profile's caches of them (migration 0014), read by the award path.
            import_module("portal.migrations.0014_milestone_cache").backfill(apps, None)
            self.stdout.write(
                f"  {Achievement._meta.db_table}: {Achievement.objects.count():,} rows "
                f"in {time.monotonic() - at:.1f} s"
            )
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            models_with_ids = list(gen.next_id)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
                    cursor.execute(sql)
            at = time.monotonic()
        self.stdout.write(f"committed in {time.monotonic() - at:.1f} s")
        forget_active_categories()  # rows written by COPY send no signal
        if postgres and not connection.in_atomic_block:
            # Planner statistics and the visibility map (index-only scans), as autovacuum would
            # gather them shortly after a load this size. SQLite is left as it would be in use:
            # it never gathers statistics by itself (bench/README.md: with them some of its
            # plans get better and the staff ledger's much worse).
            at = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            self.stdout.write(f"statistics gathered in {time.monotonic() - at:.1f} s")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {students:,} students and {len(gen.tx):,} ledger entries in "
                f"{time.monotonic() - started:.1f} s. Every account's password is "
                f"“{PASSWORD}” (admin@{DOMAIN}, faculty@{DOMAIN}, student0@{DOMAIN})."
            )
        )
