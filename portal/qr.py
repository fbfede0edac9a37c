"""QR codes as inline SVG: drawn by segno, kept in the shared cache while what they carry is
shown.

Drawing one is pure Python and costs 6-12 ms of CPU (segno scores all eight masks), a tenth of
the student dashboard (issue 17). Yet the same code is drawn again and again: the door pass and
the check-in screen's code change every 30 s, while the screen polls every few seconds and a
student reloads the dashboard; a certificate's verification link never changes. So each text
is drawn once and kept until it is replaced. The key is a digest: a pass code never names a
cache entry."""

from __future__ import annotations

import hashlib

import segno
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, keep_seconds: int, dark: str = "#000", border: int = 4) -> SafeString:
    """`text` as an inline SVG QR code (error correction M, no size: CSS sizes it), from the
    cache if drawn within `keep_seconds` (the time `text` stays on screen)."""
    key = "qr:1:" + hashlib.sha256(f"{dark}|{border}|{text}".encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = segno.make(text, error="m").svg_inline(dark=dark, border=border, omitsize=True)
        cache.set(key, svg, keep_seconds)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG; `text` is encoded, never inserted
