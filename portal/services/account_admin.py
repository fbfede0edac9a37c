"""Account administration in the portal: suspend and reactivate, warn, unlock a locked-out
account, send a password reset, correct someone's details. Each action is one transaction,
permission-checked (`can_administer`) and audited; none touches the ledger.

A suspension switches `User.is_active` off: Django's and allauth's backends then refuse the
password and drop the user's sessions on their next request (`get_user` checks it), and the
leaderboards, searches and awards already leave inactive accounts out. Reactivating, or the
end date passing, switches it back on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.exceptions import AccountError
from portal.models import (
    AccountWarning,
    Department,
    Notification,
    Role,
    StudentProfile,
    Suspension,
    User,
)
from portal.permissions import can_administer, can_limit_admins, require
from portal.selectors.accounts import login_failed_cache_keys

from .audit import record_audit
from .imports import invitation_link
from .notifications import in_language_of, notify

log = logging.getLogger(__name__)

REASON_MAX = 500


def _lock_target(actor: User, user_id: int) -> User:
    """The account acted on, locked; refuses unknown ids and the actor's own account."""
    target = User.objects.select_for_update().filter(pk=user_id).first()
    if target is None:
        raise AccountError("not_found", _("No such user."))
    require(
        can_administer(actor, target),
        AccountError,
        _("Only admins can manage accounts, and never their own this way."),
    )
    return target


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise AccountError("reason_required", _("Give a reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise AccountError(
            "reason_too_long",
            _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX},
            field="reason",
        )
    return reason


@transaction.atomic
def suspend_account(
    *, actor: User, user_id: int, reason: str, ends_at: datetime | None = None
) -> Suspension:
    """Suspend an account until an admin reactivates it or `ends_at` passes.

    Locks the user row. The ledger, balance and history stay as they are. Audited
    (`user.suspend`). Raises AccountError: not_found, forbidden (not an admin, or their own
    account), reason_required, reason_too_long, ends_in_past, already_suspended."""
    target = _lock_target(actor, user_id)
    reason = _clean_reason(reason)
    if ends_at is not None and ends_at <= timezone.now():
        raise AccountError(
            "ends_in_past", _("The end must be in the future (or leave it empty)."), field="ends_at"
        )
    if Suspension.objects.filter(user=target, lifted_at__isnull=True).exists():
        raise AccountError("already_suspended", _("This account is already suspended."))
    suspension = Suspension.objects.create(
        user=target, reason=reason, ends_at=ends_at, created_by=actor
    )
    target.is_active = False
    target.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action="user.suspend",
        target=target,
        before={"is_active": True},
        after={
            "is_active": False,
            "reason": reason,
            "ends_at": ends_at.isoformat() if ends_at else None,
        },
    )
    return suspension


def _lift(suspension: Suspension, *, actor: User | None, action: str) -> None:
    now = timezone.now()
    suspension.lifted_at = now
    suspension.lifted_by = actor
    suspension.save(update_fields=["lifted_at", "lifted_by"])
    user = suspension.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action=action,
        target=user,
        before={"is_active": False},
        after={"is_active": True, "suspension": suspension.pk},
    )


@transaction.atomic
def reactivate_account(*, actor: User, user_id: int) -> User:
    """Lift the suspension in force: the person can sign in again and reappears where active
    accounts appear. Locks the user row. Audited (`user.reactivate`).
    Raises AccountError: not_found, forbidden, not_suspended."""
    target = _lock_target(actor, user_id)
    suspension = (
        Suspension.objects.select_for_update().filter(user=target, lifted_at__isnull=True).first()
    )
    if suspension is None:
        raise AccountError("not_suspended", _("This account is not suspended."))
    suspension.user = target
    _lift(suspension, actor=actor, action="user.reactivate")
    return target


def lift_lapsed_suspensions(*, login: str = "", now: datetime | None = None) -> int:
    """Lift every suspension whose end date has passed (the worker's periodic job), or only
    the one of the account signing in as `login` (called before a password is checked, so a
    lapsed suspension never refuses a sign-in). Audited with no actor (`user.suspension_lapsed`).
    Returns how many were lifted; each in its own transaction, under its user's lock."""
    now = now or timezone.now()
    due = Suspension.objects.filter(lifted_at__isnull=True, ends_at__lte=now)
    if login:
        due = due.filter(user__email__iexact=login)
    lifted = 0
    for pk, user_id in due.values_list("pk", "user_id"):
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user_id).first()
            suspension = (
                Suspension.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk, lifted_at__isnull=True, ends_at__lte=now)
                .first()
            )
            if suspension is None:  # reactivated meanwhile
                continue
            _lift(suspension, actor=None, action="user.suspension_lapsed")
            lifted += 1
    return lifted


@transaction.atomic
def issue_warning(
    *, actor: User, user_id: int, reason: str, idempotency_key: str
) -> AccountWarning:
    """Give someone a formal warning; they see it on their settings page and get a
    notification in their language. Audited (`user.warn`). The same key twice returns the
    first warning (a double click or a resent form warns once).
    Raises AccountError: not_found, forbidden, reason_required, reason_too_long, key_conflict."""
    target = _lock_target(actor, user_id)
    if not idempotency_key:
        raise AccountError("key_missing", _("This form has expired; reload the page."))
    earlier = AccountWarning.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        if earlier.user_id != target.pk or earlier.issued_by_id != actor.pk:
            raise AccountError("key_conflict", _("This form has expired; reload the page."))
        return earlier
    reason = _clean_reason(reason)
    warning = AccountWarning.objects.create(
        user=target, reason=reason, issued_by=actor, idempotency_key=idempotency_key
    )
    count = AccountWarning.objects.filter(user=target).count()
    with in_language_of(target):
        message = ngettext(
            "You received a warning (%(count)s in all): %(reason)s",
            "You received a warning (%(count)s in all): %(reason)s",
            count,
        ) % {"count": count, "reason": reason}
    notify(
        target,
        kind=Notification.Kind.ACCOUNT,
        message=message,
        link=reverse("portal:settings") + "#warnings",
    )
    record_audit(
        actor=actor, action="user.warn", target=target, after={"reason": reason, "count": count}
    )
    return warning


def portal_hosts(request_host: str = "") -> set[str]:
    """Every host name allauth may have counted failed sign-ins under: the host of the admin's
    request, the concrete ALLOWED_HOSTS (no wildcards) and SITE_URL's."""
    hosts = {h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")}
    site = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    hosts.update(h for h in (request_host, site) if h)
    return hosts


@transaction.atomic
def unlock_account(*, actor: User, user_id: int, hosts: Iterable[str]) -> int:
    """Clear allauth's count of `user`'s failed sign-ins, so a locked-out account can try again
    at once instead of waiting out the lock. The per-address limits stay. Audited
    (`user.unlock`). Returns the number of counters cleared.
    Raises AccountError: not_found, forbidden."""
    target = _lock_target(actor, user_id)
    keys = [key for key, _rate in login_failed_cache_keys(target, hosts)]
    cleared = sum(1 for key in keys if cache.get(key))
    cache.delete_many(keys)
    record_audit(actor=actor, action="user.unlock", target=target, after={"cleared": cleared})
    return cleared


def _reset_email(user: User) -> EmailMessage:
    with in_language_of(user):
        body = _(
            "Hello %(name)s,\n\n"
            "An administrator of UPAS, the points portal, sent you this link to choose a new "
            "password for %(email)s:\n\n%(link)s\n\n"
            "The link works once. If you did not expect it, you can ignore this email: your "
            "password stays as it is.\n"
        ) % {"name": user.name, "email": user.email, "link": invitation_link(user)}
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Choose a new UPAS password")
    return EmailMessage(subject=subject, body=body, to=[user.email])


@transaction.atomic
def send_password_reset(*, actor: User, user_id: int) -> User:
    """Email someone a link to choose a new password (allauth's reset token, so it works once
    and expires with PASSWORD_RESET_TIMEOUT), after the commit. Also serves as an invitation
    for an account that never had a password. Audited (`user.password_reset`).
    Raises AccountError: not_found, forbidden, suspended (reactivate first)."""
    target = _lock_target(actor, user_id)
    if not target.is_active:
        raise AccountError(
            "suspended", _("This account is suspended: reactivate it before sending a link.")
        )
    message = _reset_email(target)

    def send() -> None:
        try:
            message.send()
        except Exception as exc:  # the mail server's trouble must not undo the audit
            log.warning("password reset email to user %s failed: %s", target.pk, exc)

    transaction.on_commit(send)
    record_audit(actor=actor, action="user.password_reset", target=target)
    return target


CORRECTABLE = ("name", "enrollment_number", "department", "year")


@transaction.atomic
def correct_details(
    *,
    actor: User,
    user_id: int,
    name: str,
    enrollment_number: str | None = None,
    department: Department | None = None,
    year: int | None = None,
    leaderboard_name: str | None = None,
) -> User:
    """Correct someone's name and, for a student, enrollment number, department, year and the
    name they chose for leaderboards (None leaves it; "" clears an unsuitable one).
    Locks the user and their profile. Audited (`user.correct`, the changed fields before and
    after); nothing changed, nothing written.
    Raises AccountError: not_found, forbidden, name_required, enrollment_required,
    enrollment_taken, bad_year."""
    target = _lock_target(actor, user_id)
    name = name.strip()
    if not name:
        raise AccountError("name_required", _("Enter the full name."), field="name")
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    if target.name != name:
        before["name"], after["name"] = target.name, name
        target.name = name
        target.save(update_fields=["name"])
    profile = StudentProfile.objects.select_for_update().filter(user=target).first()
    if profile is not None:
        number = (enrollment_number or "").strip().upper()
        if not number:
            raise AccountError(
                "enrollment_required", _("Enter the enrollment number."), field="enrollment_number"
            )
        if year is None or not 1 <= year <= 10:
            raise AccountError("bad_year", _("The year is between 1 and 10."), field="year")
        if (
            number != profile.enrollment_number
            and StudentProfile.objects.filter(enrollment_number=number).exists()
        ):
            raise AccountError(
                "enrollment_taken",
                _("Another student has this enrollment number."),
                field="enrollment_number",
            )
        changed = []
        for field, current, value in (
            ("enrollment_number", profile.enrollment_number, number),
            ("department_id", profile.department_id, department.pk if department else None),
            ("year", profile.year, year),
            (
                "leaderboard_name",
                profile.leaderboard_name,
                profile.leaderboard_name
                if leaderboard_name is None
                else " ".join(leaderboard_name.split()),
            ),
        ):
            if current != value:
                name_in_audit = field.removesuffix("_id")
                before[name_in_audit], after[name_in_audit] = current, value
                setattr(profile, field, value)
                changed.append(field)
        if changed:
            profile.save(update_fields=changed)
    if after:
        record_audit(actor=actor, action="user.correct", target=target, before=before, after=after)
    return target


@transaction.atomic
def limit_admin(*, actor: User, user_id: int, department: Department | None) -> User:
    """Limit an admin to one department's students (None: everyone). Only admins without a
    limit may set limits, never their own. Audited (`user.admin_department`).
    Raises AccountError: not_found, forbidden, not_admin."""
    require(
        can_limit_admins(actor),
        AccountError,
        _("Only admins without a department limit can limit other admins."),
    )
    target = _lock_target(actor, user_id)
    if target.role != Role.ADMIN:
        raise AccountError(
            "not_admin", _("Only admins can be limited to a department."), field="department"
        )
    before = target.admin_department_id
    after = department.pk if department is not None else None
    if before == after:
        return target
    target.admin_department = department
    target.save(update_fields=["admin_department"])
    record_audit(
        actor=actor,
        action="user.admin_department",
        target=target,
        before={"department": before},
        after={"department": after},
    )
    return target
