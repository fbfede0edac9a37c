"""Emails inviting newly imported students to choose a password, sent after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import User
from portal.site import site_url

from .parsing import ImportReport

log = logging.getLogger(__name__)


# --- invitations --------------------------------------------------------------------------------


def invitation_link(user: User) -> str:
    """allauth's own set-password page: the token is allauth's reset token, so the link stops
    working once used (the password it checks changes) or after PASSWORD_RESET_TIMEOUT."""
    uid, token = user_pk_to_url_str(user), default_token_generator.make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
    return site_url(path)


def _invitation(user: User) -> EmailMessage:
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    invitation = _(
        "Hello %(name)s,\n\n"
        "Your university has created your account on UPAS, the points portal, for "
        "%(email)s.\n\n"
        "Choose a password to sign in:\n\n"
        "%(link)s\n\n"
    ) % {"name": user.name, "email": user.email, "link": invitation_link(user)}
    expiry = ngettext(
        "The link works once and for %(days)s day. If it has expired, "
        "use “Forgot your password?” on the sign-in page with this email address.\n",
        "The link works once and for %(days)s days. If it has expired, "
        "use “Forgot your password?” on the sign-in page with this email address.\n",
        days,
    ) % {"days": days}
    body = invitation + expiry
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Your UPAS account: choose a password"),
        body=body,
        to=[user.email],
    )


def send_invitations(users: Iterable[User], report: ImportReport) -> None:
    """Runs after the commit. One connection for the lot; each message is sent on its own so
    one bad address or a dropped connection costs only what failed, which is counted."""
    users = list(users)
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:  # any transport error: the import stands, count and log it
        log.warning("student import invitations: cannot connect: %s", exc)
        report.invitations_failed += len(users)
        return
    try:
        for user in users:
            try:
                sent = connection.send_messages([_invitation(user)])
            except Exception as exc:  # one failure must not stop the others
                log.warning("student import invitation to user %s failed: %s", user.pk, exc)
                sent = 0
            if sent:
                report.invitations_sent += 1
            else:
                report.invitations_failed += 1
    finally:
        try:
            connection.close()
        except Exception as exc:  # closing a broken connection may fail too
            log.warning("student import invitations: close failed: %s", exc)
