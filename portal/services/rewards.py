"""Rewards: the catalogue (admins) and redemptions (students redeem and cancel; admins approve,
reject and fulfil).

Lock order, everywhere: the student's profile, then the reward, then the redemption. Redeeming
debits the ledger and takes a unit of stock in one transaction; rejecting or cancelling refunds
and restores it in one transaction. A refund's idempotency key is derived from the redemption,
so the unique constraint guarantees at most one refund per redemption whatever races."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.exceptions import PortalError
from portal.models import (
    Notification,
    Redemption,
    Reward,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import can_manage_catalogue, can_redeem, refuse_alumni, require
from portal.prepared import Prepared
from portal.selectors.rewards import held_count

from . import webhooks
from .audit import record_audit, save_audited, set_active_audited
from .ledger import lock_own_profile, post_entry
from .notifications import in_language_of, notify
from .rows import insert_once

Status = Redemption.Status


class RewardError(PortalError):
    pass


ADMINS_ONLY = gettext_lazy("Only admins can manage rewards and redemptions.")


# --- catalogue ----------------------------------------------------------------------------------

REWARD_FIELDS = (
    "name",
    "description",
    "category",
    "cost",
    "stock",
    "limit_per_student",
    "is_active",
    "available_from",
    "available_until",
)


@transaction.atomic
def save_reward(*, actor: User, reward: Reward) -> Reward:
    """Insert or update a reward from the admin form (already validated). Redemptions keep the
    cost they were made at, so a new cost never changes them. Audited with before and after."""
    require(can_manage_catalogue(actor), RewardError, ADMINS_ONLY)
    return save_audited(actor=actor, instance=reward, fields=REWARD_FIELDS, name="reward")


@transaction.atomic
def set_reward_active(*, actor: User, reward_id: int, active: bool) -> Reward:
    """Withdraw a reward from the catalogue (pending redemptions stay) or bring it back."""
    require(can_manage_catalogue(actor), RewardError, ADMINS_ONLY)
    return set_active_audited(actor=actor, model=Reward, pk=reward_id, active=active, name="reward")


# --- redeeming ----------------------------------------------------------------------------------


def _lock_reward(reward_id: int) -> Reward:
    reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
    if reward is None:
        raise RewardError("not_found", _("This reward does not exist."))
    return reward


def check_redeemable(profile: StudentProfile, reward: Reward, *, already: int) -> None:
    """Raise the first reason `profile` cannot redeem `reward` now; `already` is how many of
    it they hold (pending, approved or fulfilled). Used by the service under its locks and by
    the confirm step to explain a refusal before the student clicks."""
    now = timezone.now()
    if not reward.is_active:
        raise RewardError("inactive", _("This reward is no longer offered."))
    if reward.available_from and now < reward.available_from:
        when = date_format(timezone.localtime(reward.available_from), "d M Y, H:i")
        raise RewardError(
            "not_yet_available", _("This reward can be redeemed from %(when)s.") % {"when": when}
        )
    if reward.available_until and now >= reward.available_until:
        raise RewardError("no_longer_available", _("This reward's redemption window has closed."))
    if not reward.in_stock:
        raise RewardError("out_of_stock", _("Sorry, this reward is out of stock."))
    if reward.limit_per_student is not None and already >= reward.limit_per_student:
        raise RewardError(
            "limit_reached",
            ngettext(
                "You have already redeemed this reward %(count)s time; "
                "the limit is %(limit)s per student.",
                "You have already redeemed this reward %(count)s times; "
                "the limit is %(limit)s per student.",
                already,
            )
            % {"count": already, "limit": reward.limit_per_student},
        )
    if profile.balance < reward.cost:
        missing = reward.cost - profile.balance
        raise RewardError(
            "insufficient_balance",
            ngettext(
                "You need %(count)s more point for this reward.",
                "You need %(count)s more points for this reward.",
                missing,
            )
            % {"count": missing},
        )


def explain_refusals(profile: StudentProfile | None, rewards: list[Reward]) -> list[Reward]:
    """Attach to each reward why `profile` cannot redeem it now ("" when they can), for the
    catalogue to say so before the student clicks. Uses a `held` annotation when present."""
    for reward in rewards:
        reward.refusal = ""
        if profile is None:
            continue
        held = getattr(reward, "held", None)
        if held is None:
            held = held_count(profile, reward)
        try:
            check_redeemable(profile, reward, already=held)
        except RewardError as exc:
            reward.refusal = exc.message
    return rewards


# The redemption's read of its reward, composed once per process (portal.prepared).
_reward_by_id = Prepared(lambda pk: Reward.objects.filter(pk=pk))


@transaction.atomic
def redeem_reward(*, actor: User, reward_id: int, idempotency_key: str) -> Redemption:
    """Spend points on a reward: a pending redemption, a debit in the ledger, one unit of stock.

    Locks the student's profile, then the reward if its stock is limited. The same key twice
    returns the first redemption. Raises RewardError: forbidden, not_found, inactive,
    not_yet_available, no_longer_available, out_of_stock, limit_reached, insufficient_balance,
    key_conflict. Nothing is written then.
    """
    refuse_alumni(actor, RewardError)
    require(can_redeem(actor), RewardError, _("Only students can redeem rewards."))
    # Read before taking the lock; the stock is taken below by a conditional UPDATE, which
    # locks the reward row only for the few rewards whose stock is limited.
    reward = _reward_by_id.first(reward_id)
    if reward is None:
        raise RewardError("not_found", _("This reward does not exist."))
    profile = lock_own_profile(actor)
    if profile is None:
        raise RewardError("forbidden", _("Only students can redeem rewards."))
    try:
        held = held_count(profile, reward) if reward.limit_per_student is not None else 0
        check_redeemable(profile, reward, already=held)
    except RewardError as exc:
        # A double click whose first click took the last unit or the last points is a
        # replay, not a refusal: looked up only when something was refused.
        return _replay_or_raise(exc, idempotency_key, profile, reward_id)
    redemption = Redemption(
        student=profile, reward=reward, cost=reward.cost, idempotency_key=idempotency_key
    )
    if not insert_once(redemption):  # nothing written yet: the key's first use stands
        conflict = RewardError("key_conflict", _("This form was already used. Reload the page."))
        return _replay_or_raise(conflict, idempotency_key, profile, reward_id)
    if reward.stock is not None and not _take_unit(reward):
        raise RewardError("out_of_stock", _("Sorry, this reward is out of stock."))
    post_entry(
        profile,
        amount=-reward.cost,
        kind=Transaction.Kind.REDEMPTION,
        actor=actor,
        category=None,
        reason=f"Redeemed: {reward.name}",
        idempotency_key=f"redeem:{redemption.pk}",
        counts_for_lifetime=False,
        redemption=redemption,
    )
    return redemption


def _replay_or_raise(
    refusal: RewardError, idempotency_key: str, profile: StudentProfile, reward_id: int
) -> Redemption:
    """The redemption an earlier submission of the same form made, or `refusal`."""
    existing = Redemption.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        raise refusal
    if existing.student_id != profile.pk or existing.reward_id != reward_id:
        raise RewardError("key_conflict", _("This form was already used. Reload the page."))
    return existing


def _take_unit(reward: Reward) -> bool:
    """Take one unit of a limited stock: one conditional UPDATE, which holds the reward's row
    lock until the commit (profile first, then the reward: the order used everywhere), so the
    stock never goes below zero however many redeem at once."""
    taken = Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1)
    if taken:
        reward.stock -= 1
    return bool(taken)


def _lock_redemption(redemption_id: int) -> tuple[StudentProfile, Reward, Redemption]:
    """Lock a redemption's profile, reward and row, in the global order."""
    found = Redemption.objects.filter(pk=redemption_id).values("student_id", "reward_id").first()
    if found is None:
        raise RewardError("not_found", _("This redemption does not exist."))
    profile = (
        StudentProfile.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user")
        .get(pk=found["student_id"])
    )
    reward = Reward.objects.select_for_update().get(pk=found["reward_id"])
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    return profile, reward, redemption


def _refund(profile: StudentProfile, reward: Reward, redemption: Redemption, actor: User) -> None:
    """Give the points back and return the unit to stock. The key is derived from the
    redemption: a second refund would violate the unique constraint. A draw prize cost no
    points but took its unit of stock when the draw was performed: the unit goes back."""
    if reward.stock is not None:
        reward.stock += 1
        reward.save(update_fields=["stock"])
    if redemption.is_prize:
        return
    post_entry(
        profile,
        amount=redemption.cost,
        kind=Transaction.Kind.REFUND,
        actor=actor,
        category=None,
        reason=f"Refund: {reward.name}",
        idempotency_key=f"refund:{redemption.pk}",
        counts_for_lifetime=False,
        redemption=redemption,
    )


def _wrong_state(redemption: Redemption) -> RewardError:
    return RewardError(
        "already_decided",
        _("This redemption is already %(status)s; nothing was changed.")
        % {"status": redemption.get_status_display().lower()},
    )


@transaction.atomic
def cancel_redemption(*, actor: User, redemption_id: int) -> Redemption:
    """A student withdraws their own pending redemption: refund and stock restored.

    Raises RewardError: not_found (also for someone else's), already_decided."""
    profile, reward, redemption = _lock_redemption(redemption_id)
    if profile.user_id != actor.pk:
        raise RewardError("not_found", _("This redemption does not exist."))
    if redemption.status != Status.PENDING:
        raise _wrong_state(redemption)
    if redemption.is_prize:
        raise RewardError(
            "prize", _("A prize you won cannot be cancelled; it is yours to collect.")
        )
    redemption.status = Status.CANCELLED
    redemption.cancelled_at = timezone.now()
    redemption.save(update_fields=["status", "cancelled_at"])
    _refund(profile, reward, redemption, actor)
    return redemption


Decision = Redemption.Decision
# The statuses each decision applies to: anything else was decided meanwhile.
DECIDES_FROM = {
    Decision.APPROVE: (Status.PENDING,),
    Decision.REJECT: (Status.PENDING, Status.APPROVED),
    Decision.FULFIL: (Status.APPROVED,),
}


@transaction.atomic
def decide_redemption(
    *, actor: User, redemption_id: int, decision: str, note: str = ""
) -> Redemption:
    """Approve (pending -> approved), reject (pending/approved -> rejected, with a note the
    student sees; refund and stock restored) or fulfil (approved -> fulfilled).

    Applies only to a redemption still in a state the decision expects, so a double click or
    two admins deciding at once change it once. Audited. Raises RewardError: forbidden,
    not_found, bad_decision, note_required, already_decided."""
    require(can_manage_catalogue(actor), RewardError, ADMINS_ONLY)
    if decision not in DECIDES_FROM:
        raise RewardError("bad_decision", _("Choose approve, reject or fulfil."))
    note = (note or "").strip()[:500]
    if decision == Decision.REJECT and not note:
        raise RewardError(
            "note_required",
            _("Say why it is rejected; the student sees this note."),
            field="note",
        )
    profile, reward, redemption = _lock_redemption(redemption_id)
    if redemption.status not in DECIDES_FROM[decision]:
        raise _wrong_state(redemption)
    before = redemption.status
    now = timezone.now()
    if decision == Decision.FULFIL:
        redemption.status = Status.FULFILLED
        redemption.fulfilled_by, redemption.fulfilled_at = actor, now
    else:
        redemption.status = Status.APPROVED if decision == Decision.APPROVE else Status.REJECTED
        redemption.decided_by, redemption.decided_at = actor, now
    if note:
        redemption.admin_note = note
    redemption.save()
    if decision == Decision.REJECT:
        _refund(profile, reward, redemption, actor)
    _tell_decision(profile, reward, redemption)
    webhooks.announce_redemption(profile, reward, redemption, decision=decision)
    record_audit(
        actor=actor,
        action=f"redemption.{decision}",
        target=redemption,
        before={"status": before},
        after={"status": redemption.status, "note": note},
    )
    return redemption


def _tell_decision(profile: StudentProfile, reward: Reward, redemption: Redemption) -> None:
    with in_language_of(profile.user):
        _tell_decision_now(profile, reward, redemption)


def _tell_decision_now(profile: StudentProfile, reward: Reward, redemption: Redemption) -> None:
    if redemption.status == Status.APPROVED:
        message = _("Your redemption of %(reward)s was approved.") % {"reward": reward.name}
    elif redemption.status == Status.FULFILLED:
        message = _("Your redemption of %(reward)s was fulfilled. Enjoy!") % {"reward": reward.name}
    elif redemption.cost:
        message = ngettext(
            "Your redemption of %(reward)s was rejected and %(cost)s point was refunded: %(note)s",
            "Your redemption of %(reward)s was rejected and %(cost)s points were refunded: "
            "%(note)s",
            redemption.cost,
        ) % {"reward": reward.name, "cost": redemption.cost, "note": redemption.admin_note}
    else:
        message = _("Your redemption of %(reward)s was rejected: %(note)s") % {
            "reward": reward.name,
            "note": redemption.admin_note,
        }
    notify(
        profile.user,
        kind=Notification.Kind.REDEMPTION,
        message=message,
        link=reverse("portal:my-redemptions"),
    )


@dataclass
class BulkOutcome:
    done: list[Redemption] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (redemption id, reason)


def decide_many(
    *, actor: User, redemption_ids: Iterable[int], decision: str, note: str = ""
) -> BulkOutcome:
    """Apply one decision to several redemptions, each in its own transaction: a redemption
    someone else decided meanwhile is skipped and reported, the others go through."""
    require(can_manage_catalogue(actor), RewardError, ADMINS_ONLY)
    outcome = BulkOutcome()
    for pk in sorted(set(redemption_ids)):
        try:
            outcome.done.append(
                decide_redemption(actor=actor, redemption_id=pk, decision=decision, note=note)
            )
        except RewardError as exc:
            if exc.code in ("note_required", "bad_decision"):
                raise
            outcome.skipped.append((pk, exc.message))
    return outcome
