"""`portal.prepared.Prepared`: a read composed once gives the objects its queryset gives,
with their select_related rows and values converted as the ORM converts them; and the event
reads through it (`access_event`) keep the visibility rule."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from portal.models import Event, Role
from portal.permissions.events import access_event, visible_events_with
from portal.prepared import Prepared
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
