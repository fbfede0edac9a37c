"""Writing a row that a unique constraint may refuse, in one round trip."""

from __future__ import annotations

from django.db import models
from django.db.models.constants import OnConflict


def insert_once(obj: models.Model) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: write `obj` unless a unique constraint
    refuses it, in one round trip and with no savepoint (an IntegrityError would need one to
    keep the transaction usable). Returns whether the row was written (then `obj.pk` is set).
    Django's own `Model.save()` goes through the same `QuerySet._insert`; this adds only the
    conflict clause, which PostgreSQL and SQLite (3.35+, for RETURNING) both take."""
    model = type(obj)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    rows = model._default_manager._insert(
        [obj], fields=fields, returning_fields=[meta.pk], on_conflict=OnConflict.IGNORE
    )
    if not rows or rows[0] is None:
        return False
    obj.pk = rows[0][0]
    obj._state.adding = False
    obj._state.db = model._default_manager.db
    return True
