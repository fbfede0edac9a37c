"""The history, review and redemption tables write their cells in one call each
(portal.tables.fast), and a page of the review queue is cut from each side of its union: the
pages are what django-tables2's generic rendering and the plain union give (issue 9 made them
faster, not different)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tables2 import RequestConfig
from django_tables2.rows import BoundRow

from portal.models import ActivityClaim, Redemption, StudentProfile, TaskAssignment, User
from portal.selectors.reviews import list_review_queue
from portal.services.rewards import decide_redemption
from portal.tables import fast
from portal.tables.claims import ReviewTable
from portal.tables.ledger import HistoryTable
from portal.tables.rewards import QueueTable
from tests.factories import RewardFactory, StudentFactory, TaskFactory
from tests.helpers import award, redeem

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"\w+"')


def same_token(html: Any) -> str:
    """Every CSRF token is masked afresh: compare the HTML around them."""
    return TOKEN.sub(r'\1"…"', str(html))


def request_for(user: User) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def assert_cells_match(table: fast.QuickTable, records: list[Any]) -> None:
    for record in records:
        generic = BoundRow(record, table=table)
        for column in table.columns:
            quick = table.cell(column.name, record)
            assert same_token(quick) == same_token(generic.get_cell(column.name)), column.name


# --- the review queue's cells -------------------------------------------------------------------


def review_row(**values: Any) -> dict[str, Any]:
    now = timezone.now()
    row = {
        "kind": "claim",
        "item_id": 1,
        "submitted": now - timedelta(days=3),
        "student_name": "<script>alert('x')</script>",
        "enrollment": "CS001",
        "department": "",
        "category_name": "Volunteering & <b>more</b>",
        "title": "Volunteering & <b>more</b>",
        "detail": "Ran the <i>open day</i>\nall day",
        "activity_on": date(2026, 3, 1),
        "amount": 15,
        "file_kind": "png",
        "state": "pending",
        "decider": "",
        "decided": None,
        "comment": "",
    }
    return {**row, **values}


REVIEW_ROWS = [
    review_row(),
    review_row(kind="task", item_id=2, submitted=timezone.now(), file_kind="pdf", department="CS"),
    review_row(kind="task", item_id=3, state="submitted", file_kind="", activity_on=None),
    review_row(
        item_id=4, state="approved", decider="Dr <Faculty>", decided=timezone.now(), amount=0
    ),
    review_row(
        kind="task", item_id=5, state="rejected", decider="Ada", decided=timezone.now(),
        comment='Not your "name" <here>',
    ),
    # Empty values: the generic path shows the table's default instead of rendering.
    review_row(item_id=6, student_name="", title=None, submitted=None, amount=None, detail=""),
    # Rows sharing a stamp with a row above: their buttons, forms and files are copies of it
    # with their own ids written in (QuickTable.stamped_cell).
    review_row(item_id=70, student_name="Ben"),
    review_row(kind="task", item_id=8, submitted=timezone.now(), file_kind="pdf"),
    review_row(kind="task", item_id=90, state="submitted", file_kind=""),
]  # fmt: skip


@pytest.mark.parametrize("waiting", [True, False])
def test_every_review_cell_matches_the_generic_rendering(admin, waiting):
    table = ReviewTable(REVIEW_ROWS, exclude=() if waiting else ("selected",))
    RequestConfig(request_for(admin)).configure(table)
    assert_cells_match(table, REVIEW_ROWS)


def test_review_cells_escape_what_students_and_staff_wrote(admin):
    table = ReviewTable(REVIEW_ROWS)
    RequestConfig(request_for(admin)).configure(table)
    shown = "".join(str(table.cell(name, REVIEW_ROWS[0])) for name in ("student_name", "title"))
    shown += str(table.cell("actions", REVIEW_ROWS[4]))
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
    assert "<b>" not in shown
    assert "&lt;here&gt;" in shown


def test_a_stamped_cell_refuses_to_read_what_its_rows_do_not_share(admin):
    table = ReviewTable(REVIEW_ROWS)
    RequestConfig(request_for(admin)).configure(table)
    with pytest.raises(fast.StampError):
        # The decided rows' cell names who decided and when: no stamp can stand for them all.
        table.stamped_cell("actions", REVIEW_ROWS[3], shared=("state", "kind"), row_id="item_id")


def test_stamped_rows_post_to_their_own_item(admin):
    table = ReviewTable(REVIEW_ROWS)
    RequestConfig(request_for(admin)).configure(table)
    first, copy = (str(table.cell("actions", row)) for row in (REVIEW_ROWS[0], REVIEW_ROWS[6]))
    assert "/claim/1/" in first and "comment-claim-1-counter" in first
    assert "/claim/70/" in copy and "comment-claim-70-counter" in copy
    assert str(fast.STAMP_ID) not in first + copy


# --- the redemption queue's cells ---------------------------------------------------------------


@pytest.fixture
def redemptions(student: StudentProfile, admin: User) -> list[Redemption]:
    student.user.name = "<script>alert('x')</script>"
    reward = RewardFactory(name="Mug & <b>lid</b>", cost=30)
    now = timezone.now()
    return [
        Redemption(pk=pk, student=student, reward=reward, cost=cost, status=status, created_at=now)
        for pk, status, cost in (
            (1, Redemption.Status.PENDING, 30),
            (2, Redemption.Status.APPROVED, 30),
            (3, Redemption.Status.FULFILLED, 30),
            (4, Redemption.Status.REJECTED, 30),
            (5, Redemption.Status.CANCELLED, 0),  # a draw prize costs nothing
            # Sharing a stamp with a row above (QuickTable.stamped_cell).
            (61, Redemption.Status.PENDING, 30),
            (72, Redemption.Status.APPROVED, 30),
            (83, Redemption.Status.FULFILLED, 30),
        )
    ]


def test_every_redemption_cell_matches_the_generic_rendering(redemptions, admin):
    table = QueueTable(redemptions)
    RequestConfig(request_for(admin)).configure(table)
    assert_cells_match(table, redemptions)


def test_redemption_cells_escape_names(redemptions, admin):
    table = QueueTable(redemptions)
    shown = str(table.cell("student", redemptions[0])) + str(table.cell("reward", redemptions[0]))
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown


@pytest.mark.parametrize("table_class", [ReviewTable, QueueTable, HistoryTable])
def test_the_table_rows_use_the_quick_cells(
    table_class, redemptions, faculty, student, category, monkeypatch
):
    if table_class is ReviewTable:
        records = REVIEW_ROWS
    elif table_class is QueueTable:
        records = redemptions
    else:
        records = [award(faculty, student, category), award(faculty, student, category)]
    table = table_class(records)
    asked = []
    monkeypatch.setattr(table, "cell", lambda name, record: asked.append(name) or name)
    rows = list(table.rows[0:2])
    assert [cell for _column, cell in rows[0].items()] == [c.name for c in table.columns]
    assert len(rows) == 2
    assert len(asked) == len(table.columns)


# --- whole pages --------------------------------------------------------------------------------


@pytest.fixture
def queue(student, other_student, admin, faculty, category) -> None:
    """Two waiting claims, a waiting task submission, a decided claim, and redemptions pending,
    approved and fulfilled, from a student whose name is markup."""
    User.objects.filter(pk=student.user_id).update(name="<script>alert('x')</script>")
    now = timezone.now()
    for n, (profile, status, kind) in enumerate(
        [(student, "pending", "png"), (other_student, "pending", "pdf"), (student, "approved", "")]
    ):
        ActivityClaim.objects.create(
            student=profile,
            category=category,
            points=10 + n,
            description="Ran the <i>open day</i>",
            activity_date=now.date(),
            evidence=f"evidence/{n}.{kind}" if kind else "",
            evidence_type=kind,
            status=status,
            created_at=now - timedelta(hours=n),
            decided_by=faculty if status == "approved" else None,
            decided_at=now if status == "approved" else None,
            idempotency_key=f"claim-{n}",
        )
    TaskAssignment.objects.create(
        task=TaskFactory(title="Guide <the> open day", category=category, created_by=faculty),
        student=student,
        status=TaskAssignment.Status.SUBMITTED,
        submitted_at=now - timedelta(days=2),
        submission_text="Done & dusted",
    )
    award(admin, student, category, 50)
    reward = RewardFactory(name="Mug", cost=10, stock=10)
    for decisions in ([], ["approve"], ["approve", "fulfil"]):
        redemption = redeem(student, reward)
        for decision in decisions:
            decide_redemption(actor=admin, redemption_id=redemption.pk, decision=decision)


@pytest.mark.parametrize(
    "url",
    [
        "/reviews/",
        "/reviews/?status=approved",
        "/staff/redemptions/",
        "/staff/redemptions/?status=",
        "/history/",
        "/history/?sort=amount",
    ],
)
def test_the_pages_are_what_the_generic_rendering_writes(queue, admin, url, monkeypatch):
    client = Client()
    client.force_login(admin)
    quick = client.get(url)
    monkeypatch.setattr(fast.QuickRow, "get_cell", BoundRow.get_cell)
    monkeypatch.setattr(fast.QuickRow, "html", None)  # the template's own row loop
    generic = client.get(url)
    assert quick.status_code == generic.status_code == 200
    assert "&lt;script&gt;" in quick.text
    assert same_token(quick.text) == same_token(generic.text)


def test_the_token_in_a_cell_form_is_accepted(queue, admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get("/reviews/").text
    action, token = re.search(
        r'<form method="post" action="([^"]+)"[^>]*>\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="(\w+)">',
        page,
    ).groups()
    response = client.post(action, {"csrfmiddlewaretoken": token, "decision": "approve"})
    assert response.status_code == 302


# --- paging the review queue's union ------------------------------------------------------------


@pytest.fixture
def mixed_queue(category, faculty) -> None:
    """Seven claims and six task submissions waiting, from thirteen students whose names, sent
    times and points all differ, interleaved in every order the table sorts by."""
    now = timezone.now()
    for n in range(13):
        profile = StudentFactory(user__name=f"Student {(n * 5) % 13:02d}")
        sent = now - timedelta(hours=(n * 7) % 13)
        if n % 2:
            TaskAssignment.objects.create(
                task=TaskFactory(points=1 + (n * 3) % 13, category=category, created_by=faculty),
                student=profile,
                status=TaskAssignment.Status.SUBMITTED,
                submitted_at=sent,
            )
        else:
            ActivityClaim.objects.create(
                student=profile,
                category=category,
                points=1 + (n * 3) % 13,
                description="x",
                activity_date=now.date(),
                evidence_type="",
                created_at=sent,
                idempotency_key=f"claim-{n}",
            )


@pytest.mark.parametrize(
    "order",
    [
        ("submitted", "kind", "item_id"),
        ("submitted", "item_id"),
        ("-submitted", "-item_id"),
        ("student_name", "item_id"),
        ("-amount", "-item_id"),
    ],
)
def test_every_page_of_the_union_is_a_page_of_the_whole_queue(mixed_queue, order):
    queue = list_review_queue().order_by(*order)
    whole = [(row["kind"], row["item_id"]) for row in queue]
    assert len(whole) == 13
    for start in (0, 4, 8, 12):
        page = [(row["kind"], row["item_id"]) for row in queue[start : start + 4]]
        assert page == whole[start : start + 4]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite gets the plain union")
def test_each_side_of_the_union_is_cut_to_the_page_end(mixed_queue):
    sql = str(list_review_queue()[20:45].query)
    assert sql.count("LIMIT 45") == 2
    assert sql.endswith("LIMIT 25 OFFSET 20")


def test_a_rows_attributes_are_what_django_tables2_writes():
    """Callables named by their arguments (record, table, **kwargs, an argument not given),
    None left out, escaping, and the even/odd class after the table's own."""

    class Rows(fast.QuickTable):
        name = fast.tables.Column()

        class Meta:
            row_attrs = {
                "id": lambda record: f"row-{record['name']}",
                "data-table": lambda table: type(table).__name__,
                "data-all": lambda **kwargs: sorted(kwargs),
                "data-missing": lambda record, page: "never",
                "data-none": None,
                "title": 'say "<hi>" & bye',
                "class": "max-sm:flex",
            }

        def cell_name(self, record: dict[str, Any]) -> Any:
            return record["name"]

    for row_attrs_class in ("max-sm:flex", ""):
        Rows._meta.row_attrs["class"] = row_attrs_class
        table = Rows([{"name": "<a>"}, {"name": "b"}, {"name": "c"}])
        for quick in table.rows:
            generic = BoundRow(quick.record, table=table)
            generic.row_counter = quick.row_counter
            assert table.row_attrs_html(quick) == generic.attrs.as_html()
        assert 'id="row-&lt;a&gt;"' in table.rows[0].html()
