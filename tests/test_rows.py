"""`rows.insert_once` and `rows.insert_once_sql`: one statement that writes a row unless a unique
constraint refuses it, with the values `Model.save()` would have written."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.models import Transaction
from portal.prepared import prepared_cursor
from portal.services.rows import insert_once, insert_once_sql

pytestmark = pytest.mark.django_db

COMPARED = ("student_id", "amount", "kind", "category_id", "actor_id", "reason",
            "counts_for_lifetime", "redemption_id", "reverses_id")  # fmt: skip


def entry(student, faculty, category, key: str, **fields) -> Transaction:
    values = {
        "student": student,
        "amount": 7,
        "kind": Transaction.Kind.AWARD,
        "category": category,
        "actor": faculty,
        "reason": "Hackathon ‘quoted’ %s $1",
        "idempotency_key": key,
        "counts_for_lifetime": True,
    }
    return Transaction(**(values | fields))


def test_it_writes_what_save_writes_in_one_statement(student, faculty, category):
    saved = entry(student, faculty, category, "saved")
    saved.save()
    inserted = entry(student, faculty, category, "inserted")
    with CaptureQueriesContext(connection) as queries:
        assert insert_once(inserted) is True
    assert len(queries) == 1
    assert inserted.pk and not inserted._state.adding
    saved.refresh_from_db()
    inserted.refresh_from_db()
    assert [getattr(inserted, f) for f in COMPARED] == [getattr(saved, f) for f in COMPARED]
    assert inserted.redemption_id is None  # a NULL column left to its default
    assert inserted.created_at is not None


def test_a_refused_row_writes_nothing_and_leaves_the_transaction_usable(student, faculty, category):
    assert insert_once(entry(student, faculty, category, "once"))
    with transaction.atomic():
        again = entry(student, faculty, category, "once", amount=9)
        assert insert_once(again) is False
        assert again.pk is None and again._state.adding
        assert Transaction.objects.filter(idempotency_key="once").count() == 1  # still usable
    assert Transaction.objects.get(idempotency_key="once").amount == 7


def run(statement: tuple[str, tuple[object, ...]]) -> tuple[object, ...] | None:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_statement_for_a_larger_one_writes_what_save_writes(student, faculty, category):
    """`insert_once_sql`, which the ledger's statement embeds (composed once per set of
    columns given a value), writes the same row as `save()`, and no row when refused."""
    saved = entry(student, faculty, category, "saved")
    saved.save()
    first = entry(student, faculty, category, "first")
    second = entry(student, faculty, category, "second", actor=None, amount=11)
    written = [run(insert_once_sql(first)), run(insert_once_sql(second))]
    assert all(row is not None for row in written)
    first, second = (Transaction.objects.get(pk=row[0]) for row in written)
    assert [getattr(first, f) for f in COMPARED] == [getattr(saved, f) for f in COMPARED]
    assert (second.actor_id, second.amount) == (None, 11)  # a column left out: NULL
    assert run(insert_once_sql(entry(student, faculty, category, "first", amount=9))) is None
    assert Transaction.objects.get(idempotency_key="first").amount == 7


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_write_paths_statements_are_prepared_once_per_connection(
    student, faculty, category, settings
):
    """`prepared_cursor`: the profile lock and the ledger's statement are parsed and planned
    once per connection (issue 17); the ORM's own queries are not prepared."""
    from tests.cast import award

    award(faculty, student, category, 10)
    award(faculty, student, category, 10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('INTO "portal_transaction"' in s and "$1" in s for s in prepared)
    assert any("FOR NO KEY UPDATE OF p" in s for s in prepared)
    assert not any(s.lstrip().startswith('SELECT "portal_user"') for s in prepared)
    settings.PREPARED_WRITES = False  # behind a pooler in transaction mode
    with prepared_cursor() as cursor:
        assert type(cursor.cursor) is type(connection.cursor().cursor)
