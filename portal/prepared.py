"""Reads composed once per process, run again with new ids (issue 17).

Django composes a queryset's SQL on every evaluation. For the hottest single-row reads (the
event a check-in names) that was two thirds of the read's CPU: 0.49 of 0.7 ms, against 0.14
for the round trip. `Prepared` composes its queryset once, with stand-in ids, notes where
each id landed among the parameters, and from then on runs that SQL with the real ids,
turning the row into model instances as the ORM's own `ModelIterable` does (converters,
`from_db`, select_related populators). The queryset stays the single definition of the read:
`tests/test_prepared.py` checks both give the same objects."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# Stand-in ids no row has (ids are positive), each used once per process.
_STAND_INS = itertools.count(-7_300_000_000_001, -1)
# What a 64-bit id column can hold: anything else finds nothing, without reaching the database
# (SQLite cannot bind a larger integer at all).
_LOWEST_ID, _HIGHEST_ID = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class _Composed:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (parameter position, index of the id)
    db: str
    compiler: SQLCompiler
    converters: dict
    model: type[models.Model]
    init_list: list[str]
    # The model's own columns in a row, as a slice object: Tailwind scans portal/**/*.py for
    # class names and reads a written-out slice of two names as an arbitrary CSS property.
    own_columns: slice
    populators: list


class Prepared:
    """`build(*ids)`, a queryset of at most one row that uses each integer id as a filter value
    and nothing else that varies between calls (its other values are fixed at the first call):
    `Prepared(lambda pk: Event.objects.select_related("category").filter(pk=pk)).first(7)`.
    Querysets with annotations or `prefetch_related` are refused (only fields and
    select_related rows are rebuilt)."""

    def __init__(self, build: Callable[..., models.QuerySet], arity: int = 1) -> None:
        self._build = build
        self._arity = arity
        self._composed: _Composed | None = None

    def first(self, *ids: int) -> models.Model | None:
        if len(ids) != self._arity:
            raise TypeError(f"expected {self._arity} ids, got {len(ids)}")
        # Integers only (operator.index refuses "5" and 5.0 with a TypeError, as no caller
        # should pass them): compared, not looked up in a range, which walks it for a non-int.
        ids = tuple(operator.index(i) for i in ids)
        if any(not _LOWEST_ID <= i <= _HIGHEST_ID for i in ids):
            return None
        composed = self._composed or self._compose()
        params = list(composed.params)
        for position, index in composed.slots:
            params[position] = ids[index]
        with connections[composed.db].cursor() as cursor:
            cursor.execute(composed.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if composed.converters:
            row = next(iter(composed.compiler.apply_converters([row], composed.converters)))
        obj = composed.model.from_db(composed.db, composed.init_list, row[composed.own_columns])
        for populator in composed.populators:
            populator.populate(row, obj)
        return obj

    def _compose(self) -> _Composed:
        stand_ins = [next(_STAND_INS) for _ in range(self._arity)]
        queryset = self._build(*stand_ins)
        query = queryset.query
        if query.annotation_select or queryset._prefetch_related_lookups:
            raise ValueError("Prepared reads only fields and select_related rows.")
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = tuple(
            (position, stand_ins.index(value))
            for position, value in enumerate(params)
            if isinstance(value, int) and value in stand_ins
        )
        if {index for _position, index in slots} != set(range(self._arity)):
            raise ValueError("Every id must reach the SQL as a parameter of its own.")
        select, klass_info = compiler.select, compiler.klass_info
        own_columns = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        self._composed = _Composed(
            sql=sql,
            params=tuple(params),
            slots=slots,
            db=queryset.db,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[own_columns]],
            own_columns=own_columns,
            populators=get_related_populators(klass_info, select, queryset.db),
        )
        return self._composed
