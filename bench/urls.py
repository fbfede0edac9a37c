"""The portal's URLs plus the benchmark's bare views, under /_bench/ (bench.settings only)."""

from __future__ import annotations

from django.urls import path

from config import urls as portal_urls

from . import views

urlpatterns = [
    path("_bench/bare/award/", views.bare_award, name="bench-bare-award"),
    path("_bench/bare/page/", views.reference_page, name="bench-reference-page"),
    # The portal's own patterns, flat (not under include()): resolving a portal URL costs what
    # it costs in production, plus two failed matches here.
    *portal_urls.urlpatterns,
]

handler500 = portal_urls.handler500
