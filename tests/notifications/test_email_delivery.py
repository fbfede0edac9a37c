"""Notification emails leave on a background thread after the commit, so a slow or broken mail
server never holds up the request; what did not go out is retried by the cron command."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.models import Notification
from portal.services import notifications
from portal.services.notifications import EMAIL_QUEUED, notify, retry_unsent_emails
from tests.helpers import award_data

SENT_FROM: list[str] = []
RELEASE = threading.Event()


class SlowBackend:
    """A mail server that answers only when the test lets it, recording the sending thread."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        SENT_FROM.append(threading.current_thread().name)
        RELEASE.wait(timeout=10)
        mail.outbox.extend(messages)
        return len(messages)


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise TimeoutError("SMTP server timed out")


def wait_for_sender() -> None:
    """Block until the mail thread has finished everything queued so far."""
    notifications._mail_sender.submit(lambda: None).result(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_the_award_request_does_not_wait_for_a_slow_mail_server(
    client_as, student, faculty, category, settings
):
    settings.UPAS_EMAIL_IN_BACKGROUND = True
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.SlowBackend"
    SENT_FROM.clear()
    RELEASE.clear()
    started = time.monotonic()
    response = client_as(faculty).post(
        reverse("portal:award-create"), award_data(student, category)
    )
    took = time.monotonic() - started
    assert response.status_code in (200, 302)
    # The mail server has not answered yet, and the response is already here.
    n = Notification.objects.get(user=student.user, kind=Notification.Kind.POINTS)
    assert n.emailed_at is None and n.email_error == EMAIL_QUEUED
    assert took < 10  # (the slow server would hold it for 10 s)
    RELEASE.set()
    wait_for_sender()
    n.refresh_from_db()
    assert n.emailed_at is not None and n.email_error == ""
    assert SENT_FROM and all(name.startswith("upas-mail") for name in SENT_FROM)


@pytest.mark.django_db(transaction=True)
def test_a_failure_on_the_mail_thread_is_recorded(student, settings):
    settings.UPAS_EMAIL_IN_BACKGROUND = True
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.BrokenBackend"
    n = notify(student.user, kind="draw", message="You won!")  # autocommit: sent at once
    wait_for_sender()
    n.refresh_from_db()
    assert n.emailed_at is None and "timed out" in n.email_error


@pytest.mark.django_db
def test_retry_sends_what_failed_or_never_went_out_and_nothing_else(
    student, other_student, settings
):
    long_ago = timezone.now() - timedelta(minutes=10)
    failed = notify(student.user, kind="draw", message="Failed before")
    queued = notify(student.user, kind="draw", message="Lost in a restart")
    Notification.objects.filter(pk=failed.pk).update(email_error="refused", created_at=long_ago)
    Notification.objects.filter(pk=queued.pk).update(created_at=long_ago)
    # Not retried: too recent, already sent, not wanted by email, or too old to matter.
    notify(student.user, kind="draw", message="Just now")
    sent = notify(student.user, kind="draw", message="Sent")
    Notification.objects.filter(pk=sent.pk).update(emailed_at=long_ago, created_at=long_ago)
    other_student.user.email_opt_outs = ["draw"]
    other_student.user.save()
    unwanted = notify(other_student.user, kind="draw", message="Unwanted")
    Notification.objects.filter(pk=unwanted.pk).update(created_at=long_ago)
    stale = notify(student.user, kind="draw", message="Stale")
    Notification.objects.filter(pk=stale.pk).update(created_at=long_ago - timedelta(days=3))
    mail.outbox.clear()

    assert retry_unsent_emails() == 2
    assert sorted(m.body.splitlines()[0] for m in mail.outbox) == [
        "Failed before",
        "Lost in a restart",
    ]
    assert retry_unsent_emails() == 0  # sent now: nothing left


@pytest.mark.django_db
def test_the_retry_command_reports_what_it_did(student, capsys):
    n = notify(student.user, kind="draw", message="You won!")
    Notification.objects.filter(pk=n.pk).update(
        email_error="refused", created_at=timezone.now() - timedelta(minutes=6)
    )
    call_command("send_notification_emails")
    assert "Retried 1 email(s)." in capsys.readouterr().out
