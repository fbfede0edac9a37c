"""Tables whose cells are written by one method call each (issue 9).

For every cell, django-tables2's generic path walks the column's accessor, looks for a
get_FOO_display method, inspects the signature of the render method to choose its arguments
and, for a TemplateColumn, renders the template in a fresh RequestContext (every context
processor again, over a flattened copy of the page's context). That was most of the time the
history, review and redemption tables took at 50,000 students. A `QuickTable` asks its own
`cell(name, record)` instead, which reuses the columns' render methods and templates; each
table has a test comparing every cell with the generic rendering. Cells that are the same on
every row but for the row's id (a queue's buttons and forms) are drawn once and copied
(`stamped_cell`)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.template import Context
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import (
    AttributeDict,
    computed_values,
    signature,
)

# Stands in for a row's id while a stamp is drawn: an int, so URL patterns take it, and a number
# these tables' templates cannot otherwise write (they read nothing but the shared fields).
STAMP_ID = 8_589_934_583


class StampError(RuntimeError):
    """A stamped cell's template read a field its stamp does not share. Not one of the
    exceptions the template engine turns into an empty string, so a test sees it."""


class StampRecord:
    """What a stamped cell's template sees: the fields every row with the same stamp shares
    (their values, or methods of the record that depend only on them), and `STAMP_ID` for the
    row's id. Any other field raises `StampError`."""

    def __init__(self, record: Any, shared: tuple[str, ...], row_id: str) -> None:
        self._record, self._shared, self._row_id = record, shared, row_id

    def __getitem__(self, name: str) -> Any:
        if name == self._row_id:
            return STAMP_ID
        if name in self._shared:
            return field_of(self._record, name)
        raise StampError(f"a stamped cell read {name!r}, which is not in {self._shared}")

    def __getattr__(self, name: str) -> Any:
        # Python's own lookups (copy, pickle, hasattr on dunders) find nothing here.
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


def field_of(record: Any, name: str) -> Any:
    return record[name] if isinstance(record, dict) else getattr(record, name)


def shared_value(record: Any, name: str) -> Any:
    """A shared field's value, or what a method (`get_status_display`) returns: part of the key
    that tells which rows one stamp draws."""
    value = field_of(record, name)
    return value() if callable(value) else value


class QuickRow(BoundRow):
    """A row whose cells come from `QuickTable.cell`."""

    def get_cell(self, name: str) -> Any:
        return self.table.cell(name, self.record)

    def html(self) -> SafeString:
        """The whole `<tr>`, as the table template's generic loop writes it: the attributes of
        `row.attrs.as_html` and every `<td>` (escaped and localised like `{{ cell }}`), with
        each column's attributes worked out once per table. Plain strings and `escaped`
        rather than `format_html`, whose lazy-argument check ran for every cell."""
        table = self.table
        cells = "".join(
            f"<td {table.td_attrs(column)}>{escaped(shown(self.get_cell(column.name)))}</td>"
            for column in table.columns
        )
        return SafeString(f"<tr {table.row_attrs_html(self)}>{cells}</tr>")


def escaped(value: Any) -> str:
    """What `conditional_escape` writes, without the lazy-argument wrapper Django puts around
    it (a few microseconds a call, and a table page makes hundreds)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def attrs_html(attrs: dict[str, Any]) -> str:
    """`AttributeDict(attrs).as_html()`, escaped by `escaped`."""
    return " ".join(
        f'{escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if name not in AttributeDict.blacklist and value is not None
    )


def shown(value: Any) -> Any:
    """A value as `{{ value }}` shows it: in the current time zone and locale."""
    return value if isinstance(value, str) else localize(template_localtime(value))


def _called(fn: Callable[..., Any], names: list[str], given: dict[str, Any]) -> Any:
    """django-tables2's `call_with_appropriate(fn, given)` for a callable without **kwargs
    whose argument `names` were read once per table: None when it names one not given."""
    if any(name not in given for name in names):
        return None
    return fn(**{name: given[name] for name in names})


class QuickRows(BoundRows):
    """A quick table's rows (these tables have no pinned rows)."""

    def __iter__(self) -> Any:
        for record in self.data:
            yield QuickRow(record, table=self.table)

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, slice):
            return QuickRows(data=self.data[key], table=self.table)
        return QuickRow(self.data[key], table=self.table)


class QuickTable(tables.Table):
    """A table that renders its cells with one method call each: `cell_<column>(record)`,
    looked up once per table. Subclasses write those methods and test them against
    `BoundRow(record, table).get_cell(name)`, the generic path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = QuickRows(data=self.data, table=self)
        self._templates: dict[str, Any] = {}
        self._inputs: dict[str, SafeString] = {}
        self._td_attrs: dict[str, SafeString] = {}
        self._cells: dict[str, Callable[[Any], Any]] = {}
        self._cell_context: Context | None = None
        self._stamps: dict[tuple[Any, ...], str] = {}
        self._attr_specs: dict[str, list[tuple[str, Any, Any]]] = {}

    def td_attrs(self, column: Any) -> SafeString:
        """The column's `<td>` attributes (no quick table computes them per record)."""
        html = self._td_attrs.get(column.name)
        if html is None:
            html = self._td_attrs[column.name] = column.attrs["td"].as_html()
        return html

    def computed_attrs(
        self, key: str, attrs: dict[str, Any], given: dict[str, Any]
    ) -> dict[str, Any] | None:
        """django-tables2's `computed_values(attrs, given)`, which reads each callable's
        signature (`inspect`) for every row: here once per table and `key`. Callables get the
        arguments they name. None for nested attributes, which take the generic path."""
        spec = self._attr_specs.get(key)
        if spec is None:
            spec = self._attr_specs[key] = [
                (name, value, signature(value) if callable(value) else None)
                for name, value in attrs.items()
            ]
        if any(isinstance(value, dict) for _name, value, _sig in spec):
            return None
        computed = {}
        for name, value, sig in spec:
            if sig is not None:
                names, catch_all = sig
                value = value(**given) if catch_all else _called(value, names, given)
            computed[name] = value
        return computed

    def row_attrs_html(self, row: QuickRow) -> str:
        """`row.attrs.as_html()`: the table's row attributes computed for the row's record, then
        the even/odd class."""
        attrs = self.computed_attrs("row", self.row_attrs, {"table": self, "record": row.record})
        if attrs is None:
            return row.attrs.as_html()
        odd_even = row.get_even_odd_css_class()
        attrs["class"] = f"{attrs['class']} {odd_even}" if attrs.get("class") else odd_even
        return attrs_html(attrs)

    def cell(self, name: str, record: Any) -> Any:
        """What the `name` column shows for `record` (escaped by the template unless safe):
        the table's `cell_<name>` method."""
        method = self._cells.get(name)
        if method is None:
            method = self._cells[name] = getattr(self, f"cell_{name}")
        return method(record)

    def or_default(self, value: Any, render: Callable[[Any], Any] | None = None) -> Any:
        """`value` (through `render`), or the table's default for an empty one, as the generic
        path shows None and ""."""
        if value in (None, ""):
            return self.default
        return render(value) if render is not None else value

    def checkbox_cell(self, name: str, value: Any, record: Any = None) -> SafeString:
        """What the CheckBoxColumn `name` writes for a row whose value is `value`, for a column
        that is never pre-checked and whose input attributes are other than type, name and
        value. Plain attributes are written once per table; callables (a label naming the row)
        are computed for `record`, as the generic path computes them."""
        attrs = self.base_columns[name].attrs
        spec = attrs.get("td__input") or attrs.get("input") or {}
        if any(callable(v) for v in spec.values()):
            given = {"record": record, "value": value}
            computed = self.computed_attrs(f"input:{name}", spec, given)
            rest = (
                attrs_html(computed)
                if computed is not None
                else AttributeDict(computed_values(spec, kwargs=given)).as_html()
            )
        else:
            rest = self._inputs.get(name)
            if rest is None:
                rest = self._inputs[name] = AttributeDict(spec).as_html()
        return SafeString(
            f'<input type="checkbox" name="{escaped(name)}" value="{escaped(value)}" {rest} />'
        )

    def template_cell(self, name: str, record: Any) -> SafeString:
        """What the TemplateColumn `name` writes for `record`, for a template that reads only
        `record` and the CSRF token. The token is the page's (under `{% render_table %}`, as the
        generic path's), or the request's when the table is rendered on its own."""
        template = self._templates.get(name)
        if template is None:
            template = get_template(self.base_columns[name].template_name).template
            self._templates[name] = template
        # One context for every cell of the table, each row's record pushed and popped: what a
        # cell's template looks up once (an included template, the CSRF token) is then found
        # again for the next rows instead of per cell.
        context = self._cell_context
        if context is None:
            context = self._cell_context = Context({"csrf_token": self._csrf_token()})
        with context.push(record=record):
            return template.render(context)

    def stamped_cell(
        self, name: str, record: Any, *, shared: tuple[str, ...], row_id: str
    ) -> SafeString:
        """`template_cell` for a template whose output depends only on the `shared` fields and
        the row's integer id (`row_id`): drawn once per table for each combination of the
        shared values, with `STAMP_ID` for the id, then copied with each row's id written in.
        A queue's buttons and forms, the same on every row but for the id in their URLs and
        labels, cost about 1 ms a row through the template."""
        key = (name, *(shared_value(record, field) for field in shared))
        stamp = self._stamps.get(key)
        if stamp is None:
            stamp = self._stamps[key] = str(
                self.template_cell(name, StampRecord(record, shared, row_id))
            )
        # An int, so writing it in needs no escaping.
        return SafeString(stamp.replace(str(STAMP_ID), str(int(field_of(record, row_id)))))

    def _csrf_token(self) -> Any:
        page = getattr(self, "context", None)
        if page is not None and "csrf_token" in page:
            return page["csrf_token"]
        request = getattr(self, "request", None)
        # Lazy, as the generic path's: most cell templates never ask for it.
        return SimpleLazyObject(lambda: get_token(request)) if request is not None else None
