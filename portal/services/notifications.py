"""Telling people what happened to them. `notify` writes the in-app notification inside the
caller's transaction (so it exists exactly when the change does) and sends the email only after
the commit: a slow or broken mail server never slows down or fails the request, and a failure is
recorded on the notification instead of raised."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal.models import Notification, User

log = logging.getLogger(__name__)

Kind = Notification.Kind


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and user.is_active and kind not in (user.email_opt_outs or [])


def notify(user: User, *, kind: str, message: str, link: str = "") -> Notification:
    """Record a notification for `user` and, if they want it by email, send one after commit."""
    notification = Notification.objects.create(
        user=user, kind=kind, message=message[:300], link=link[:300]
    )
    if wants_email(user, kind):
        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def send_notification_email(notification_id: int) -> None:
    """Send one notification's email and record the outcome; never raises."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return
    body = notification.message
    if notification.link:
        body += f"\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
    body += "\n\nYou can choose which emails you get in your settings."
    try:
        send_mail(
            subject=f"[UPAS] {notification.message[:70]}",
            message=body,
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except Exception as exc:  # any transport error is recorded, not raised
        log.warning("notification email %s failed: %s", notification_id, exc)
        Notification.objects.filter(pk=notification_id).update(email_error=str(exc)[:300])
    else:
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def set_email_preferences(user: User, *, wanted: list[str]) -> None:
    """Email `user` about the kinds in `wanted` only (the rest stay in-app)."""
    kinds = set(Kind.values)
    user.email_opt_outs = sorted(kinds - set(wanted))
    user.save(update_fields=["email_opt_outs"])
