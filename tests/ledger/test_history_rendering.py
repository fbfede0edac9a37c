"""The history table's quick cells and the filters' quick selects write what django-tables2's
and Django's generic rendering would (issue 9 made both faster, not different)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django import forms
from django.utils import timezone
from django_tables2.rows import BoundRow

from portal.filters.common import QuickSelect
from portal.filters.ledger import HistoryFilter
from portal.models import Role, Transaction, User
from portal.permissions import STAFF
from portal.tables.ledger import HistoryTable
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(student, faculty, category) -> list[Transaction]:
    now = timezone.now()
    award = Transaction(
        student=student,
        kind=Transaction.Kind.AWARD,
        amount=20,
        category=category,
        actor=faculty,
        reason="Robotics <prize> & more",
        created_at=now - timedelta(days=3),
    )
    return [
        award,
        Transaction(
            student=student,
            kind=Transaction.Kind.REVERSAL,
            amount=-20,
            category=category,
            actor=faculty,
            reason="Typo",
            reverses=award,
            created_at=now,
        ),
        Transaction(
            student=student,
            kind=Transaction.Kind.REDEMPTION,
            amount=-5,
            category=None,
            actor=None,
            reason="",
            created_at=now,
        ),
        Transaction(
            student=student, kind=Transaction.Kind.REFUND, amount=0, reason="", created_at=now
        ),
    ]


@pytest.mark.parametrize("show_student", [True, False])
def test_every_cell_matches_the_generic_rendering(records, show_student):
    table = HistoryTable(records, show_student=show_student)
    for record in records:
        generic = BoundRow(record, table=table)
        for column in table.columns:
            quick = table.cell(column.name, record)
            assert str(quick) == str(generic.get_cell(column.name)), column.name


def test_the_quick_select_writes_the_same_options_as_django(faculty, other_faculty, category):
    def lines(html: str) -> list[str]:
        return [line for line in html.splitlines() if line.strip()]

    for data in (None, {"kind": "award", "category": str(category.pk), "actor": str(faculty.pk)}):
        form = HistoryFilter(data, queryset=Transaction.objects.none(), viewer=faculty).form
        for name in ("kind", "category", "actor"):
            bound = form[name]
            assert isinstance(bound.field.widget, QuickSelect)
            stock = forms.Select(attrs=bound.field.widget.attrs, choices=bound.field.choices)
            expected = stock.render(bound.html_name, bound.value(), attrs={"id": bound.auto_id})
            assert lines(str(bound)) == lines(expected)


def test_an_unknown_choice_is_refused(faculty):
    filters = HistoryFilter(
        {"category": "999999"}, queryset=Transaction.objects.none(), viewer=faculty
    )
    assert not filters.form.is_valid()
    assert "category" in filters.form.errors


@pytest.mark.parametrize("value", [None, "", "b&c", "2", ["2"], "missing", "None", "x"])
def test_the_quick_select_matches_django_on_groups_escaping_and_selection(value):
    choices = [
        ("", "All"),
        ("a", "<Alpha> & “quotes”"),
        ("b&c", 'B "and" C'),
        ("Group <1>", [(1, "One"), (2, "Two's")]),
        ("", [("x", "In a group without a name"), (None, "None inside a group")]),
        (2, "A second 2: only the first match is selected"),
    ]
    attrs = {"class": "input", "data-x": 'say "hi"', "disabled": True, "hidden": False}
    quick = QuickSelect(attrs=attrs, choices=choices).render("pick", value, attrs={"id": "id_pick"})
    stock = forms.Select(attrs=attrs, choices=choices).render(
        "pick", value, attrs={"id": "id_pick"}
    )
    assert [line.strip() for line in quick.splitlines() if line.strip()] == [
        line.strip() for line in stock.splitlines() if line.strip()
    ]


def test_the_staff_list_is_read_as_values_and_labelled_as_users_are(faculty, other_faculty):
    """The "By" list reads (id, name, email) values, not User rows: its options are still each
    staff member by name, their email when they have none (User.__str__), and the chosen one
    cleans to a User for the filter."""
    nameless = UserFactory(role=Role.ADMIN, name="")
    form = HistoryFilter(
        {"actor": str(nameless.pk)}, queryset=Transaction.objects.none(), viewer=faculty
    ).form
    staff = User.objects.filter(role__in=STAFF).order_by("name")
    assert list(form.fields["actor"].choices) == [("", "Anyone")] + [
        (user.pk, str(user)) for user in staff
    ]
    assert (nameless.pk, nameless.email) in form.fields["actor"].choices
    assert form.is_valid()
    chosen = form.cleaned_data["actor"]
    assert isinstance(chosen, User)
    assert (chosen.pk, chosen.name, chosen.email) == (nameless.pk, "", nameless.email)
    unknown = HistoryFilter(
        {"actor": "999999"}, queryset=Transaction.objects.none(), viewer=faculty
    )
    assert not unknown.form.is_valid() and "actor" in unknown.form.errors
