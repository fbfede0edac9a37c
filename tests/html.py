"""Asserting on HTML structure: errors are looked for inside the element they belong to
(`find(..., id=...)`), so "shown next to the field" is what is tested."""

from __future__ import annotations

from django.test.html import Element, normalize_whitespace, parse_html

HX = {"HTTP_HX_REQUEST": "true"}


def find_all(html: str | bytes | Element, tag: str | None = None, **attrs: str) -> list[Element]:
    """Elements with tag `tag` (any if None) carrying all of `attrs`, in document order; write
    aria-label as aria_label."""
    root = (
        html
        if isinstance(html, Element)
        else parse_html(html.decode() if isinstance(html, bytes) else html)
    )
    wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
    found = []
    pending: list[Element | str] = [root]
    while pending:
        node = pending.pop(0)
        if isinstance(node, str):
            continue
        if (tag is None or node.name == tag) and wanted.items() <= dict(node.attributes).items():
            found.append(node)
        pending[:0] = node.children
    return found


def find(html: str | bytes | Element, tag: str | None = None, **attrs: str) -> Element:
    """The first element matching, as `find_all`; fails the test when there is none."""
    found = find_all(html, tag, **attrs)
    assert found, f"no <{tag or '*'}> with {attrs}"
    return found[0]


def text(node: Element | str | bytes) -> str:
    """The text of an element, or of a whole response body, whitespace collapsed."""
    if isinstance(node, bytes):
        node = parse_html(node.decode())
    if isinstance(node, str):
        return node
    return normalize_whitespace(" ".join(text(child) for child in node.children)).strip()
