"""`portal.prepared.Prepared`: a read composed once gives the objects its queryset gives,
with their select_related rows and values converted as the ORM converts them; and the event
reads through it (`access_event`) keep the visibility rule. `ComposedOnce`: what keeps its
mark and what its cache holds (the lists that use it are tested with their pages)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db.models import Count, F
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404
from django.utils import timezone

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
    with pytest.raises(ValueError, match="without prefetches"):
        Prepared(lambda pk: Event.objects.prefetch_related("checkins").filter(pk=pk)).first(1)
    with pytest.raises(ValueError, match="without prefetches"):
        Prepared(lambda pk: Event.objects.filter(pk=pk).values_list("pk", flat=True)).first(1)
    with pytest.raises(ValueError, match="parameter of its own"):
        Prepared(lambda pk: Event.objects.all()).first(1)  # the id never reaches the SQL
    with pytest.raises(ValueError, match="parameter of its own"):
        Prepared(lambda pk: Event.objects.filter(pk=pk + 1)).first(1)  # not the id as given
    with pytest.raises(ValueError, match="parameter of its own"):
        # A date cut from the moment is not the moment: it would stay the stand-in's date.
        Prepared(lambda at: Event.objects.filter(starts_at__date=at.date()), takes=(datetime,)).all(
            timezone.now()
        )
    with pytest.raises(TypeError):
        Prepared(lambda name: Event.objects.filter(title=name), takes=(str,))
    # A count of DISTINCT chosen columns, or of a slice, is not a count of the rows' ids.
    with pytest.raises(ValueError, match="without DISTINCT or a slice"):
        Prepared(lambda pk: Event.objects.filter(organiser_id=pk).values("title").distinct()).count(
            1
        )
    with pytest.raises(ValueError, match="without DISTINCT or a slice"):
        Prepared(lambda pk: Event.objects.filter(organiser_id=pk)[:5]).count(1)


def test_a_list_with_annotations_is_what_the_queryset_gives_for_each_id(faculty, category):
    """`all()`: the ids change from call to call, and so do the rows and their annotations."""
    other = UserFactory(role=Role.FACULTY)
    for organiser, count in ((faculty, 3), (other, 2)):
        for _ in range(count):
            EventFactory(organiser=organiser, category=category)

    def build(organiser_id):
        return (
            Event.objects.filter(organiser_id=organiser_id)
            .select_related("category")
            .annotate(n=Count("checkins"), doubled=F("capacity") * 2)
            .order_by("-id")
        )

    read = Prepared(build)
    for organiser in (faculty, other, faculty):
        got, orm = read.all(organiser.pk), list(build(organiser.pk))
        assert [e.pk for e in got] == [e.pk for e in orm] and len(got) in (2, 3)
        assert all(same(a, b) for a, b in zip(got, orm, strict=True))
        assert [(e.n, e.doubled, e.category.name) for e in got] == [
            (e.n, e.doubled, e.category.name) for e in orm
        ]
    assert read.all(10**9) == []


def test_a_moment_is_an_argument_like_an_id(faculty, category):
    """A clock-dependent read: the moment given decides the rows, on every backend (SQLite
    binds a datetime as text, PostgreSQL as a timestamp)."""
    now = timezone.now()
    early = EventFactory(organiser=faculty, category=category, starts_at=now - timedelta(days=3))
    late = EventFactory(organiser=faculty, category=category, starts_at=now + timedelta(days=3))
    read = Prepared(
        lambda pk, at: Event.objects.filter(organiser_id=pk, starts_at__gt=at).order_by("pk"),
        takes=(int, datetime),
    )
    assert [e.pk for e in read.all(faculty.pk, now - timedelta(days=5))] == [early.pk, late.pk]
    assert [e.pk for e in read.all(faculty.pk, now)] == [late.pk]
    assert read.all(faculty.pk, now + timedelta(days=5)) == []
    with pytest.raises(TypeError):
        read.all(faculty.pk, now.replace(tzinfo=None))  # naive: refused, not guessed


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


def test_a_count_is_the_querysets_count_for_each_argument(faculty, category):
    now = timezone.now()
    for days in (-2, -1, 1, 2, 3):
        EventFactory(organiser=faculty, category=category, starts_at=now + timedelta(days=days))
    EventFactory(category=category, starts_at=now + timedelta(days=1))  # someone else's

    def build(pk, at):
        return Event.objects.filter(organiser_id=pk, starts_at__gt=at)

    read = Prepared(build, takes=(int, datetime))
    assert read.count(faculty.pk, now) == build(faculty.pk, now).count() == 3
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as composed:
        assert read.count(faculty.pk, now - timedelta(days=5)) == 5
        assert read.count(faculty.pk, now + timedelta(days=5)) == 0
        assert read.count(10**9, now) == 0
    assert composed.call_count == 0


def test_listed_choices_of_a_declared_queryset_are_composed_once(category):
    """A `ListedModelChoiceField` declared with a `shape` reads its options through SQL
    composed once per process; given another queryset, it composes it as Django does."""
    from portal.filters.common import ListedModelChoiceField
    from portal.models import Category
    from tests.factories import CategoryFactory

    declared = ListedModelChoiceField(
        queryset=Category.objects.order_by("name"), shape="test categories by name"
    )
    assert [c.pk for c in copy.deepcopy(declared).listed()] == [category.pk]
    newer = CategoryFactory(name="AAA first")
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as composed:
        field = copy.deepcopy(declared)  # as each form gets its fields
        assert [c.pk for c in field.listed()] == [newer.pk, category.pk]  # rows read anew
        assert field.clean(str(newer.pk)) == newer
    assert composed.call_count == 0
    field.queryset = Category.objects.filter(pk=category.pk)  # not the declared one
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as composed:
        assert [c.pk for c in field.listed()] == [category.pk]
    assert composed.call_count == 1


# --- prepared on PostgreSQL (PREPARED_READS) ------------------------------------------------------


def test_string_parameters_are_written_in_as_literals_and_the_rest_kept():
    sql = "SELECT a FROM t WHERE s = %s AND n = %s AND x LIKE 'a%%' AND r IN (%s, %s)"
    strings = ((0, "pending"), (2, "o'neil"), (3, "50% off"))
    written, kept = prepared._strings_written_in(sql, strings)
    assert written == (
        "SELECT a FROM t WHERE s = 'pending' AND n = %s AND x LIKE 'a%%' "
        "AND r IN ('o''neil', '50%% off')"
    )
    assert kept == (1,)


def test_with_no_string_parameters_the_statement_is_unchanged():
    sql = "SELECT a FROM t WHERE n = %s AND x LIKE '%%b'"
    assert prepared._strings_written_in(sql, ()) == (sql, (0,))


def prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection.connection._prepared.clear()  # psycopg's record of them, as DEALLOCATE ALL does


def test_a_composed_read_is_prepared_with_its_strings_written_in(on_postgresql, faculty, category):
    """The status is in the statement PostgreSQL plans once: a plan made for a status not yet
    known walked every row for the few it wanted (issue 17). The id stays a parameter, so one
    statement serves every event."""
    events = [EventFactory(organiser=faculty, category=category) for _ in range(2)]
    read = Prepared(
        lambda pk: Event.objects.filter(pk=pk, status=Event.Status.PUBLISHED).only("title")
    )
    assert [read.first(e.pk).title for e in events] == [e.title for e in events]
    mine = [s for s in prepared_statements() if '"portal_event"."status"' in s]
    assert len(mine) == 1
    assert "= 'published'" in mine[0] and "$1" in mine[0]


def test_a_composed_list_is_prepared_once_for_its_shape(on_postgresql, faculty, category):
    EventFactory(organiser=faculty, category=category, title="Robotics")
    shaped = composed_once(Event.objects.filter(status=Event.Status.PUBLISHED), ("test", 1))
    assert [e.title for e in shaped.order_by("id")[:5]] == ["Robotics"]
    assert [e.title for e in shaped.order_by("id")[:5]] == ["Robotics"]
    assert shaped.count() == 1 and shaped.count() == 1
    mine = [s for s in prepared_statements() if '"portal_event"."status" = ' in s]
    assert len(mine) == 2  # the page and the count
    assert all("'published'" in s for s in mine)


def test_with_prepared_reads_off_nothing_is_prepared(on_postgresql, faculty, category, settings):
    settings.PREPARED_READS = False  # behind a pooler in transaction mode
    event = EventFactory(organiser=faculty, category=category)
    read = Prepared(lambda pk: Event.objects.filter(pk=pk, status=Event.Status.PUBLISHED))
    assert read.first(event.pk).pk == event.pk
    assert not [s for s in prepared_statements() if '"portal_event"' in s]


def test_the_students_standing_is_prepared(on_postgresql, student):
    """`get_standing`'s statement, the same for every student but for its numbers."""
    from portal.selectors.ledger import get_standing

    assert get_standing(student).rank == 1
    assert any("lifetime_points > $1" in s for s in prepared_statements())


def test_a_prepared_read_refuses_named_parameters(on_postgresql):
    with prepared.prepared_read() as execute, pytest.raises(TypeError):
        execute("SELECT %(a)s::int", {"a": 1})
