"""In-app notifications and their emails: written with the change, emailed after the commit,
failures recorded rather than raised, preferences honoured; the bell and the page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse

from portal.models import Notification
from portal.services.draws import enter_draw
from portal.services.notifications import mark_read, notify, unread_count
from tests.factories import DrawFactory
from tests.helpers import let_entries_close
from tests.html import find_all, text

pytestmark = pytest.mark.django_db


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def test_notify_writes_the_notification_and_emails_after_commit(
    student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = notify(student.user, kind="draw", message="You won!", link="/draws/1/")
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.user.email]
    assert "You won!" in mail.outbox[0].body and "/draws/1/" in mail.outbox[0].body
    n.refresh_from_db()
    assert n.emailed_at is not None and n.email_error == ""


def test_a_rolled_back_change_sends_no_email(student, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(student.user, kind="draw", message="You won!")
        raise RuntimeError("the change failed")
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_opted_out_kinds_are_not_emailed(student, django_capture_on_commit_callbacks):
    student.user.email_opt_outs = ["points"]
    student.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(student.user, kind="points", message="+10 points")
        notify(student.user, kind="draw", message="You won!")
    assert [m.body.splitlines()[0] for m in mail.outbox] == ["You won!"]
    assert Notification.objects.filter(user=student.user).count() == 2  # both in-app


def test_a_broken_mail_server_is_recorded_not_raised(
    student, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(student.user, kind="draw", message="You won!")
    n.refresh_from_db()
    assert n.emailed_at is None
    assert "refused" in n.email_error


def test_a_broken_mail_server_does_not_fail_the_request(
    client_as, admin, student, settings, django_capture_on_commit_callbacks
):
    """A draw performed while the mail server is down still succeeds; the failure is kept."""
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.BrokenBackend"
    draw = DrawFactory(winners_count=1, alternates_count=0)
    enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin).post(reverse("portal:draw-perform", args=[draw.pk]))
    assert response.status_code == 302
    n = Notification.objects.get(user=student.user)
    assert "refused" in n.email_error


def test_unread_count_and_mark_read_touch_only_the_owners_notifications(student, other_student):
    mine = [notify(student.user, kind="points", message=f"+{i}") for i in range(3)]
    theirs = notify(other_student.user, kind="points", message="+1")
    assert unread_count(student.user) == 3
    assert mark_read(student.user, theirs.pk) == 0  # not yours: nothing changes
    assert mark_read(student.user, mine[0].pk) == 1
    assert unread_count(student.user) == 2
    assert mark_read(student.user) == 2
    assert unread_count(student.user) == 0
    assert unread_count(other_student.user) == 1


def test_the_bell_shows_the_unread_count(client_as, student):
    client = client_as(student)
    assert "unread" not in text(client.get(reverse("portal:notification-bell")).content.decode())
    notify(student.user, kind="points", message="+10")
    notify(student.user, kind="points", message="+5")
    assert "Notifications: 2 unread" in text(
        client.get(reverse("portal:notification-bell")).content.decode()
    )


def test_the_page_lists_newest_first_and_marks_all_read(client_as, student):
    notify(student.user, kind="points", message="first")
    notify(student.user, kind="draw", message="second", link="/draws/")
    client = client_as(student)
    page = client.get(reverse("portal:notifications"))
    items = [text(li) for li in find_all(page.content, "li")]
    assert "second" in items[0] and "first" in items[1]
    assert "2 unread" in text(page.content.decode())
    client.post(reverse("portal:notifications-read-all"))
    assert unread_count(student.user) == 0
    assert "all caught up" in text(client.get(reverse("portal:notifications")).content.decode())


def test_opening_a_notification_marks_it_read_and_follows_its_link(client_as, student):
    n = notify(student.user, kind="draw", message="You won", link="/draws/")
    response = client_as(student).post(reverse("portal:notification-open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/draws/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_get_does_not_mark_a_notification_read(client_as, student):
    """A prefetching browser or a mail scanner following a link must not read it for you."""
    n = notify(student.user, kind="draw", message="You won", link="/draws/")
    response = client_as(student).get(reverse("portal:notification-open", args=[n.pk]))
    assert response.status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_the_list_opens_a_notification_with_a_form(client_as, student):
    n = notify(student.user, kind="draw", message="You won", link="/draws/")
    page = client_as(student).get(reverse("portal:notifications"))
    form = find_all(page.content, "form", action=reverse("portal:notification-open", args=[n.pk]))
    assert form and dict(form[0].attributes)["method"] == "post"


def test_a_link_to_another_site_is_not_followed(client_as, student):
    n = notify(student.user, kind="draw", message="Phish", link="https://evil.example/")
    response = client_as(student).post(reverse("portal:notification-open", args=[n.pk]))
    assert response["Location"] == reverse("portal:notifications")


def test_another_users_notification_is_not_found_and_stays_unread(
    client_as, student, other_student
):
    n = notify(student.user, kind="draw", message="You won")
    response = client_as(other_student).post(reverse("portal:notification-open", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.parametrize("count", [3, 40])
def test_the_page_query_count_does_not_grow(client_as, student, count, django_assert_num_queries):
    for i in range(count):
        notify(student.user, kind="points", message=f"+{i}")
    client = client_as(student)
    # session, user, the paginator's count, the unread count, the header balance, the page
    with django_assert_num_queries(6):
        client.get(reverse("portal:notifications"))


def test_settings_choose_which_kinds_are_emailed(client_as, student):
    client = client_as(student)
    page = client.get(reverse("portal:settings")).content.decode()
    assert page.count('name="wanted"') == len(Notification.Kind.values)
    response = client.post(
        reverse("portal:settings"), {"form": "email", "wanted": ["draw", "claim"]}
    )
    assert response.status_code == 302
    student.user.refresh_from_db()
    assert set(student.user.email_opt_outs) == set(Notification.Kind.values) - {"draw", "claim"}
    assert student.show_on_leaderboard is True  # the privacy form was not touched


def test_an_unknown_kind_is_refused_and_nothing_changes(client_as, student):
    response = client_as(student).post(
        reverse("portal:settings"), {"form": "email", "wanted": ["draw", "bogus"]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    student.user.refresh_from_db()
    assert student.user.email_opt_outs == []


def test_an_unread_item_shows_no_stray_separator_and_says_how_long_ago(client_as, student):
    notify(student.user, kind="points", message="+10")
    page = client_as(student).get(reverse("portal:notifications"))
    item = find_all(page.content, "li")[0]
    unread = find_all(item, "span", **{"class": "sr-only"})
    assert [text(span) for span in unread] == ["· unread"]
    meta = next(span for span in find_all(item, "span") if unread[0] in span.children)
    visible = text(" ".join(text(c) for c in meta.children if c is not unread[0]))
    assert not visible.endswith("·")
    assert text(find_all(item, "time")[0]) == "now"
