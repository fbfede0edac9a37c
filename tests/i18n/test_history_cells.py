"""The history table's own words and dates follow the reader's language (they were written in
English whatever the language: "System", and a reversal's date through strftime)."""

from __future__ import annotations

import pytest
from django.utils import formats, timezone, translation

from portal.models import Transaction
from portal.selectors.ledger import list_history
from portal.services.ledger import reverse_transaction
from portal.tables.ledger import HistoryTable
from tests.conftest import key
from tests.helpers import award

pytestmark = pytest.mark.django_db


def test_an_entry_without_an_actor_is_by_the_system_in_each_language():
    table = HistoryTable(Transaction.objects.none())
    with translation.override("en-gb"):
        assert str(table.cell_actor(Transaction(actor=None))) == "System"
    with translation.override("ar"):
        assert str(table.cell_actor(Transaction(actor=None))) == "النظام"


def test_a_reversal_names_the_reversed_entry_s_date_in_the_reader_s_language(
    admin, student, category
):
    entry = award(admin, student, category)
    reversal = reverse_transaction(
        actor=admin, transaction_id=entry.pk, reason="Entered twice", idempotency_key=key()
    )
    record = list_history(admin).get(pk=reversal.pk)
    table = HistoryTable(Transaction.objects.none())
    with translation.override("ar"):
        html = table.cell_reason(record)
        arabic_date = formats.date_format(timezone.localtime(entry.created_at), "j M Y")
    assert "يعكس القيد المسجَّل في" in html
    assert arabic_date in html
    assert timezone.localtime(entry.created_at).strftime("%b") not in html
