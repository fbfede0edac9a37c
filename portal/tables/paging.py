"""Paging a table or a list: the page size is the view's, whatever the URL says."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django_tables2 import RequestConfig, Table
from django_tables2.paginators import LazyPaginator


def configure_paged(request: HttpRequest, table: Table, *, per_page: int, count: bool) -> None:
    """django-tables2's `RequestConfig` (the ordering and the page number from the request),
    with `per_page` rows a page. `?per_page=` reached the paginator unchecked: no page offers
    it, a negative number was a server error and a huge one read a whole table. `count`:
    whether the table shows its number of pages (a COUNT); otherwise `BoundedLazyPaginator`."""
    base = Paginator if count else BoundedLazyPaginator

    def paginator(rows: Any, _asked: int, *args: Any, **kwargs: Any) -> Paginator:
        return base(rows, per_page, *args, **kwargs)

    RequestConfig(request, paginate={"paginator_class": paginator}).configure(table)


class BoundedLazyPaginator(LazyPaginator):
    """django-tables2's `LazyPaginator` (no COUNT: it reads one row more than the page) that
    takes a page number whose OFFSET would pass 64 bits for no number at all: the database
    refused such an OFFSET with an error (a server error on the history and the redemption
    queue, `?page=` and thirty 9s), and `RequestConfig` shows the first page instead."""

    MAX_OFFSET = 2**62

    def validate_number(self, number: Any) -> int:
        number = super().validate_number(number)
        if number > self.MAX_OFFSET // self.per_page:
            raise PageNotAnInteger  # never shown: the callers show the first page
        return number


def lazy_page(rows: Any, per_page: int, number: str | None) -> Page:
    """The asked page of `rows` (`BoundedLazyPaginator`), or the first when the number is not
    one, is too large or lies past the end (a lazy paginator cannot tell the last page without
    reading it)."""
    paginator = BoundedLazyPaginator(rows, per_page)
    try:
        return paginator.page(number)
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1)
