"""`portal.prepared.Prepared`: a read composed once gives the objects its queryset gives,
with their select_related rows and values converted as the ORM converts them; and the event
reads through it (`access_event`) keep the visibility rule. `ComposedOnce`: what keeps its
mark and what its cache holds (the lists that use it are tested with their pages)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import Count, F
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from portal import prepared
from portal.models import Event, Role
from portal.permissions.events import access_event, visible_events_with
from portal.prepared import Prepared, composed_once
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db

RELATED = ("organiser", "category", "club")


def same(a: Event, b: Event) -> bool:
    fields = [f.attname for f in Event._meta.concrete_fields]
    return [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]


def test_it_gives_what_the_queryset_gives_with_related_rows(faculty, category):
    event = EventFactory(organiser=faculty, category=category, capacity=40)
    read = Prepared(lambda pk: Event.objects.select_related(*RELATED).filter(pk=pk))
    got, orm = read.first(event.pk), Event.objects.select_related(*RELATED).get(pk=event.pk)
    assert same(got, orm)
    assert got.starts_at.tzinfo is not None  # converted as the ORM converts (SQLite: text)
    assert got.starts_at == event.starts_at
    assert (got.organiser.name, got.category.name, got.club) == (faculty.name, category.name, None)
    assert got._state.adding is False and got._state.db == "default"
    assert read.first(event.pk + 1000) is None


def test_it_is_composed_once_and_each_call_is_one_query(
    faculty, category, django_assert_num_queries
):
    events = [EventFactory(organiser=faculty, category=category) for _ in range(3)]
    read = Prepared(lambda pk: Event.objects.select_related("category").filter(pk=pk))
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as composed:
        for event in events:
            with django_assert_num_queries(1):
                assert read.first(event.pk).title == event.title
    assert composed.call_count == 1


def test_ids_past_the_database_integers_find_nothing(django_assert_num_queries):
    read = Prepared(lambda pk: Event.objects.filter(pk=pk))
    with django_assert_num_queries(0):
        assert read.first(2**63) is None
        assert read.first(-(2**63) - 1) is None


@pytest.mark.parametrize("not_an_id", ["5", 5.0, None])
def test_an_id_that_is_not_an_integer_is_refused_at_once(not_an_id, django_assert_num_queries):
    read = Prepared(lambda pk: Event.objects.filter(pk=pk))
    with django_assert_num_queries(0), pytest.raises(TypeError):
        read.first(not_an_id)


def test_what_it_cannot_rebuild_is_refused():
    with pytest.raises(ValueError, match="only fields"):
        Prepared(lambda pk: Event.objects.annotate(n=Count("checkins")).filter(pk=pk)).first(1)
    with pytest.raises(ValueError, match="parameter of its own"):
        Prepared(lambda pk: Event.objects.all()).first(1)  # the id never reaches the SQL


@pytest.mark.parametrize("viewer_role", ["organiser", "other_faculty", "student", "admin"])
@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.PUBLISHED])
def test_access_event_keeps_the_visibility_rule(faculty, category, viewer_role, status):
    event = EventFactory(organiser=faculty, category=category, status=status)
    viewer = {
        "organiser": faculty,
        "other_faculty": UserFactory(role=Role.FACULTY),
        "student": UserFactory(role=Role.STUDENT),
        "admin": UserFactory(role=Role.ADMIN),
    }[viewer_role]
    expected = visible_events_with(viewer, RELATED).filter(pk=event.pk).first()
    for related in (RELATED, ("category",)):
        if expected is None:
            with pytest.raises(Http404):
                access_event(viewer, event.pk, related=related)
        else:
            assert same(access_event(viewer, event.pk, related=related), expected)
    assert (expected is None) == (
        status == Event.Status.DRAFT and viewer_role in ("other_faculty", "student")
    )


# --- ComposedOnce: what keeps the mark, and what the cache holds ----------------------------------


def test_only_named_orderings_keep_the_mark(faculty, category):
    EventFactory.create_batch(3, organiser=faculty, category=category)
    events = composed_once(Event.objects.all(), ("test", "events"))
    assert events.order_by("-starts_at").shape == ("test", "events")
    # No names drops the model's default ordering; an expression's text need not tell two
    # orderings apart: both compose their own SQL.
    assert events.order_by().shape is None
    assert events.order_by(F("starts_at").desc(nulls_last=True)).shape is None
    assert events.filter(pk__gt=0).shape is None
    by_model = [e.pk for e in Event.objects.all()[0:3]]
    assert [e.pk for e in events[0:3]] == [e.pk for e in events[0:3]] == by_model


def test_composed_once_takes_model_rows_only(faculty, category):
    with pytest.raises(ValueError):
        composed_once(Event.objects.values("pk"), ("test", "values"))
    with pytest.raises(ValueError):
        composed_once(Event.objects.prefetch_related("checkins"), ("test", "prefetch"))


def test_past_its_size_the_cache_drops_the_oldest(faculty, category, monkeypatch):
    monkeypatch.setattr(prepared, "_COMPOSED", {})
    monkeypatch.setattr(prepared, "_COMPOSED_MAX", 2)
    EventFactory(organiser=faculty, category=category)
    for n in range(3):
        assert len(composed_once(Event.objects.all(), ("test", n))[0:1]) == 1
    assert [key[3] for key in prepared._COMPOSED] == [("test", 1), ("test", 2)]
