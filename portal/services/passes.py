"""Door passes: the student's rotating pass code (portal.domain.passes) and its secret.

The secret lives on the student's profile, made with the profile; the student replaces it from
their pass page, which voids every code shown so far. Organisers scan a pass at the door
(`portal.services.events.check_in` with `pass_code`); this module tells whose pass it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.domain import passes
from portal.exceptions import PortalError
from portal.models import Role, StudentProfile, User
from portal.models.accounts import new_pass_secret
from portal.permissions import has_door_pass, require


class PassError(PortalError):
    pass


@dataclass(frozen=True)
class StudentPass:
    code: str  # what the student may read out or the organiser type
    payload: str  # what the QR code carries
    seconds_left: int  # until the next code


def current_pass(profile: StudentProfile, now: datetime | None = None) -> StudentPass:
    """The pass the student shows now (no query: the profile holds the secret)."""
    timestamp = (now or timezone.now()).timestamp()
    code = passes.pass_code(profile.pass_secret, profile.user_id, timestamp)
    return StudentPass(
        code=str(code),
        payload=passes.qr_payload(code),
        seconds_left=passes.seconds_to_next_step(timestamp),
    )


def pass_holder(text: str, now: datetime | None = None) -> StudentProfile:
    """The active student whose pass shows `text` now (a QR payload or a typed code), with the
    user. Raises PassError: not_a_pass (not a pass code, or nobody's), pass_expired (an old
    code, a screenshot, or a pass the student has reset since)."""
    code = passes.parse(text)
    if code is None:
        raise PassError(
            "not_a_pass",
            _("This is not a student pass. Scan the QR code on the student's pass page."),
            field="code",
        )
    profile = (
        StudentProfile.objects.select_related("user")
        .filter(user_id=code.user_id, user__role=Role.STUDENT, user__is_active=True)
        .first()
    )
    if profile is None:
        raise PassError(
            "not_a_pass", _("No active student has this pass. Check the code."), field="code"
        )
    if not passes.is_valid(profile.pass_secret, code, (now or timezone.now()).timestamp()):
        raise PassError(
            "pass_expired",
            _(
                "This pass has expired (a screenshot, or an old code). Ask the student to "
                "open their pass page again."
            ),
            field="code",
        )
    return profile


def recognised_holder(text: str, now: datetime | None = None) -> StudentProfile | None:
    """Whose valid pass `text` is, or None: names the student beside a refusal."""
    try:
        return pass_holder(text, now)
    except PassError:
        return None


@transaction.atomic
def reset_pass(*, actor: User) -> StudentProfile:
    """A new pass secret for the acting student: every pass code shown so far stops working at
    once. Locks the profile. Raises PassError: forbidden (not a student)."""
    require(has_door_pass(actor), PassError, _("Only students have a door pass."))
    profile = (
        StudentProfile.objects.select_for_update(of=("self",), no_key=True)
        .filter(user=actor)
        .first()
    )
    require(profile is not None, PassError, _("Only students have a door pass."))
    profile.pass_secret = new_pass_secret()
    profile.save(update_fields=["pass_secret"])
    return profile
