"""Cursor pagination: stable pages however many rows are added meanwhile, and a constant cost
at any depth (an id range read on an index, never an OFFSET)."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def __init__(self, ordering: str = "-id") -> None:
        self.ordering = ordering

    def decode_cursor(self, request: Any) -> Cursor | None:
        """DRF's, refusing a position that is not an id: every ordering here is by id, and a
        forged cursor must be a 404, not a database error."""
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not re.fullmatch(r"\d{1,18}", position):
            raise NotFound(self.invalid_cursor_message)
        return cursor


_PAGES: dict[str, type[serializers.Serializer]] = {}


def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `item` (what get_paginated_response answers)."""
    name = f"Paginated{item.__name__.removesuffix('Serializer')}List"
    if name not in _PAGES:
        _PAGES[name] = type(
            name,
            (serializers.Serializer,),
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item(many=True),
            },
        )
    return _PAGES[name]
