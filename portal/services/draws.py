"""Prize draws: create, enter, perform, claim, pass to an alternate, verify.

The draw row is the lock that orders everything about one draw: entering, performing and passing
a prize on all lock it first (after the student's profile, when points move), so an entry cannot
slip in while the draw is performed and a draw is performed once. Winners are picked by
`draw_algorithm.pick_winners` from the seed committed at creation, the draw id and the sorted
entry ids; `verify_draw` recomputes all of it from what is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.domain import draw_algorithm
from portal.exceptions import PortalError
from portal.models import (
    CheckIn,
    Draw,
    DrawEntry,
    DrawWinner,
    Notification,
    Redemption,
    Reward,
    StudentProfile,
    Transaction,
    User,
)
from portal.permissions import can_enter_draws, can_run_draws, refuse_alumni, require

from . import milestones, webhooks
from .audit import record_audit, save_audited
from .ledger import lock_profile, post_entry
from .notifications import in_language_of, notify

Status = Draw.Status
Eligibility = Draw.Eligibility
Pick = DrawWinner.Status

DRAW_FIELDS = (
    "title",
    "prize",
    "reward",
    "prize_points",
    "event",
    "eligibility",
    "winners_count",
    "alternates_count",
    "entry_deadline",
    "claim_deadline",
)

# An alternate who is offered a prize gets at least this long to claim it.
MIN_ALTERNATE_WINDOW = timedelta(days=3)


class DrawError(PortalError):
    pass


def _lock_draw(draw_id: int) -> Draw:
    draw = Draw.objects.select_for_update().filter(pk=draw_id).first()
    if draw is None:
        raise DrawError("not_found", _("This draw does not exist."))
    return draw


def entrants_digest(entry_ids: list[int]) -> str:
    """A fingerprint of the frozen entrant list, stored when the draw is performed."""
    return hashlib.sha256(",".join(str(i) for i in sorted(entry_ids)).encode()).hexdigest()


# --- creating -----------------------------------------------------------------------------------


@transaction.atomic
def save_draw(*, actor: User, draw: Draw) -> Draw:
    """Create a draw (its seed and commitment are made here, once) or edit an open one. The
    seed never changes, so editing cannot steer the result. Audited."""
    require(can_run_draws(actor), DrawError, _("Only admins can run draws."))
    if draw.pk:
        current = _lock_draw(draw.pk)
        if current.status != Status.OPEN:
            raise DrawError("already_drawn", _("A performed draw cannot be changed."))
        changes_who = (current.event_id, current.eligibility) != (draw.event_id, draw.eligibility)
        if changes_who and DrawEntry.objects.filter(draw=current).exists():
            raise DrawError(
                "has_entrants",
                _(
                    "Students have already entered: the event and who takes part can no longer "
                    "change. Create a new draw instead."
                ),
            )
        draw.seed, draw.commitment = current.seed, current.commitment
    else:
        draw.created_by = actor
        # The seed was made with the row (models.draws.new_seed); only its fingerprint is public.
        draw.commitment = draw_algorithm.commitment(draw.seed)
    if draw.reward_id:
        stock = Reward.objects.filter(pk=draw.reward_id).values_list("stock", flat=True).first()
        if stock is not None and stock < draw.winners_count:
            raise DrawError(
                "out_of_stock",
                ngettext(
                    "Only %(left)s left in stock for %(n)s winner.",
                    "Only %(left)s left in stock for %(n)s winners.",
                    draw.winners_count,
                )
                % {"left": stock, "n": draw.winners_count},
                field="reward",
            )
    return save_audited(actor=actor, instance=draw, fields=DRAW_FIELDS, name="draw")


# --- entering -----------------------------------------------------------------------------------


def ineligibility(draw: Draw, profile: StudentProfile, *, checked_in: bool) -> str:
    """Why `profile` cannot enter `draw` now ("" when they can). `checked_in` says whether they
    attended the draw's event (ignored when it has none)."""
    if not draw.entries_open:
        return _("Entries for this draw have closed.")
    if draw.event_id is not None and not checked_in:
        return _("Check in to %(event)s first: this draw is for its attendees.") % {
            "event": draw.event.title
        }
    if draw.eligibility == Eligibility.ATTENDEES:
        return _("Everyone checked in to the event is entered automatically.")
    return ""


@transaction.atomic
def enter_draw(*, actor: User, draw_id: int) -> DrawEntry:
    """Enter the signed-in student into an open draw; entering twice returns the first entry.

    Raises DrawError: forbidden, not_found, ineligible (with the reason)."""
    refuse_alumni(actor, DrawError)
    require(can_enter_draws(actor), DrawError, _("Only students can enter draws."))
    profile = StudentProfile.objects.filter(user=actor).first()
    if profile is None:
        raise DrawError("forbidden", _("Only students can enter draws."))
    draw = _lock_draw(draw_id)
    existing = DrawEntry.objects.filter(draw=draw, student=profile).first()
    if existing is not None:
        return existing
    checked_in = (
        draw.event_id is not None
        and CheckIn.objects.standing().filter(event_id=draw.event_id, student=profile).exists()
    )
    reason = ineligibility(draw, profile, checked_in=checked_in)
    if reason:
        raise DrawError("ineligible", reason)
    try:
        with transaction.atomic():  # the unique constraint is the last line
            return DrawEntry.objects.create(draw=draw, student=profile)
    except IntegrityError:
        return DrawEntry.objects.get(draw=draw, student=profile)


# --- performing ---------------------------------------------------------------------------------


@dataclass
class PerformResult:
    draw: Draw
    winners: list[DrawWinner]
    alternates: list[DrawWinner]
    shortfall: bool  # fewer entrants than winners: everyone won


def _enter_attendees(draw: Draw) -> None:
    """For an attendees draw, every active student checked in to the event (annulled
    check-ins left out), in check-in order."""
    students = (
        CheckIn.objects.standing()
        .filter(event_id=draw.event_id, student__user__is_active=True)
        .exclude(student__draw_entries__draw=draw)
        .order_by("pk")
        .values_list("student_id", flat=True)
    )
    now = timezone.now()
    DrawEntry.objects.bulk_create(
        [DrawEntry(draw=draw, student_id=sid, created_at=now) for sid in students]
    )


def _close_entries(actor: User, draw: Draw, now: datetime) -> None:
    """Caller holds the draw lock. Move the entry deadline to now, tell every entrant, audit."""
    before = draw.entry_deadline
    draw.entry_deadline = now
    draw.save(update_fields=["entry_deadline"])
    entrants = User.objects.filter(student_profile__draw_entries__draw=draw)
    link = reverse("portal:draw-detail", args=[draw.pk])
    for user in entrants:
        with in_language_of(user):
            message = _(
                "Entries to “%(title)s” were closed early, at %(when)s, by an admin. The draw "
                "follows."
            ) % {"title": draw.title, "when": date_format(timezone.localtime(now), "d M Y, H:i")}
            notify(user, kind=Notification.Kind.DRAW, message=message, link=link)
    record_audit(
        actor=actor,
        action="draw.close_entries",
        target=draw,
        before={"entry_deadline": before.isoformat()},
        after={"entry_deadline": now.isoformat()},
    )


@transaction.atomic
def perform_draw(*, actor: User, draw_id: int, close_entries_early: bool = False) -> PerformResult:
    """Freeze the entrant list, pick winners then alternates, reveal the seed and notify
    everyone picked. A draw is performed once: a second call (another admin, a double click)
    is refused. With fewer entrants than winners, everyone wins and `shortfall` says so.

    Before the entry deadline it is refused, unless `close_entries_early` says the admin
    chose to close entries now (entrants told, audited): drawing early silently would shut out
    late entrants. A reward prize takes one unit of stock per winner now, as a redemption
    would, and is refused when there are not enough.

    Raises DrawError: forbidden, not_found, already_drawn, entries_open, no_entrants,
    out_of_stock."""
    require(can_run_draws(actor), DrawError, _("Only admins can run draws."))
    draw = _lock_draw(draw_id)
    if draw.status != Status.OPEN:
        raise DrawError("already_drawn", _("This draw has already been performed."))
    if timezone.now() < draw.entry_deadline:
        if not close_entries_early:
            when = date_format(timezone.localtime(draw.entry_deadline), "d M Y, H:i")
            raise DrawError(
                "entries_open",
                _(
                    "Entries are open until %(when)s. Wait until then, or close entries early "
                    "(entrants are told)."
                )
                % {"when": when},
            )
        _close_entries(actor, draw, timezone.now())
    if draw.eligibility == Eligibility.ATTENDEES:
        _enter_attendees(draw)
    entry_ids = list(DrawEntry.objects.filter(draw=draw).values_list("pk", flat=True))
    if not entry_ids:
        raise DrawError(
            "no_entrants", _("Nobody has entered this draw yet; there is no one to pick.")
        )
    picks = draw_algorithm.pick_winners(
        draw.seed, draw.pk, entry_ids, draw.winners_count + draw.alternates_count
    )
    if draw.reward_id:
        _take_prize_stock(draw, min(draw.winners_count, len(picks)))
    now = timezone.now()
    draw.status = Status.DRAWN
    draw.performed_by, draw.performed_at = actor, now
    draw.entrant_count = len(entry_ids)
    draw.entrants_digest = entrants_digest(entry_ids)
    draw.save()
    rows = []
    for position, entry_id in enumerate(picks, start=1):
        alternate = position > draw.winners_count
        rows.append(
            DrawWinner(
                draw=draw,
                entry_id=entry_id,
                position=position,
                is_alternate=alternate,
                status=Pick.WAITING if alternate else Pick.OFFERED,
                offered_at=None if alternate else now,
                claim_deadline=None if alternate else draw.claim_deadline,
            )
        )
    DrawWinner.objects.bulk_create(rows)
    picked = list(
        DrawWinner.objects.filter(draw=draw)
        .select_related("entry__student__user")
        .order_by("position")
    )
    link = reverse("portal:draw-detail", args=[draw.pk])
    for pick in picked:
        user = pick.entry.student.user
        with in_language_of(user):
            _tell_picked(draw, pick, user, link)
    webhooks.announce_draw(draw, picked)
    record_audit(
        actor=actor,
        action="draw.perform",
        target=draw,
        after={"entrants": len(entry_ids), "picks": picks, "seed": draw.seed},
    )
    winners = [p for p in picked if not p.is_alternate]
    return PerformResult(
        draw=draw,
        winners=winners,
        alternates=[p for p in picked if p.is_alternate],
        shortfall=len(entry_ids) < draw.winners_count,
    )


def _tell_picked(draw: Draw, pick: DrawWinner, user: User, link: str) -> None:
    if pick.is_alternate:
        message = _(
            "You are alternate no. %(number)s in “%(title)s”: "
            "if a winner does not claim the prize, it passes to you."
        ) % {"number": pick.position - draw.winners_count, "title": draw.title}
    else:
        deadline = date_format(timezone.localtime(draw.claim_deadline), "d M Y, H:i")
        message = _("You won “%(prize)s” in “%(title)s”! Claim it by %(deadline)s.") % {
            "prize": draw.prize,
            "title": draw.title,
            "deadline": deadline,
        }
    notify(user, kind=Notification.Kind.DRAW, message=message, link=link)


def _tell_passed_on(draw: Draw, alternate: DrawWinner, deadline: str) -> None:
    user = alternate.entry.student.user
    with in_language_of(user):
        notify(
            user,
            kind=Notification.Kind.DRAW,
            message=_(
                "A prize in “%(title)s” passed to you: “%(prize)s”. Claim it by %(deadline)s."
            )
            % {"title": draw.title, "prize": draw.prize, "deadline": deadline},
            link=reverse("portal:draw-detail", args=[draw.pk]),
        )


def _take_prize_stock(draw: Draw, units: int) -> None:
    """A reward promised to `units` winners leaves the catalogue's stock now, under the reward's
    lock, so a redemption can never take the unit a winner was promised."""
    reward = Reward.objects.select_for_update().get(pk=draw.reward_id)
    if reward.stock is None:
        return
    if reward.stock < units:
        raise DrawError(
            "out_of_stock",
            ngettext(
                "%(reward)s has %(left)s left in stock for %(n)s winner: add stock first.",
                "%(reward)s has %(left)s left in stock for %(n)s winners: add stock first.",
                units,
            )
            % {"reward": reward.name, "left": reward.stock, "n": units},
        )
    reward.stock -= units
    reward.save(update_fields=["stock"])


def _return_prize_stock(draw: Draw) -> None:
    """An offered unit that no alternate is left to take goes back to the catalogue."""
    reward = Reward.objects.select_for_update().get(pk=draw.reward_id)
    if reward.stock is not None:
        reward.stock += 1
        reward.save(update_fields=["stock"])


# --- claiming -----------------------------------------------------------------------------------


@transaction.atomic
def claim_prize(*, actor: User, winner_id: int) -> DrawWinner:
    """A winner claims their prize before its deadline: a points prize is credited as a ledger
    entry; a reward prize becomes a free redemption in the fulfilment queue. Once only.

    Locks the profile, then the draw, then the pick. Raises DrawError: not_found (also for
    someone else's pick), not_offered, already_claimed, deadline_passed."""
    found = (
        DrawWinner.objects.filter(pk=winner_id, entry__student__user=actor)
        .values("entry__student_id", "draw_id")
        .first()
    )
    if found is None or not can_enter_draws(actor):
        raise DrawError("not_found", _("This prize does not exist."))
    profile = lock_profile(found["entry__student_id"])
    draw = _lock_draw(found["draw_id"])
    pick = DrawWinner.objects.select_for_update().get(pk=winner_id)
    if pick.status == Pick.CLAIMED:
        raise DrawError("already_claimed", _("You have already claimed this prize."))
    if pick.status != Pick.OFFERED:
        raise DrawError("not_offered", _("This prize is not yours to claim."))
    now = timezone.now()
    if pick.claim_deadline is not None and now > pick.claim_deadline:
        raise DrawError("deadline_passed", _("The deadline to claim this prize has passed."))
    pick.status, pick.claimed_at = Pick.CLAIMED, now
    pick.save(update_fields=["status", "claimed_at"])
    if draw.prize_points:
        post_entry(
            profile,
            amount=draw.prize_points,
            kind=Transaction.Kind.PRIZE,
            actor=None,
            category=None,
            reason=f"Prize: {draw.title}",
            idempotency_key=f"prize:{pick.pk}",
            counts_for_lifetime=True,
            draw_winner=pick,
        )
    elif draw.reward_id:
        Redemption.objects.create(
            student=profile,
            reward_id=draw.reward_id,
            cost=0,
            prize=pick,
            idempotency_key=f"prize:{pick.pk}",
        )
    if not draw.prize_points:
        milestones.prize_claimed(profile, now)
    return pick


@transaction.atomic
def pass_to_alternate(*, actor: User, winner_id: int) -> DrawWinner | None:
    """After its deadline, mark an unclaimed prize forfeited and offer it to the next waiting
    alternate, who is notified and gets a fresh claim window. Returns that alternate, or None
    when there is none left. Raises DrawError: forbidden, not_found, not_offered, still_open.
    The background worker does the same for every prize past its deadline
    (`expire_unclaimed_prizes`), so an admin rarely needs to."""
    require(can_run_draws(actor), DrawError, _("Only admins can run draws."))
    return _pass_on(winner_id, actor=actor)


def _pass_on(winner_id: int, *, actor: User | None) -> DrawWinner | None:
    """`pass_to_alternate`'s work, for an admin or (actor None) the scheduled job."""
    draw_id = DrawWinner.objects.filter(pk=winner_id).values_list("draw_id", flat=True).first()
    if draw_id is None:
        raise DrawError("not_found", _("This pick does not exist."))
    draw = _lock_draw(draw_id)
    pick = DrawWinner.objects.select_for_update().get(pk=winner_id)
    if pick.status != Pick.OFFERED:
        raise DrawError(
            "not_offered",
            _("This prize is %(status)s.") % {"status": pick.get_status_display().lower()},
        )
    now = timezone.now()
    if pick.claim_deadline is not None and now <= pick.claim_deadline:
        when = date_format(timezone.localtime(pick.claim_deadline), "d M Y, H:i")
        raise DrawError(
            "still_open", _("The winner can still claim it until %(when)s.") % {"when": when}
        )
    alternate = (
        DrawWinner.objects.select_for_update()
        .filter(draw=draw, status=Pick.WAITING)
        .order_by("position")
        .first()
    )
    pick.status, pick.forfeited_at, pick.replaced_by = Pick.FORFEITED, now, alternate
    pick.save(update_fields=["status", "forfeited_at", "replaced_by"])
    if alternate is None and draw.reward_id:
        _return_prize_stock(draw)
    if alternate is not None:
        window = max(draw.claim_deadline - (draw.performed_at or now), MIN_ALTERNATE_WINDOW)
        alternate.status, alternate.offered_at = Pick.OFFERED, now
        alternate.claim_deadline = now + window
        alternate.save(update_fields=["status", "offered_at", "claim_deadline"])
        deadline = date_format(timezone.localtime(alternate.claim_deadline), "d M Y, H:i")
        _tell_passed_on(draw, alternate, deadline)
    record_audit(
        actor=actor,
        action="draw.pass_to_alternate",
        target=draw,
        before={"pick": pick.position},
        after={"alternate": alternate.position if alternate else None},
    )
    return alternate


def expire_unclaimed_prizes(*, now: datetime | None = None) -> int:
    """Pass on every prize whose claim deadline has passed (the scheduled job; audited with no
    actor). Each in its own transaction, in deadline order; a pick claimed or passed on
    meanwhile is skipped. Returns how many were passed on or forfeited."""
    now = now or timezone.now()
    due = list(
        DrawWinner.objects.filter(status=Pick.OFFERED, claim_deadline__lt=now)
        .order_by("claim_deadline", "id")
        .values_list("pk", flat=True)[:500]
    )
    done = 0
    for pk in due:
        try:
            with transaction.atomic():
                _pass_on(pk, actor=None)
        except DrawError:
            continue
        done += 1
    return done


# --- verifying ----------------------------------------------------------------------------------


@dataclass
class PickStep:
    pick: int  # 0-based, as in the HMAC message
    remaining: int
    message: str
    index: int
    entry_id: int


@dataclass
class Verification:
    draw: Draw
    entry_ids: list[int] = field(default_factory=list)
    steps: list[PickStep] = field(default_factory=list)
    recomputed: list[int] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def explain_picks(seed_hex: str, draw_id: int, entry_ids: list[int], count: int) -> list[PickStep]:
    """`draw_algorithm.pick_winners`, one step at a time, for the verification page."""
    remaining = sorted(entry_ids)
    steps = []
    for pick in range(min(count, len(remaining))):
        n = len(remaining)
        index = draw_algorithm.pick_index(seed_hex, draw_id, pick, n)
        steps.append(PickStep(pick, n, f"{draw_id}:{pick}", index, remaining.pop(index)))
    return steps


def verify_draw(draw: Draw) -> Verification:
    """Recompute a performed draw from what is stored and list every disagreement: a seed that
    does not match its commitment, an entrant list changed after the draw, or other winners."""
    result = Verification(draw=draw)
    if draw.status != Status.DRAWN:
        result.problems.append(_("The draw has not been performed yet."))
        return result
    # Each entry's id, and whether it came after the draw, judged in the query: loading
    # 2,000 entry times to compare them here was a third of the page (issue 17).
    after_draw = (
        ExpressionWrapper(Q(created_at__gt=draw.performed_at), output_field=BooleanField())
        if draw.performed_at
        else Value(False)
    )
    entries = list(DrawEntry.objects.filter(draw=draw).order_by("pk").values_list("pk", after_draw))
    result.entry_ids = [pk for pk, _late in entries]
    result.recorded = list(
        DrawWinner.objects.filter(draw=draw).order_by("position").values_list("entry_id", flat=True)
    )
    if draw_algorithm.commitment(draw.seed) != draw.commitment:
        result.problems.append(_("The revealed seed does not match the published commitment."))
    late = [pk for pk, is_late in entries if is_late]
    if late:
        result.problems.append(
            _("Entries added after the draw: %(ids)s.") % {"ids": ", ".join(map(str, late))}
        )
    if len(result.entry_ids) != draw.entrant_count:
        result.problems.append(
            ngettext(
                "The draw froze %(frozen)s entrant; there are now %(now)s.",
                "The draw froze %(frozen)s entrants; there are now %(now)s.",
                draw.entrant_count or 0,
            )
            % {"frozen": draw.entrant_count, "now": len(result.entry_ids)}
        )
    if entrants_digest(result.entry_ids) != draw.entrants_digest:
        result.problems.append(_("The entrant list differs from the one frozen at the draw."))
    count = draw.winners_count + draw.alternates_count
    result.steps = explain_picks(draw.seed, draw.pk, result.entry_ids, count)
    result.recomputed = draw_algorithm.pick_winners(draw.seed, draw.pk, result.entry_ids, count)
    if result.recomputed != result.recorded:
        result.problems.append(_("Recomputed winners differ from the recorded ones."))
    return result


def _wrapped_ids(ids: list[int], width: int = 96, indent: str = "    ") -> str:
    """ "1, 2, 3," over indented lines of at most `width` characters: what textwrap.fill
    writes for that text, without its general machinery (2 ms for a 2,000-entrant draw)."""
    lines, line = [], ""
    for word in (f"{i}," for i in ids):
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, indent + line])


def verification_snippet(draw: Draw, entry_ids: list[int]) -> str:
    """A self-contained Python program: the algorithm's own code, then the draw's published
    inputs, printing the picks. Pasted into a plain `python3`, it prints the recorded result."""
    with open(draw_algorithm.__file__, encoding="utf-8") as source:
        code = source.read()
    ids = _wrapped_ids(sorted(entry_ids))
    title = " ".join(draw.title.split())
    count = draw.winners_count + draw.alternates_count
    return (
        f"{code}\n\n"
        f"# The published inputs of draw {draw.pk}, {title}\n"
        f"DRAW_ID = {draw.pk}\n"
        f'COMMITMENT = "{draw.commitment}"\n'
        f'SEED = "{draw.revealed_seed}"\n'
        f"ENTRANTS = [  # entry ids, frozen when the draw was performed\n{ids}\n]\n"
        f"PICKS = {count}  # {draw.winners_count} winner(s), then {draw.alternates_count} "
        "alternate(s)\n\n"
        'assert commitment(SEED) == COMMITMENT, "the seed does not match the commitment"\n'
        "print(pick_winners(SEED, DRAW_ID, ENTRANTS, PICKS))\n"
    )
