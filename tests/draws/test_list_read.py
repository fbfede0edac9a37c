"""The draws page's list (`list_draws`), composed once per process (portal.prepared): each
viewer gets their own standing in each draw, what the ORM's queryset gives them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler

from portal.models import Draw
from portal.selectors import draws as draw_selectors
from tests.draws.conftest import enter, perform
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

SHOWN = ("pk", "title", "entries_count", "entered", "checked_in", "my_pick_id", "my_pick_status")


def orm_list(viewer, *, drawn: bool, limit: int = 30) -> list[Draw]:
    """The list as the ORM composes it, every time (what `list_draws` did before)."""
    profile = getattr(viewer, "student_profile", None) if viewer.role == "student" else None
    draws = Draw.objects.select_related("event", "reward").annotate(
        entries_count=draw_selectors.entries_count()
    )
    if drawn:
        draws = draws.filter(status=Draw.Status.DRAWN).order_by("-performed_at", "-id")
    else:
        draws = draws.filter(status=Draw.Status.OPEN).order_by("entry_deadline", "id")
    return list(draw_selectors._with_viewer(draws, profile)[:limit])


def shown(draws: list[Draw]) -> list[tuple]:
    return [tuple(getattr(d, name, None) for name in SHOWN) for d in draws]


def test_each_viewer_sees_their_own_standing(make_draw, admin):
    first, second = make_draw(title="Open one"), make_draw(title="Open two")
    done = make_draw(title="Performed", winners_count=1, alternates_count=1)
    winner, loser, bystander = StudentFactory(), StudentFactory(), StudentFactory()
    enter(first, winner)
    enter(second, loser)
    enter(done, winner, loser)  # one winner and one alternate: both picked
    perform(done, admin)
    viewers = [winner.user, loser.user, bystander.user, admin]
    for viewer in viewers:  # composed here, if no earlier test did (and profiles cached)
        draw_selectors.list_draws(viewer, drawn=False)
        draw_selectors.list_draws(viewer, drawn=True)
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as composed:
        got = [
            (draw_selectors.list_draws(v, drawn=False), draw_selectors.list_draws(v, drawn=True))
            for v in viewers
        ]
    assert composed.call_count == 0  # each viewer's lists: the SQL composed before, new ids
    for viewer, (open_draws, past_draws) in zip(viewers, got, strict=True):
        assert shown(open_draws) == shown(orm_list(viewer, drawn=False))
        assert shown(past_draws) == shown(orm_list(viewer, drawn=True))
        assert [d.title for d in open_draws] == ["Open one", "Open two"]
    assert [d.entered for d in got[0][0]] == [True, False]
    assert [d.entered for d in got[1][0]] == [False, True]
    assert got[0][1][0].my_pick_id is not None and got[1][1][0].my_pick_id is not None
    assert got[0][1][0].my_pick_id != got[1][1][0].my_pick_id
    assert got[2][1][0].my_pick_id is None and got[2][1][0].entered is False
    assert not hasattr(got[3][0][0], "entered")  # staff: no standing asked for
    assert got[0][1][0].event is None and got[0][1][0].entries_count == 2


def orm_draw(draw_id: int, viewer) -> Draw | None:
    """One draw as the ORM composes it every time (what `get_draw` did before)."""
    profile = getattr(viewer, "student_profile", None) if viewer.role == "student" else None
    draws = Draw.objects.select_related("event", "reward", "created_by", "performed_by").annotate(
        entries_count=Count("entries")
    )
    return draw_selectors._with_viewer(draws, profile).filter(pk=draw_id).first()


def test_one_draw_and_its_picks_for_each_viewer(make_draw, admin):
    done = make_draw(title="Performed", winners_count=1, alternates_count=1)
    still_open = make_draw(title="Open")
    winner, loser, bystander = StudentFactory(), StudentFactory(), StudentFactory()
    enter(done, winner, loser)
    enter(still_open, bystander)
    perform(done, admin)
    for viewer in (winner.user, loser.user, bystander.user, admin):
        for draw in (done, still_open):
            got, orm = draw_selectors.get_draw(draw.pk, viewer), orm_draw(draw.pk, viewer)
            assert shown([got]) == shown([orm])
            assert (got.created_by.name, got.performed_by) == (
                orm.created_by.name,
                orm.performed_by,
            )
        picks = draw_selectors.list_picks(done, viewer)
        assert [p.pick.position for p in picks] == [1, 2]
        assert [p.is_viewer for p in picks] == [
            p.pick.entry.student.user_id == viewer.pk for p in picks
        ]
        assert sum(p.is_viewer for p in picks) == (viewer in (winner.user, loser.user))
    assert draw_selectors.get_draw(10**9, winner.user) is None
    assert draw_selectors.get_draw(10**9, admin) is None
