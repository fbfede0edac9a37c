"""Linking a Discord account to a portal account, and unlinking it.

A user asks for a code in Settings (`create_link_code`), then types `/link code:<code>` in
Discord (`link_account`). The code is 8 characters (about 40 bits), lives 15 minutes, is
spent by its first use and is stored only as an HMAC keyed with SECRET_KEY, so a copy of the
database does not give working codes. Points, redemptions and awards typed in Discord go
through the ledger and reward services themselves, never through here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.domain.discord import new_link_code, normalise_code
from portal.exceptions import PortalError
from portal.models import DiscordLink, DiscordLinkCode, User

from .audit import record_audit
from .rows import insert_once

CODE_LIFETIME = timedelta(minutes=15)


class DiscordError(PortalError):
    pass


def hash_code(code: str) -> str:
    return salted_hmac("upas.discord.link-code", code, algorithm="sha256").hexdigest()


@transaction.atomic
def create_link_code(*, user: User) -> tuple[str, DiscordLinkCode]:
    """A new one-time code for `user`, replacing any code they had not used. Returns the code
    (shown once, never stored) and its row (for the expiry time)."""
    DiscordLinkCode.objects.filter(user=user).delete()
    code = new_link_code()
    pending = DiscordLinkCode.objects.create(
        user=user, code_hash=hash_code(code), expires_at=timezone.now() + CODE_LIFETIME
    )
    return code, pending


def forget_expired_link_codes(*, now: datetime | None = None) -> int:
    """Delete link codes past their expiry (a daily job); a used code is deleted when used."""
    deleted, _rows = DiscordLinkCode.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def link_account(*, discord_user_id: str, code: str) -> DiscordLink:
    """Link the Discord user to the account whose code this is, and spend the code.

    Locks the code's row, so two uses of one code at once link once. A user linking another
    Discord account replaces their link. Raises DiscordError: bad_code (unknown, used, or not
    a code at all), expired_code, already_linked (this Discord account is another user's).
    Nothing is written then. Audited as discord.link."""
    normalised = normalise_code(code)
    pending = (
        DiscordLinkCode.objects.select_for_update()
        .select_related("user")
        .filter(code_hash=hash_code(normalised), user__is_active=True)
        .first()
        if normalised
        else None
    )
    if pending is None:
        raise DiscordError(
            "bad_code",
            _("This code is not valid. Get a new one in the portal's Settings."),
            field="code",
        )
    if pending.expires_at <= timezone.now():
        raise DiscordError(
            "expired_code",
            _("This code has expired. Get a new one in the portal's Settings."),
            field="code",
        )
    user = pending.user
    taken = DiscordLink.objects.filter(discord_user_id=discord_user_id).exclude(user=user)
    if taken.exists():
        raise DiscordError(
            "already_linked",
            _(
                "This Discord account is linked to another portal account. Unlink it in that "
                "account's Settings first."
            ),
        )
    before = DiscordLink.objects.filter(user=user).first()
    if before is not None:
        before.delete()
    link = DiscordLink(user=user, discord_user_id=discord_user_id)
    if not insert_once(link):  # linked to another account meanwhile: the constraint is last
        raise DiscordError(
            "already_linked",
            _("This Discord account is linked to another portal account."),
        )
    pending.delete()
    record_audit(
        actor=user,
        action="discord.link",
        target=link,
        before={"discord_user_id": before.discord_user_id} if before else {},
        after={"discord_user_id": discord_user_id},
    )
    return link


@transaction.atomic
def unlink_account(*, actor: User) -> DiscordLink | None:
    """Remove the actor's link (their Discord commands stop acting as them at once) and any
    code they had not used. Returns the removed link, None when there was none. Audited as
    discord.unlink."""
    DiscordLinkCode.objects.filter(user=actor).delete()
    link = DiscordLink.objects.select_for_update().filter(user=actor).first()
    if link is None:
        return None
    record_audit(
        actor=actor,
        action="discord.unlink",
        target=link,
        before={"discord_user_id": link.discord_user_id},
    )
    link.delete()
    return link
