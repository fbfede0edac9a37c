"""Tables whose cells are written by one method call each (issue 9).

For every cell, django-tables2's generic path walks the column's accessor, looks for a
get_FOO_display method, inspects the signature of the render method to choose its arguments
and, for a TemplateColumn, renders the template in a fresh RequestContext (every context
processor again, over a flattened copy of the page's context). That was most of the time the
history, review and redemption tables took at 50,000 students. A `QuickTable` asks its own
`cell(name, record)` instead, which reuses the columns' render methods and templates; each
table has a test comparing every cell with the generic rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.template import Context
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import AttributeDict, computed_values


class QuickRow(BoundRow):
    """A row whose cells come from `QuickTable.cell`."""

    def get_cell(self, name: str) -> Any:
        return self.table.cell(name, self.record)

    def cells_html(self) -> SafeString:
        """Every `<td>` of the row, as the table template's cell loop writes them (escaped and
        localised like `{{ cell }}`), with each column's attributes worked out once per table:
        the loop resolved `column.attrs.td.as_html` for every cell."""
        table = self.table
        return format_html_join(
            "",
            "<td {}>{}</td>",
            (
                (table.td_attrs(column), localize(template_localtime(self.get_cell(column.name))))
                for column in table.columns
            ),
        )


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

    def td_attrs(self, column: Any) -> SafeString:
        """The column's `<td>` attributes (no quick table computes them per record)."""
        html = self._td_attrs.get(column.name)
        if html is None:
            html = self._td_attrs[column.name] = column.attrs["td"].as_html()
        return html

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
            rest = AttributeDict(
                computed_values(spec, kwargs={"record": record, "value": value})
            ).as_html()
        else:
            rest = self._inputs.get(name)
            if rest is None:
                rest = self._inputs[name] = AttributeDict(spec).as_html()
        return format_html('<input type="checkbox" name="{}" value="{}" {} />', name, value, rest)

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

    def _csrf_token(self) -> Any:
        page = getattr(self, "context", None)
        if page is not None and "csrf_token" in page:
            return page["csrf_token"]
        request = getattr(self, "request", None)
        # Lazy, as the generic path's: most cell templates never ask for it.
        return SimpleLazyObject(lambda: get_token(request)) if request is not None else None
