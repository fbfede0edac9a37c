"""The student-profile row lock that every award, deduction, redemption and check-in starts
with, as SQL composed once per process.

Composing the ORM query behind it (a join to the user, three conditions, `FOR NO KEY UPDATE
OF`, `select_related`) cost about 1.5 ms of CPU per request, as much as the bare transaction it
sits in; its text never changes, so it is built on first use from the models' own metadata and
its rows are read back into model instances with the fields' own converters, as the ORM does
(issue 17; bench/README.md has the figures). Only the conditions vary: `lock_profile` and
`lock_own_profile` in `ledger.py` are the two callers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model

from portal.models import Role, StudentProfile, User
from portal.prepared import prepared_cursor

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Columns:
    """One model's columns in a SELECT, and how to turn their values into an instance."""

    model: type[Model]
    alias: str
    attnames: list[str]
    converters: list[tuple[int, list[Converter], Any]]  # (position, converters, expression)

    @classmethod
    def of(cls, model: type[Model], alias: str) -> _Columns:
        fields = model._meta.concrete_fields
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((position, found, column))
        return cls(model, alias, [f.attname for f in fields], converters)

    def select(self) -> str:
        quote = connection.ops.quote_name
        fields = self.model._meta.concrete_fields
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in fields)

    def instance(self, values: Sequence[Any]) -> Model:
        values = list(values)
        for position, converters, column in self.converters:
            for convert in converters:
                values[position] = convert(values[position], column, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@dataclass(frozen=True)
class _Statement:
    sql: str
    profile: _Columns
    user: _Columns


@cache
def _statement(vendor: str, by_user: bool, active_only: bool) -> _Statement:
    """The SELECT for one kind of lock on one database vendor (cached: one per process)."""
    quote = connection.ops.quote_name
    profile, user = _Columns.of(StudentProfile, "p"), _Columns.of(User, "u")
    conditions = ["p.user_id = %s" if by_user else "p.id = %s", "p.graduated_in = ''"]
    if not by_user:
        conditions.append("u.role = %s")
    if active_only:
        conditions.append("u.is_active")
    lock = " FOR NO KEY UPDATE OF p" if connection.features.has_select_for_no_key_update else ""
    sql = (
        f"SELECT {profile.select()}, {user.select()} "  # noqa: S608 (names from the models)
        f"FROM {quote(StudentProfile._meta.db_table)} p "
        f"INNER JOIN {quote(User._meta.db_table)} u ON u.id = p.user_id "
        f"WHERE {' AND '.join(conditions)}{lock}"
    )
    return _Statement(sql, profile, user)


def locked_profile(
    *, profile_id: int | None = None, user_id: int | None = None, active_only: bool = True
) -> StudentProfile | None:
    """The profile (by its id, of an active or any student; or by its user's id, the acting
    student's own), locked until the transaction ends, with its user; None when there is no
    such student who has not graduated. SQLite serialises writers instead of locking rows."""
    by_user = user_id is not None
    low, high = connection.ops.integer_field_range("BigAutoField")
    if not low <= (user_id if by_user else profile_id) <= high:
        return None  # no such row; SQLite would refuse the parameter (the ORM checks too)
    statement = _statement(connection.vendor, by_user, active_only)
    params: list[Any] = [user_id] if by_user else [profile_id, Role.STUDENT]
    with prepared_cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(statement.profile.attnames)
    profile = statement.profile.instance(row[:split])
    profile.user = statement.user.instance(row[split:])
    return profile
