"""`rows.insert_once`: one statement that writes a row unless a unique constraint refuses it,
with the values `Model.save()` would have written."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal.models import Transaction
from portal.services.rows import insert_once

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
