"""The worker's email pump against a real mail server: aiosmtpd, started by the test on a free
port, speaking SMTP to Django's own SMTP backend (the one production uses). What the other
email tests check with Django's in-memory outbox, checked here over the wire: a batch goes over
one connection, each message reaches its reader in their language, a recipient the server
refuses is recorded and retried while the rest of the batch goes, and a server that is not
listening fails the batch for a later try."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from portal.models import Notification
from portal.services.notifications import (
    EMAIL_BATCH,
    EMAIL_QUEUED,
    deliver_email,
    notify,
    send_queued_emails,
)
from tests.factories import StudentFactory
from tests.helpers import email_tasks

REFUSED = "refused@upas.test"


class Mailbox:
    """An aiosmtpd handler: keeps every message with the connection it came over, and refuses
    the mailbox REFUSED as a real server refuses an unknown user (550)."""

    def __init__(self) -> None:
        # (the connection's client address and port, recipients, the message as received)
        self.messages: list[tuple[tuple, list[str], bytes]] = []
        self.refuse = {REFUSED}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.peer, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    @property
    def connections(self) -> int:
        return len({conn for conn, _to, _message in self.messages})

    def parsed(self) -> list:
        return [message_from_bytes(raw, policy=policy.default) for _c, _to, raw in self.messages]


@pytest.fixture
def mailbox(settings):
    """A mail server on a free port, and Django's SMTP backend pointed at it."""
    box = Mailbox()
    server = Controller(box, hostname="127.0.0.1", port=_free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield box
    server.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_batch_reaches_a_real_mail_server_over_one_connection(mailbox, queue):
    readers = [StudentFactory(user__language="en").user for _ in range(EMAIL_BATCH + 5)]
    arabic = StudentFactory(user__language="ar").user
    for n, user in enumerate([*readers, arabic]):
        notify(user, kind=Notification.Kind.DRAW, message=f"You won prize {n}!")

    assert send_queued_emails() == EMAIL_BATCH
    assert (len(mailbox.messages), mailbox.connections) == (EMAIL_BATCH, 1)
    assert send_queued_emails() == 6
    assert (len(mailbox.messages), mailbox.connections) == (EMAIL_BATCH + 6, 2)
    assert send_queued_emails() == 0

    # Each message went to its reader alone, as the server received and parsed it.
    received = {
        to[0]: message
        for (_c, to, _raw), message in zip(mailbox.messages, mailbox.parsed(), strict=True)
    }
    assert set(received) == {user.email for user in [*readers, arabic]}
    first = received[readers[0].email]
    assert first["Subject"] == "[UPAS] You won prize 0!"
    assert first["To"] == readers[0].email
    assert first.get_content().startswith("You won prize 0!")
    assert "You can choose which emails you get in your settings." in first.get_content()
    # The Arabic reader's footer in Arabic, its UTF-8 decoded by a real parser.
    footer = received[arabic.email].get_content()
    assert "You can choose" not in footer and any("\u0600" <= c <= "\u06ff" for c in footer)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_recipient_the_server_refuses_is_retried_and_the_rest_of_the_batch_goes(
    mailbox,
    queue,
):
    refused = StudentFactory(user__email=REFUSED).user
    others = [StudentFactory().user for _ in range(3)]
    bounced = notify(refused, kind=Notification.Kind.DRAW, message="You won!")
    for user in others:
        notify(user, kind=Notification.Kind.DRAW, message="You won too!")

    assert send_queued_emails() == 4
    assert sorted(to[0] for _c, to, _raw in mailbox.messages) == sorted(u.email for u in others)
    bounced.refresh_from_db()
    assert bounced.emailed_at is None
    assert "550" in bounced.email_error and bounced.email_error != EMAIL_QUEUED
    [retry] = email_tasks()
    assert retry.args_kwargs["args"] == [bounced.pk, 2]

    mailbox.refuse.clear()  # the mailbox exists now: the retry delivers it, once
    assert deliver_email.call(bounced.pk, 2) == "sent"
    assert [to for _c, to, _raw in mailbox.messages].count([REFUSED]) == 1
    bounced.refresh_from_db()
    assert bounced.emailed_at is not None and bounced.email_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_not_listening_fails_the_batch_for_a_later_try(settings, queue):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    users = [StudentFactory().user for _ in range(2)]
    for user in users:
        notify(user, kind=Notification.Kind.DRAW, message="You won!")
    assert send_queued_emails() == 2
    failed = Notification.objects.filter(user__in=users)
    assert all(n.emailed_at is None and "refused" in n.email_error.lower() for n in failed)
    assert sorted(task.args_kwargs["args"][0] for task in email_tasks()) == sorted(
        n.pk for n in failed
    )
