"""Clubs: admins create them and appoint officers; students join and leave. Every change by an
admin is audited; joining and leaving are the student's own business and are not.

Membership rows are the only state: one per (club, user), the unique constraint as the last
line, so a double-clicked Join makes one row. An officer is a membership with the position
"officer"; dismissing a student officer leaves them a member, dismissing a faculty officer
removes them (faculty are not members)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.exceptions import PortalError
from portal.models import Club, ClubMembership, Role, User
from portal.permissions import can_join_clubs, can_manage_clubs, can_mentor, require

from .audit import record_audit, save_audited

Position = ClubMembership.Position
CLUB_FIELDS = ("name", "slug", "description")


class ClubError(PortalError):
    pass


@transaction.atomic
def save_club(*, actor: User, club: Club) -> Club:
    """Create or update a club built by the admin form (already validated). Audited."""
    require(can_manage_clubs(actor), ClubError, _("Only admins create and edit clubs."))
    return save_audited(actor=actor, instance=club, fields=CLUB_FIELDS, name="club")


@transaction.atomic
def join_club(*, actor: User, club_id: int) -> ClubMembership:
    """The acting student joins the club; joining twice keeps one membership (returned).
    Raises ClubError: forbidden, not_found."""
    require(can_join_clubs(actor), ClubError, _("Only students join clubs."))
    club = Club.objects.filter(pk=club_id).first()
    if club is None:
        raise ClubError("not_found", _("This club does not exist."))
    existing = ClubMembership.objects.filter(club=club, user=actor).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a concurrent double submit meets the unique constraint
            return ClubMembership.objects.create(club=club, user=actor, position=Position.MEMBER)
    except IntegrityError:
        return ClubMembership.objects.get(club=club, user=actor)


@transaction.atomic
def leave_club(*, actor: User, club_id: int) -> bool:
    """The acting user leaves the club; True when they were a member. An officer is dismissed
    by an admin first, so a club is never left without its officers by accident.
    Raises ClubError: officer_cannot_leave."""
    membership = ClubMembership.objects.select_for_update().filter(club_id=club_id, user=actor)
    membership = membership.first()
    if membership is None:
        return False
    if membership.position != Position.MEMBER:
        raise ClubError(
            "officer_cannot_leave",
            _("You are an officer of this club: ask an admin to hand your role over first."),
        )
    membership.delete()
    return True


def _officer_candidate(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or user.role not in (Role.STUDENT, Role.FACULTY):
        raise ClubError(
            "unknown_user",
            _("No active student or faculty member has this email address."),
            field="email",
        )
    return user


@transaction.atomic
def appoint_officer(*, actor: User, club_id: int, email: str) -> ClubMembership:
    """Make the student or faculty member with this email address an officer of the club (a
    student who is a member keeps their membership, now as an officer). Audited.
    Raises ClubError: forbidden, not_found, unknown_user, already_officer."""
    require(can_manage_clubs(actor), ClubError, _("Only admins appoint club officers."))
    club = Club.objects.select_for_update().filter(pk=club_id).first()
    if club is None:
        raise ClubError("not_found", _("This club does not exist."))
    user = _officer_candidate(email)
    membership, created = ClubMembership.objects.select_for_update().get_or_create(
        club=club, user=user, defaults={"position": Position.OFFICER}
    )
    if not created:
        if membership.position == Position.OFFICER:
            raise ClubError(
                "already_officer",
                _("%(name)s is already an officer of this club.") % {"name": user.name},
                field="email",
            )
        if membership.position == Position.ADVISER:
            raise ClubError(
                "already_in_club",
                _("%(name)s is a faculty adviser of this club; dismiss them as adviser first.")
                % {"name": user.name},
                field="email",
            )
        membership.position = Position.OFFICER
        membership.save(update_fields=["position"])
    record_audit(actor=actor, action="club.appoint", target=club, after={"officer": user.email})
    return membership


@transaction.atomic
def dismiss_officer(*, actor: User, club_id: int, user_id: int) -> None:
    """End an officer's role in the club: a student stays a member, a faculty member leaves.
    Audited. Raises ClubError: forbidden, not_an_officer."""
    require(can_manage_clubs(actor), ClubError, _("Only admins dismiss club officers."))
    membership = (
        ClubMembership.objects.select_for_update(of=("self",))
        .select_related("club", "user")
        .filter(club_id=club_id, user_id=user_id, position=Position.OFFICER)
        .first()
    )
    if membership is None:
        raise ClubError("not_an_officer", _("This person is not an officer of this club."))
    if membership.user.role == Role.STUDENT:
        membership.position = Position.MEMBER
        membership.save(update_fields=["position"])
    else:
        membership.delete()
    record_audit(
        actor=actor,
        action="club.dismiss",
        target=membership.club,
        before={"officer": membership.user.email},
    )


@transaction.atomic
def appoint_adviser(*, actor: User, club_id: int, email: str) -> ClubMembership:
    """Make the active faculty member with this email address a faculty adviser of the club:
    they review its members' claims first after their own mentees. Audited.
    Raises ClubError: forbidden, not_found, not_faculty, already_in_club."""
    require(can_manage_clubs(actor), ClubError, _("Only admins appoint club advisers."))
    club = Club.objects.select_for_update().filter(pk=club_id).first()
    if club is None:
        raise ClubError("not_found", _("This club does not exist."))
    user = User.objects.filter(email__iexact=email.strip()).first()
    if not can_mentor(user):
        raise ClubError(
            "not_faculty", _("No active faculty member has this email address."), field="email"
        )
    existing = ClubMembership.objects.filter(club=club, user=user).first()
    if existing is not None:
        raise ClubError(
            "already_in_club",
            _("%(name)s is already %(position)s of this club.")
            % {"name": user.name, "position": existing.get_position_display().lower()},
            field="email",
        )
    membership = ClubMembership.objects.create(club=club, user=user, position=Position.ADVISER)
    record_audit(actor=actor, action="club.adviser", target=club, after={"adviser": user.email})
    return membership


@transaction.atomic
def dismiss_adviser(*, actor: User, club_id: int, user_id: int) -> None:
    """End a faculty adviser's role in the club. Audited. Raises ClubError: forbidden,
    not_an_adviser."""
    require(can_manage_clubs(actor), ClubError, _("Only admins dismiss club advisers."))
    membership = (
        ClubMembership.objects.select_for_update(of=("self",))
        .select_related("club", "user")
        .filter(club_id=club_id, user_id=user_id, position=Position.ADVISER)
        .first()
    )
    if membership is None:
        raise ClubError("not_an_adviser", _("This person is not an adviser of this club."))
    membership.delete()
    record_audit(
        actor=actor,
        action="club.adviser_dismiss",
        target=membership.club,
        before={"adviser": membership.user.email},
    )
