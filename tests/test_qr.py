"""QR codes (portal/qr.py): segno's own SVG, drawn once per text while it stays on screen."""

from __future__ import annotations

from unittest import mock

import pytest
import segno
from django.core.cache import cache
from django.utils import timezone

from portal.qr import qr_svg
from tests.helpers import passes_since
from tests.html import find

PASS_TEXT = "UPAS-PASS:4821-K7PQ2MXA"


def test_the_svg_is_segnos_own():
    expected = segno.make(PASS_TEXT, error="m").svg_inline(border=4, omitsize=True)
    assert qr_svg(PASS_TEXT, keep_seconds=30) == expected
    assert qr_svg(PASS_TEXT, keep_seconds=30) == expected  # and so is the kept copy


def test_a_text_is_drawn_once_while_kept_and_again_for_another_text_or_look():
    with mock.patch("portal.qr.segno.make", wraps=segno.make) as make:
        first = qr_svg(PASS_TEXT, keep_seconds=30)
        assert qr_svg(PASS_TEXT, keep_seconds=30) == first
        assert make.call_count == 1
        other = qr_svg("UPAS-PASS:4821-ABCDEFGH", keep_seconds=30)
        darker = qr_svg(PASS_TEXT, keep_seconds=30, dark="#0f172a", border=2)
        assert make.call_count == 3
    assert len({first, other, darker}) == 3
    assert 'fill="#0f172a"' in darker or 'stroke="#0f172a"' in darker


def test_the_kept_copy_goes_when_its_time_is_up():
    with mock.patch("portal.qr.cache.set", wraps=cache.set) as kept:
        qr_svg(PASS_TEXT, keep_seconds=7)
    ((key, _svg, seconds), _kwargs) = kept.call_args
    assert seconds == 7
    assert PASS_TEXT not in key and "K7PQ2MXA" not in key  # a digest names the entry
    cache.delete(key)
    with mock.patch("portal.qr.segno.make", wraps=segno.make) as make:
        qr_svg(PASS_TEXT, keep_seconds=7)
    assert make.call_count == 1


@pytest.mark.django_db
def test_the_pass_shows_the_qr_code_of_its_current_code(client_as, student):
    since = timezone.now()
    with mock.patch("portal.qr.segno.make", wraps=segno.make) as make:
        client_as(student).get("/")
        response = client_as(student).get("/pass/")
    # The code of the requests' moment: the one before or after a turn-over (every 30 s).
    payloads = {door_pass.payload for door_pass in passes_since(student, since)}
    drawn = [call.args[0] for call in make.call_args_list]
    # Drawn for the dashboard and reused by the pass page: once, or twice if the code turned
    # over between the two requests, never twice for one code.
    assert drawn[-1] in payloads and len(drawn) == len(set(drawn)) <= 2
    assert qr_svg(drawn[-1], keep_seconds=30) in response.content.decode()
    assert find(response.content, id="door-pass") is not None
