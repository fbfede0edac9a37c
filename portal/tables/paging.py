"""Paging a table or a list: the page size is the view's, whatever the URL says."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest
from django_tables2 import RequestConfig, Table
from django_tables2.paginators import LazyPaginator


def configure_paged(request: HttpRequest, table: Table, *, per_page: int, count: bool) -> None:
    """django-tables2's `RequestConfig` (the ordering and the page number from the request),
    with `per_page` rows a page. `?per_page=` reached the paginator unchecked: no page offers
    it, a negative number was a server error and a huge one read a whole table. `count`:
    whether the table shows its number of pages (a COUNT); otherwise `LazyPaginator`."""
    base = Paginator if count else LazyPaginator

    def paginator(rows: Any, _asked: int, *args: Any, **kwargs: Any) -> Paginator:
        return base(rows, per_page, *args, **kwargs)

    RequestConfig(request, paginate={"paginator_class": paginator}).configure(table)


MAX_OFFSET = 2**62


def lazy_page(rows: Any, per_page: int, number: str | None) -> Page:
    """The asked page of `rows`, read without a COUNT (`LazyPaginator` reads one row more than
    the page), or the first when the number is not one, is too large for an OFFSET or lies
    past the end (a lazy paginator cannot tell the last page without reading it)."""
    paginator = LazyPaginator(rows, per_page)
    try:
        wanted = int(number or 1)
    except ValueError:
        wanted = 1
    if not 1 <= wanted <= MAX_OFFSET // per_page:  # an OFFSET past 64 bits: a database error
        wanted = 1
    try:
        return paginator.page(wanted)
    except EmptyPage:
        return paginator.page(1)
