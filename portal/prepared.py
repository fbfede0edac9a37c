"""Reads composed once per process, run again with new arguments or as they are (issue 17).

Django composes a queryset's SQL on every evaluation. For the hottest single-row reads (the
event a check-in names) that was two thirds of the read's CPU: 0.49 of 0.7 ms, against 0.14
for the round trip; for a list with correlated subqueries (the draws page's) it was 4 ms.
`Prepared` composes its queryset once, with stand-in ids and moments, notes where each landed
among the parameters, and from then on runs that SQL with the real ones, turning the rows
into model instances as the ORM's own `ModelIterable` does (converters, `from_db`,
select_related populators, annotations). The queryset stays the single definition of the
read: `tests/test_prepared.py` checks both give the same objects.

`ComposedOnce` does the same for a list whose SQL depends on nothing that changes between
requests (the review queue, a filtered history, an event's attendance): its count and each
page of it.

On PostgreSQL (with `PREPARED_READS`) both run as prepared statements, which PostgreSQL parses
and plans once per connection (`prepared_cursor`): with its string parameters (a status, a
role, a kind) written into the SQL as the values they are, and only numbers (ids) and moments
left as parameters. A plan made once for a status not known yet walked the whole review queue
or redemption table for a few pending rows (2.8 -> 82 ms, 1.2 -> 33 ms); with the strings
written in, a plan made once for each composed read of every page was at worst 0.08 ms slower
than one made per call, and most took half the time (issue 17)."""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# Stand-ins, each used once per process: values no query holds as a constant, so where one
# lands among the parameters is known. The integers are positive and within a 32-bit column's
# range: Django finds nothing, and composes no SQL, for a value a column cannot hold (a
# negative cost, an id past 2**63). What a query with stand-ins finds is never used.
_STAND_INS = itertools.count(1_987_654_321)
_MOMENT_STAND_INS = itertools.count()
_STAND_IN_EPOCH = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
# What a 64-bit id column can hold: anything else finds nothing, without reaching the database
# (SQLite cannot bind a larger integer at all).
_LOWEST_ID, _HIGHEST_ID = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class _Instances:
    """How a row of a composed query becomes a model instance, as `ModelIterable` builds it:
    the model's own columns through `from_db`, then its select_related rows and annotations."""

    model: type[models.Model]
    init_list: list[str]
    # The model's own columns in a row, as a slice object: Tailwind scans portal/**/*.py for
    # class names and reads a written-out slice of two names as an arbitrary CSS property.
    own_columns: slice
    populators: list
    annotations: dict[str, int]

    @classmethod
    def of(cls, compiler: SQLCompiler, db: str) -> _Instances:
        """Read off a compiler that has composed its SQL (which fills `select`)."""
        select, klass_info = compiler.select, compiler.klass_info
        own = klass_info["select_fields"]
        own_columns = slice(own[0], own[-1] + 1)
        return cls(
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[own_columns]],
            own_columns=own_columns,
            populators=get_related_populators(klass_info, select, db),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def build(self, db: str, row: Any) -> models.Model:
        obj = self.model.from_db(db, self.init_list, row[self.own_columns])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations.items():
            setattr(obj, name, row[position])
        return obj


@dataclass(frozen=True)
class _Statement:
    """A queryset's SQL as composed once, and how its rows come back as the ORM's iterables
    return them: converted by the fields' converters, then built into dicts (`.values()`) or
    model instances."""

    sql: str | None  # None: the query can match nothing (Django's EmptyResultSet)
    params: tuple[Any, ...]
    converters: dict
    names: list[str] | None = None  # a `.values()` query: each row as a dict of these
    instances: _Instances | None = None  # otherwise: model instances

    @classmethod
    def of(cls, queryset: models.QuerySet) -> _Statement:
        """What `ValuesIterable` or `ModelIterable` composes for `queryset`."""
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()  # also fills compiler.select and klass_info
        except EmptyResultSet:
            return cls(None, (), {}, names=[])
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        statement = cls(sql, tuple(params), compiler.get_converters(fields))
        if queryset._iterable_class is ValuesIterable:
            if query.selected:
                names = list(query.selected)
            else:
                names = [*query.extra_select, *query.values_select, *query.annotation_select]
            return replace(statement, names=names)
        return replace(statement, instances=_Instances.of(compiler, queryset.db))

    def run(self, db: str, params: list[Any] | None = None) -> Iterator[Any]:
        """Each row the SQL reads, with these `params` or the composed ones."""
        if self.sql is None:
            return
        with prepared_read(db) as execute:
            rows = execute(self.sql, self.params if params is None else params).fetchall()
        if self.converters:
            rows = _converted(rows, self.converters, connections[db])
        if self.names is not None:
            names = self.names
            for row in rows:  # past the names: ordering columns DISTINCT added, as Django drops
                yield dict(zip(names, row, strict=False))
            return
        for row in rows:
            yield self.instances.build(db, row)


@contextmanager
def prepared_cursor(db: str = DEFAULT_DB_ALIAS, *, reads: bool = False) -> Iterator[Any]:
    """A cursor whose statements PostgreSQL parses and plans once per connection (server-side
    parameters, prepared on first use) instead of on every request: for the write paths' own
    statements (the profile lock, the ledger's statement, the inserts that return their id),
    with `PREPARED_WRITES`, which run with the same text on every award, redemption and
    check-in (about 0.6 ms of the database's 1.5 ms of CPU an award); with `reads`, for the
    reads written once per process, with `PREPARED_READS` (see `prepared_read`). Elsewhere,
    and with the setting off (behind a pooler in transaction mode, which cannot keep prepared
    statements between transactions), Django's cursor. The ORM's other queries are not
    prepared: a plan made once for any parameters could suit a page's filters badly."""
    prepares = _prepares(db, reads=reads)
    with _server_binding_cursor(db) if prepares else connections[db].cursor() as cursor:
        yield cursor


def _server_binding_cursor(db: str) -> Any:
    """Django's cursor wrapper (query logging, execute wrappers) around a psycopg cursor that
    sends its parameters apart and so prepares (the connection's `prepare_threshold` 0)."""
    from django.db.backends.postgresql.base import ServerBindingCursor  # needs psycopg

    connection = connections[db]
    connection.ensure_connection()
    raw = connection.connection
    usual = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    try:
        return connection.cursor()
    finally:
        raw.cursor_factory = usual


def _prepares(db: str, *, reads: bool) -> bool:
    """Whether `prepared_cursor` prepares. Logged queries (DEBUG, a test capturing them) are
    shown with their values in place, which Django composes only for its own cursor: those go
    through it, unprepared."""
    connection = connections[db]
    enabled = settings.PREPARED_READS if reads else settings.PREPARED_WRITES
    return connection.vendor == "postgresql" and enabled and not connection.queries_logged


@contextmanager
def prepared_read(db: str = DEFAULT_DB_ALIAS) -> Iterator[Callable[[str, Sequence[Any]], Any]]:
    """`execute(sql, params)` for a read written once per process (the composed reads here, a
    selector's own statement), returning the cursor; `params` a sequence for `%s`
    placeholders. Prepared (`prepared_cursor`), a statement is planned once for all its
    parameters' values, so its string parameters are written into the SQL first
    (`_strings_written_in`): the plan then knows which status or role it looks for, as
    Django's own client-side binding lets it. Ids and moments stay parameters, so one
    statement serves every student and every request."""
    prepares = _prepares(db, reads=True)
    with _server_binding_cursor(db) if prepares else connections[db].cursor() as cursor:

        def execute(sql: str, params: Sequence[Any]) -> Any:
            if prepares:
                if isinstance(params, dict):  # %(name)s: its keys are not parameters
                    raise TypeError("prepared_read takes parameters for %s placeholders.")
                strings = tuple((i, p) for i, p in enumerate(params) if isinstance(p, str))
                if strings:
                    sql, kept = _strings_written_in(sql, strings)
                    params = [params[i] for i in kept]
            cursor.execute(sql, params)
            return cursor

        yield execute


# A placeholder in Django's SQL, or an escaped percent sign.
_PLACEHOLDER = re.compile(r"%[s%]")


@lru_cache(maxsize=2048)
def _strings_written_in(
    sql: str, strings: tuple[tuple[int, str], ...]
) -> tuple[str, tuple[int, ...]]:
    """`sql` with the parameters at these positions written in as SQL string literals (quoted
    as psycopg's client-side binding quotes them, which is what Django sends by default), and
    the positions of the parameters left."""
    from psycopg.sql import Literal  # needs psycopg, as prepared_cursor

    values = dict(strings)
    kept: list[int] = []
    positions = itertools.count()

    def swap(placeholder: re.Match) -> str:
        if placeholder.group() == "%%":
            return "%%"
        position = next(positions)
        if position in values:
            return Literal(values[position]).as_string(None).replace("%", "%%")
        kept.append(position)
        return "%s"

    return _PLACEHOLDER.sub(swap, sql), tuple(kept)


def _converted(rows: list[Any], converters: dict, connection: Any) -> Iterator[list[Any]]:
    """`SQLCompiler.apply_converters`, with the connection of the thread running the statement
    (the composing compiler's belongs to the thread that composed it)."""
    converters = list(converters.items())
    for row in map(list, rows):
        for position, (row_converters, expression) in converters:
            value = row[position]
            for converter in row_converters:
                value = converter(value, expression, connection)
            row[position] = value
        yield row


@dataclass(frozen=True)
class _Composed:
    statement: _Statement
    slots: tuple[tuple[int, int], ...]  # (parameter position, index of the argument)
    db: str


class Prepared:
    """A read whose SQL varies between calls only in its arguments: integers (ids, a balance)
    and aware datetimes (the clock), one each per position of `takes`. `build(*args)` makes
    its queryset; it is composed once, with stand-ins (`_STAND_INS`), noting where each landed
    among the parameters, and then run with the real arguments:
    `Prepared(lambda pk: Event.objects.select_related("category").filter(pk=pk)).first(7)`.
    `first(*args)` gives its first row, `all(*args)` the list (a LIMIT, an ordering, anything
    else is fixed at the first call), `count(*args)` its count. Model rows with their
    select_related rows and annotations, or `.values()` dicts; prefetches are refused. Each
    argument must reach the SQL as a parameter of its own, unchanged (not `pk + 1`, not a date
    cut from a datetime): composing refuses a build where one does not."""

    def __init__(
        self, build: Callable[..., models.QuerySet], *, takes: tuple[type, ...] = (int,)
    ) -> None:
        self._build = build
        self._takes = takes
        if any(kind not in (int, datetime) for kind in self._takes):
            raise TypeError("Prepared takes integers and datetimes.")
        self._composed: _Composed | None = None  # the rows' statement
        self._count: _Composed | None = None  # the count's

    def first(self, *args: Any) -> Any:
        return next(self._run(self._read, args), None)

    def all(self, *args: Any) -> list[Any]:
        return list(self._run(self._read, args))

    def count(self, *args: Any) -> int:
        """The queryset's `count()`: its rows' ids counted by an outer query, composed once."""
        return next(self._run(self._counted, args), {"n": 0})["n"]

    def _run(self, composed: Callable[[], _Composed], args: tuple[Any, ...]) -> Iterator[Any]:
        if len(args) != len(self._takes):
            raise TypeError(f"expected {len(self._takes)} arguments, got {len(args)}")
        values = []
        for kind, value in zip(self._takes, args, strict=True):
            if kind is int:
                # Integers only (operator.index refuses "5" and 5.0 with a TypeError, as no
                # caller should pass them); past what a 64-bit column holds nothing matches,
                # without reaching the database (SQLite cannot bind a larger integer at all).
                value = operator.index(value)
                if not _LOWEST_ID <= value <= _HIGHEST_ID:
                    return iter(())
            elif not isinstance(value, datetime) or value.tzinfo is None:
                raise TypeError("expected an aware datetime")
            values.append(value)
        read = composed()
        params = list(read.statement.params)
        for position, index in read.slots:
            params[position] = _bound(values[index], read.db)
        return read.statement.run(read.db, params)

    def _built(self) -> tuple[list[Any], models.QuerySet]:
        """Fresh stand-ins, and the queryset built with them."""
        stand_ins = [_stand_in(kind) for kind in self._takes]
        return stand_ins, self._build(*stand_ins)

    def _read(self) -> _Composed:
        if self._composed is None:
            stand_ins, queryset = self._built()
            if queryset._prefetch_related_lookups or queryset._iterable_class not in (
                ModelIterable,
                ValuesIterable,
            ):
                raise ValueError(
                    "Prepared reads model rows or .values() dicts, without prefetches."
                )
            self._composed = _slotted(_Statement.of(queryset), stand_ins, queryset.db)
        return self._composed

    def _counted(self) -> _Composed:
        if self._count is None:
            stand_ins, queryset = self._built()
            # The rows' ids, counted in an outer query (as Django counts a union or a sliced
            # queryset), composed without running anything.
            if queryset.query.distinct or queryset.query.is_sliced:
                # DISTINCT over chosen columns, or a LIMIT, is not a count of the rows' ids.
                raise ValueError("Prepared counts querysets without DISTINCT or a slice.")
            rows = queryset.order_by()
            if not rows.query.combinator:
                rows = rows.values("pk")
            inner = _Statement.of(rows)
            counted = f"SELECT COUNT(*) FROM ({inner.sql}) counted"  # noqa: S608 (Django's SQL)
            sql = None if inner.sql is None else counted
            statement = _Statement(sql, inner.params, {}, names=["n"])
            self._count = _slotted(statement, stand_ins, queryset.db)
        return self._count


def _slotted(statement: _Statement, stand_ins: list[Any], db: str) -> _Composed:
    """`statement` with where each stand-in landed among its parameters (a datetime as the
    backend adapts it): each must land somewhere, as itself."""
    reached = [_bound(stand_in, db) for stand_in in stand_ins]
    slots = tuple(
        (position, reached.index(value))
        for position, value in enumerate(statement.params)
        if value in reached
    )
    if {index for _position, index in slots} != set(range(len(stand_ins))):
        raise ValueError("Every argument must reach the SQL as a parameter of its own.")
    return _Composed(statement, slots, db)


def _bound(value: Any, db: str) -> Any:
    """An argument as it is bound: a datetime as the backend adapts it (text on SQLite)."""
    if isinstance(value, datetime):
        return connections[db].ops.adapt_datetimefield_value(value)
    return value


def _stand_in(kind: type) -> Any:
    """A value used once per process (see `_STAND_INS`): an integer, or a moment in 1901."""
    if kind is int:
        return next(_STAND_INS)
    return _STAND_IN_EPOCH + timedelta(microseconds=next(_MOMENT_STAND_INS))


# What `ComposedOnce` composed, by key: counts as (sql, params), pages as _Statement. A
# queue paged through far adds a key per page; past this many the oldest is dropped.
_COMPOSED: dict[tuple, Any] = {}
_COMPOSED_MAX = 1024


class ComposedOnce(models.QuerySet):
    """A queryset whose SQL depends on nothing but `shape`: ids and constants fixed when it
    was built, no clock, nothing read from the database. Its `count()` and each page of it
    (`qs.order_by(...)` cut to a page, as django-tables2 asks), as dicts (`.values()`) or as
    model instances with their select_related rows and annotations, are composed once per
    process for each shape, ordering and slice, then run again as they are. Composing the
    review queue (two sides of a union, a dozen correlated subqueries each) took 6 ms of the
    page's 21 (issue 17). `shaped(shape)` marks a queryset; `.all()`, `order_by()` with field
    names and slicing keep the mark, and anything else (a filter, an annotation, an ordering
    by an expression) drops it, so a changed copy composes its own SQL as Django does."""

    shape: Hashable | None = None

    def shaped(self, shape: Hashable) -> ComposedOnce:
        return self._keeping_shape(self._chain(), shape)

    @staticmethod
    def _keeping_shape(queryset: Any, shape: Hashable | None) -> Any:
        if isinstance(queryset, ComposedOnce):
            queryset.shape = shape
        return queryset

    def _clone(self) -> ComposedOnce:
        clone = super()._clone()
        clone.shape = None
        return clone

    def all(self) -> ComposedOnce:
        return self._keeping_shape(super().all(), self.shape)

    def order_by(self, *field_names: Any) -> ComposedOnce:
        # Field names only (as the tables pass them): an expression's text need not tell two
        # orderings apart, and no names at all drops the model's default ordering.
        named = bool(field_names) and all(isinstance(name, str) for name in field_names)
        return self._keeping_shape(super().order_by(*field_names), self.shape if named else None)

    def __getitem__(self, k: int | slice) -> Any:
        return self._keeping_shape(super().__getitem__(k), self.shape)

    def cut(self) -> tuple:
        """This queryset's ordering and slice, as the key of its composed SQL holds them."""
        return _cut(self.query)

    def _key(self, what: str) -> tuple:
        query = self.query
        sides = tuple(_cut(side) for side in query.combined_queries)
        return (what, self.db, self.model, self.shape, self._iterable_class, _cut(query), sides)

    def count(self) -> int:
        if self.shape is None or self._result_cache is not None:
            return super().count()
        key = self._key("count")
        statement = _COMPOSED.get(key)
        if statement is None:
            with _recorded(self.db) as ran:
                number = super().count()
            if len(ran) == 1:  # one statement, as Django counts: run it again next time
                _remember(key, ran[0])
            return number
        sql, params = statement
        with prepared_read(self.db) as execute:
            return execute(sql, params).fetchone()[0]

    def _fetch_all(self) -> None:
        if (
            self.shape is None
            or self._result_cache is not None
            or self._iterable_class not in (ValuesIterable, ModelIterable)
            or self._prefetch_related_lookups
            or self._known_related_objects
        ):
            super()._fetch_all()
            return
        key = self._key("rows")
        statement = _COMPOSED.get(key)
        if statement is None:
            statement = _remember(key, _Statement.of(self))
        self._result_cache = list(statement.run(self.db))


def _cut(query: Any) -> tuple:
    order = (*map(str, query.order_by), *map(str, query.extra_order_by))
    flags = (query.default_ordering, query.standard_ordering)
    return (order, flags, query.low_mark, query.high_mark)


def composed_once(queryset: models.QuerySet, shape: Hashable) -> ComposedOnce:
    """`queryset` (its query as it stands) as a `ComposedOnce` marked with `shape`: for a
    selector whose model has a queryset class of its own. Model rows only: what else a
    queryset carries besides its query (`.values()`, prefetches) would be lost."""
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        raise ValueError("composed_once takes a queryset of model rows without prefetches.")
    composed = ComposedOnce(
        model=queryset.model,
        query=queryset.query.chain(),
        using=queryset._db,
        hints=queryset._hints,
    )
    return composed.shaped(shape)


def _remember(key: tuple, value: Any) -> Any:
    if len(_COMPOSED) >= _COMPOSED_MAX:
        # The oldest goes (another thread may be doing the same).
        with suppress(KeyError, RuntimeError, StopIteration):
            del _COMPOSED[next(iter(_COMPOSED))]
    _COMPOSED[key] = value
    return value


@contextmanager
def _recorded(db: str) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The statements run on `db` meanwhile, as (sql, params)."""
    ran: list[tuple[str, tuple[Any, ...]]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        ran.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connections[db].execute_wrapper(record):
        yield ran
