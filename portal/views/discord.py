"""The Discord bot: the interactions endpoint Discord posts slash commands to, and the Settings
section that links an account (docs/DISCORD.md).

Every command acts as the portal account linked to the Discord user who typed it, through the
same selectors, permission functions and services as the pages; writes carry the
interaction's id as their idempotency key, so a request Discord sends twice writes once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import ratelimit
from portal.client import client_ip
from portal.domain import discord
from portal.domain.discord import Interaction
from portal.exceptions import PortalError
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import StudentProfile, User
from portal.permissions import can_award
from portal.phrases import points_phrase
from portal.selectors.discord import category_named, link_of, linked_user, rewards_matching
from portal.selectors.ledger import get_leaderboard, get_standing, list_history
from portal.selectors.rewards import list_catalogue
from portal.selectors.ways_to_earn import ways_to_earn
from portal.services import discord as discord_services
from portal.services.ledger import award_points, deduct_points
from portal.services.rewards import explain_refusals, redeem_reward
from portal.site import site_url

# Discord's servers send every user's commands, so the address limit is wide: it stops a
# stranger hammering the endpoint with unsigned requests, not a busy server.
ADDRESS_RATE = "600/m"
USER_RATE = "20/m"  # commands per Discord user
SHOWN = 5  # lines in a list answer (history, shop, events...)
CATEGORIES_SHOWN = 12


def _status(status: int) -> HttpResponse:
    return HttpResponse(status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt  # Discord signs its requests instead; a browser's session is never used here
@require_POST
def interactions(request: HttpRequest) -> HttpResponse:
    """Without DISCORD_PUBLIC_KEY the bot is off and the endpoint does not exist (404): an
    unconfigured deployment offers nothing to probe, and Discord's check of the URL fails
    plainly. Unsigned, badly signed or stale requests get 401 and change nothing."""
    if not settings.DISCORD_PUBLIC_KEY:
        return _status(404)
    if ratelimit.consume("discord:address", client_ip(request) or "-", ADDRESS_RATE).limited:
        return _status(429)
    signed = discord.verify_request(
        public_key_hex=settings.DISCORD_PUBLIC_KEY,
        signature_hex=request.headers.get("X-Signature-Ed25519", ""),
        timestamp=request.headers.get("X-Signature-Timestamp", ""),
        body=request.body,
        now=time.time(),
    )
    if not signed:
        return _status(401)
    try:
        interaction = discord.parse_interaction(request.body)
    except discord.MalformedInteraction:
        return _status(400)
    if interaction.type == discord.PING:
        return JsonResponse(discord.pong())
    if interaction.type != discord.APPLICATION_COMMAND:
        return _status(400)
    return JsonResponse(answer(interaction))


def answer(interaction: Interaction) -> dict:
    """The reply to one slash command, in the linked user's language."""
    user = linked_user(interaction.discord_user_id)
    languages = [code for code, _name in settings.LANGUAGES]
    language = (
        (user.language if user is not None and user.language else "")
        or discord.portal_language(interaction.locale, languages)
        or settings.LANGUAGE_CODE
    )
    with translation.override(language):
        usage = ratelimit.consume("discord:user", interaction.discord_user_id, USER_RATE)
        if usage.limited:
            return discord.message(
                ngettext(
                    "Too many commands. Try again in %(count)s second.",
                    "Too many commands. Try again in %(count)s seconds.",
                    usage.seconds_left,
                )
                % {"count": usage.seconds_left}
            )
        if interaction.command == "link":
            return discord.message(_link(interaction))
        if user is None:
            return discord.message(_how_to_link())
        handler = COMMANDS.get(interaction.command)
        if handler is None:
            return discord.message(_("Unknown command."))
        try:
            text = handler(user, interaction)
        except PortalError as exc:
            text = exc.message
        return discord.message(text)


def _portal_url(name: str, anchor: str = "") -> str:
    return site_url(f"{reverse(name)}{anchor}")


def _how_to_link() -> str:
    return _(
        "Your Discord account is not linked to the portal yet. Open %(url)s, choose "
        "“Get a link code” and type /link with that code here."
    ) % {"url": _portal_url("portal:settings", "#discord-settings")}


def _day(when: datetime, format: str) -> str:
    return date_format(timezone.localtime(when), format)


def _profile(user: User) -> StudentProfile:
    profile = getattr(user, "student_profile", None)
    if profile is None:
        raise discord_services.DiscordError("no_points", _("Only students have points."))
    return profile


# --- commands -----------------------------------------------------------------------------------


def _link(interaction: Interaction) -> str:
    code = interaction.options.get("code")
    try:
        link = discord_services.link_account(
            discord_user_id=interaction.discord_user_id, code=str(code or "")
        )
    except PortalError as exc:
        return exc.message
    return _("Linked to %(name)s. Type /points to see your points.") % {
        "name": discord.plain(link.user.name)
    }


def _points_command(user: User, _interaction: Interaction) -> str:
    profile = _profile(user)
    standing = get_standing(profile)
    return _("Balance: %(balance)s. Earned in all: %(lifetime)s. Rank %(rank)s of %(of)s.") % {
        "balance": points_phrase(standing.balance),
        "lifetime": points_phrase(standing.lifetime_points),
        "rank": standing.rank,
        "of": standing.of,
    }


def _rank(user: User, _interaction: Interaction) -> str:
    standing = get_standing(_profile(user))
    text = _("You are number %(rank)s of %(of)s.") % {"rank": standing.rank, "of": standing.of}
    if standing.department_rank is not None:
        text += " " + _("In your department: %(rank)s of %(of)s.") % {
            "rank": standing.department_rank,
            "of": standing.department_of,
        }
    return text


def _history(user: User, _interaction: Interaction) -> str:
    _profile(user)
    entries = list(list_history(user).order_by("-created_at", "-id")[:SHOWN])
    if not entries:
        return _("No points yet. Type /ways-to-earn to see how to earn some.")
    lines = [
        f"{entry.amount:+d} · {discord.plain(entry.category or entry.get_kind_display())} · "
        f"{discord.plain(entry.reason)} ({_day(entry.created_at, 'j M')})"
        for entry in entries
    ]
    return "\n".join([_("Your latest points:"), *lines])


def _ways_to_earn(user: User, _interaction: Interaction) -> str:
    ways = ways_to_earn(user)
    lines = [_("Ways to earn points:")]
    lines += [
        _("%(category)s: %(min)s to %(max)s points")
        % {
            "category": discord.plain(c.name),
            "min": c.min_points,
            "max": c.max_points,
        }
        for c in ways.categories[:CATEGORIES_SHOWN]
    ]
    if ways.events:
        lines.append(_("Events to come:"))
        lines += [
            f"{_day(e.starts_at, 'j M H:i')} · {discord.plain(e.title)} · "
            f"{points_phrase(e.attendance_points)}"
            for e in ways.events[:SHOWN]
        ]
    if ways.tasks:
        lines.append(_("Open tasks:"))
        lines += [
            f"{discord.plain(t.title)} · {points_phrase(t.points)}" for t in ways.tasks[:SHOWN]
        ]
    lines.append(_("Everything: %(url)s") % {"url": _portal_url("portal:ways-to-earn")})
    return "\n".join(lines)


def _shop(user: User, _interaction: Interaction) -> str:
    profile = _profile(user)
    rewards = explain_refusals(profile, list_catalogue(profile=profile, in_stock=True)[:SHOWN])
    if not rewards:
        return _("No rewards are offered at the moment.")
    lines = [
        _("Rewards (your balance: %(balance)s):") % {"balance": points_phrase(profile.balance)}
    ]
    for reward in rewards:
        line = f"#{reward.pk} {discord.plain(reward.name)} · {points_phrase(reward.cost)}"
        lines.append(f"{line} ({reward.refusal})" if reward.refusal else line)
    lines.append(_("Redeem with /redeem and the reward's name or number."))
    return "\n".join(lines)


def _redeem(user: User, interaction: Interaction) -> str:
    _profile(user)
    wanted = str(interaction.options.get("reward", ""))
    found = rewards_matching(wanted)
    if not found:
        return _("No reward matches “%(text)s”. Type /shop to see them.") % {
            "text": discord.plain(wanted)
        }
    if len(found) > 1:
        names = ", ".join(f"#{r.pk} {discord.plain(r.name)}" for r in found)
        return _("Several rewards match: %(names)s. Type its number.") % {"names": names}
    redemption = redeem_reward(
        actor=user, reward_id=found[0].pk, idempotency_key=f"discord:{interaction.id}"
    )
    return _("Redeemed %(reward)s for %(cost)s. An admin will confirm it; see %(url)s.") % {
        "reward": discord.plain(found[0].name),
        "cost": points_phrase(redemption.cost),
        "url": _portal_url("portal:my-redemptions"),
    }


def _leaderboard(user: User, _interaction: Interaction) -> str:
    board = get_leaderboard(viewer=user, top=10)
    if not board.rows:
        return _("Nobody has points yet.")
    rows = [*board.rows, *([board.viewer_row] if board.viewer_row else [])]
    lines = [_("Leaderboard:")]
    lines += [
        f"{'**' if row.is_viewer else ''}{row.rank}. {discord.plain(row.name)} · {row.points}"
        f"{'**' if row.is_viewer else ''}"
        for row in rows
    ]
    return "\n".join(lines)


def _staff_target(user: User, interaction: Interaction) -> tuple[StudentProfile, int, str]:
    """The student named by the `user` option, the points and the reason; checked in the
    order a refusal should be given (the actor's role first, so a student learns nothing
    about who is linked)."""
    if not can_award(user):
        raise discord_services.DiscordError(
            "forbidden", _("Only faculty and admins can award or deduct points.")
        )
    target = linked_user(str(interaction.options.get("user", "")))
    profile = getattr(target, "student_profile", None) if target else None
    if profile is None:
        raise discord_services.DiscordError(
            "not_linked", _("That Discord user has no student account linked to the portal.")
        )
    points = interaction.options.get("points")
    if not isinstance(points, int):
        raise discord_services.DiscordError("bad_points", _("Give the points as a whole number."))
    return profile, points, str(interaction.options.get("reason", ""))


def _award(user: User, interaction: Interaction) -> str:
    profile, points, reason = _staff_target(user, interaction)
    name = str(interaction.options.get("category", ""))
    category = category_named(name)
    if category is None:
        return _("No category is called “%(name)s”.") % {"name": discord.plain(name)}
    entry = award_points(
        actor=user,
        student_id=profile.pk,
        category_id=category.pk,
        amount=points,
        reason=reason,
        idempotency_key=f"discord:{interaction.id}",
    )
    return _("Awarded %(points)s to %(student)s (%(category)s).") % {
        "points": points_phrase(entry.amount),
        "student": discord.plain(profile.user.name),
        "category": discord.plain(category.name),
    }


def _deduct(user: User, interaction: Interaction) -> str:
    profile, points, reason = _staff_target(user, interaction)
    name = str(interaction.options.get("category", "")).strip()
    category = category_named(name) if name else None
    if name and category is None:
        return _("No category is called “%(name)s”.") % {"name": discord.plain(name)}
    entry = deduct_points(
        actor=user,
        student_id=profile.pk,
        amount=points,
        reason=reason,
        category_id=category.pk if category else None,
        idempotency_key=f"discord:{interaction.id}",
    )
    return _("Took %(points)s from %(student)s.") % {
        "points": points_phrase(-entry.amount),
        "student": discord.plain(profile.user.name),
    }


COMMANDS: dict[str, Callable[[User, Interaction], str]] = {
    "points": _points_command,
    "history": _history,
    "ways-to-earn": _ways_to_earn,
    "shop": _shop,
    "redeem": _redeem,
    "leaderboard": _leaderboard,
    "rank": _rank,
    "award": _award,
    "deduct": _deduct,
}


# --- the Settings section -----------------------------------------------------------------------


def settings_context(user: User) -> dict:
    """What the Settings page's Discord section shows (one query)."""
    return {"discord_enabled": bool(settings.DISCORD_PUBLIC_KEY), "discord_link": link_of(user)}


@login_required
@require_POST
def discord_code(request: HtmxHttpRequest) -> HttpResponse:
    """A new one-time link code, shown once: in the section (htmx) or on a page of its own."""
    if not settings.DISCORD_PUBLIC_KEY:
        raise Http404
    code, pending = discord_services.create_link_code(user=request.user)
    context = {
        **settings_context(request.user),
        "link_code": discord.spaced(code),
        "link_code_plain": code,
        "link_code_expires": pending.expires_at,
    }
    response = render_page(
        request, "portal/discord/link_code.html", context, partial="discord-settings"
    )
    response["Cache-Control"] = "private, no-store"  # the code is a credential for 15 minutes
    return response


@login_required
@require_POST
def discord_unlink(request: HtmxHttpRequest) -> HttpResponse:
    if discord_services.unlink_account(actor=request.user) is not None:
        messages.success(request, _("Your Discord account is no longer linked."))
    return redirect(reverse("portal:settings") + "#discord-settings")
