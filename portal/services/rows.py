"""Writing a row that a unique constraint may refuse, or that holds only while another row is
unchanged, in one round trip."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection, models

from portal.prepared import prepared_cursor  # the write paths' (PREPARED_WRITES)


def insert_once(obj: models.Model) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: write `obj` unless a unique constraint
    refuses it, in one round trip and with no savepoint (an IntegrityError would need one to
    keep the transaction usable). Returns whether the row was written (then `obj.pk` is set).
    The statement is `insert_once_sql`'s, which PostgreSQL and SQLite (3.35+, for RETURNING)
    both take."""
    return write_returning(obj, *insert_once_sql(obj))


def insert_once_sql(obj: models.Model) -> tuple[str, tuple[object, ...]]:
    """The INSERT ... ON CONFLICT DO NOTHING RETURNING id that writes `obj` unless a unique
    constraint refuses it, as SQL and parameters, for a caller that writes more in the same
    round trip (a data-modifying `WITH`). Its RETURNING gives the new primary key, or no row
    when a unique constraint refused it. The values are prepared as `Model.save()` prepares
    them (`insert_values`); the statement is composed once per shape and process (the ORM's
    compiler composed it again on every ledger entry: 90 us against 40 for the values)."""
    values = insert_values(obj)
    sql = _insert_once_sql(type(obj), tuple(f.column for f, _v in values))
    return sql, tuple(v for _f, v in values)


@cache
def _insert_once_sql(model: type[models.Model], columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(map(quote, columns))}) "  # noqa: S608 (model's names)
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT DO NOTHING RETURNING {table}.{quote(model._meta.pk.column)}"
    )


def insert_after_sql(obj: models.Model, field: str, after: str) -> tuple[str, tuple[object, ...]]:
    """`insert_once_sql`'s statement for `obj` whose foreign key `field` takes the id that an
    earlier data-modifying CTE of the same statement, named `after`, returned: it writes a row
    only if `after` returned one (`ledger.post` with a `RowFirst`)."""
    fk = type(obj)._meta.get_field(field)
    values = [(f, v) for f, v in insert_values(obj) if f is not fk]
    sql = _insert_after_sql(type(obj), tuple(f.column for f, _v in values), fk.column, after)
    return sql, tuple(v for _f, v in values)


@cache
def _insert_after_sql(
    model: type[models.Model], columns: tuple[str, ...], fk_column: str, after: str
) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return (
        f"INSERT INTO {table} ({', '.join(map(quote, (*columns, fk_column)))}) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(columns))}, {after}.id FROM {after} "
        f"ON CONFLICT DO NOTHING RETURNING {table}.{quote(model._meta.pk.column)}"
    )


def write_returning(obj: models.Model, sql: str, params: Sequence[object]) -> bool:
    """Run an INSERT of `obj` that returns its new id or no row; mark `obj` written if it
    returned one. Returns whether it did."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchone()
    if written is None:
        return False
    mark_written(obj, written[0])
    return True


def mark_written(obj: models.Model, pk: object) -> None:
    """Mark `obj` as the row just inserted with `pk`, as `Model.save()` does."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = type(obj)._default_manager.db


def insert_while_unchanged(obj: models.Model, row: models.Model) -> bool:
    """Write `obj` only while the database still holds `row` exactly as it was read (every
    column equal), in one round trip: INSERT ... SELECT ... FROM row's table WHERE each column
    equals the copy, ON CONFLICT DO NOTHING RETURNING id. False when the row changed (or went)
    or a unique constraint refused `obj`: the caller then reads the row again and decides.

    For a check made on a copy read before a lock: the write lands only if nothing the check
    read has moved since, without reading the row again under the lock."""
    return write_returning(obj, *insert_while_unchanged_sql(obj, row))


def insert_while_unchanged_sql(obj: models.Model, row: models.Model) -> tuple[str, list[object]]:
    """The statement of `insert_while_unchanged`, as SQL and parameters, for a caller that
    writes more in the same round trip (`ledger.post` with a `RowFirst`). Its RETURNING gives
    the new primary key, or no row."""
    values = insert_values(obj)
    compared = [(f, getattr(row, f.attname)) for f in type(row)._meta.concrete_fields]
    sql = _insert_while_unchanged_sql(
        type(obj),
        tuple(f.column for f, _v in values),
        type(row),
        tuple(f.column for f, v in compared if v is None),
    )
    params = [v for _f, v in values] + [
        f.get_db_prep_value(v, connection) for f, v in compared if v is not None
    ]
    return sql, params


def insert_values(obj: models.Model, *, with_pk: bool = False) -> list[tuple[models.Field, object]]:
    """The columns `obj` gives a value, each with its value ready for the database (NULLs are
    left to the column's default, which is NULL: an untyped NULL in a SELECT list would be
    text to PostgreSQL). The primary key only `with_pk`, for a key the caller sets (a UUID)."""
    values = []
    for field in type(obj)._meta.concrete_fields:
        if field.primary_key and not with_pk:
            continue
        value = field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        if value is not None:
            values.append((field, value))
    return values


@cache
def _insert_while_unchanged_sql(
    model: type[models.Model],
    columns: tuple[str, ...],
    row_model: type[models.Model],
    null_columns: tuple[str, ...],
) -> str:
    """The statement of `insert_while_unchanged`, composed once per shape and process."""
    quote = connection.ops.quote_name
    table = quote(row_model._meta.db_table)
    conditions = [
        f"{table}.{quote(f.column)} IS NULL"
        if f.column in null_columns
        else f"{table}.{quote(f.column)} = %s"
        for f in row_model._meta.concrete_fields
    ]
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(columns))} FROM {table} "
        f"WHERE {' AND '.join(conditions)} "
        f"ON CONFLICT DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    )
