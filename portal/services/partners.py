"""Partner companies and partner accounts (docs/PARTNERS.md). An admin creates a company and
invites people from it by email: the account (role partner, no usable password, the address
verified because an admin vouched for it) and its professional reviewer row are made in one
transaction, and the invitation (allauth's set-password link) leaves after the commit. Ending
a partnership suspends the account (services.account_admin) and stops its review requests."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from portal.exceptions import PartnerError
from portal.models import Company, Reviewer, Role, Specialty, Suspension, User
from portal.permissions import can_manage_partners, require, sign_in_needs_sso

from .account_admin import suspend_account
from .audit import record_audit
from .career import release_proposals
from .imports import invitation_link
from .notifications import in_language_of

log = logging.getLogger(__name__)

NAME_MAX = 120
HEADLINE_MAX = 160


def _forbid_unless_manager(actor: User) -> None:
    require(can_manage_partners(actor), PartnerError, _("Only admins can manage partners."))


@transaction.atomic
def create_company(*, actor: User, name: str, website: str = "", description: str = "") -> Company:
    """A partner company. Audited (`company.create`).
    Raises PartnerError: forbidden, name_required, name_too_long, name_taken, bad_website,
    description_too_long."""
    _forbid_unless_manager(actor)
    name = " ".join(name.split())
    website = website.strip()
    description = description.strip()
    if not name:
        raise PartnerError("name_required", _("Enter the company's name."), field="name")
    if len(name) > NAME_MAX:
        raise PartnerError(
            "name_too_long",
            _("At most %(n)s characters.") % {"n": NAME_MAX},
            field="name",
        )
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise PartnerError(
                "bad_website", _("Enter a web address starting with https://."), field="website"
            ) from None
    if len(description) > 2000:
        raise PartnerError(
            "description_too_long",
            _("At most %(n)s characters.") % {"n": 2000},
            field="description",
        )
    if Company.objects.filter(name__iexact=name).exists():
        raise PartnerError(
            "name_taken", _("A company with this name already exists."), field="name"
        )
    company = Company.objects.create(name=name, website=website, description=description)
    record_audit(actor=actor, action="company.create", target=company, after={"name": name})
    return company


def _invitation(user: User, company: Company) -> EmailMessage:
    with in_language_of(user):
        body = _(
            "Hello %(name)s,\n\n"
            "You are invited to review students' resumes on UPAS, the university's points "
            "portal, for %(company)s. Your account is %(email)s.\n\n"
            "Choose a password to sign in:\n\n%(link)s\n\n"
            "The link works once. After signing in you can turn on two-factor authentication "
            "in Settings, publish the times you can give and see your sessions.\n"
        ) % {
            "name": user.name,
            "company": company.name,
            "email": user.email,
            "link": invitation_link(user),
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("Your invitation to review on UPAS")
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _send_after_commit(message: EmailMessage, user_id: int) -> None:
    def send() -> None:
        try:
            message.send()
        except Exception as exc:  # the mail server's trouble must not undo the invitation
            log.warning("partner invitation email to user %s failed: %s", user_id, exc)

    transaction.on_commit(send)


@transaction.atomic
def invite_partner(
    *,
    actor: User,
    email: str,
    name: str,
    company_id: int,
    headline: str = "",
    specialty_ids: Iterable[int] = (),
) -> User:
    """Create a partner account for someone at a partner company and email them the link to
    choose a password (after the commit).

    One transaction: the user (role partner, no usable password, its address verified), its
    professional reviewer row with the company and specialties, and the audit row
    (`partner.invite`); a refusal writes nothing. Raises PartnerError: forbidden, bad_email,
    already_invited (that address is a partner already: resend the link instead), email_taken
    (a student's or staff address), campus_address (the campus sign-in's domain),
    name_required, name_too_long, headline_too_long, unknown_company, unknown_specialty."""
    _forbid_unless_manager(actor)
    email = email.strip().lower()
    name = " ".join(name.split())
    headline = headline.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise PartnerError("bad_email", _("Enter a valid email address."), field="email") from None
    if sign_in_needs_sso(email):
        # Those addresses sign in only through the campus provider, which would never let an
        # outsider's account in with the password the invitation sets.
        raise PartnerError(
            "campus_address",
            _("Addresses at this domain use campus sign-in; invite the partner's own address."),
            field="email",
        )
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and existing.role == Role.PARTNER:
        raise PartnerError(
            "already_invited",
            _(
                "%(email)s is already a partner account: use “Send the link again” in the "
                "list below."
            )
            % {"email": email},
            field="email",
        )
    if existing is not None:
        raise PartnerError(
            "email_taken",
            _("This address belongs to a student or staff account; partners need their own."),
            field="email",
        )
    if not name:
        raise PartnerError("name_required", _("Enter the person's name."), field="name")
    if len(name) > 150:
        raise PartnerError(
            "name_too_long", _("At most %(n)s characters.") % {"n": 150}, field="name"
        )
    if len(headline) > HEADLINE_MAX:
        raise PartnerError(
            "headline_too_long",
            _("At most %(n)s characters.") % {"n": HEADLINE_MAX},
            field="headline",
        )
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise PartnerError("unknown_company", _("Choose a company from the list."), field="company")
    wanted = set(specialty_ids)
    specialties = list(Specialty.objects.filter(pk__in=wanted))
    if len(specialties) != len(wanted):
        raise PartnerError(
            "unknown_specialty", _("Choose fields from the list."), field="specialties"
        )
    user = User.objects.create_user(email=email, name=name, role=Role.PARTNER)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    reviewer = Reviewer.objects.create(
        user=user, kind=Reviewer.Kind.PROFESSIONAL, company=company, headline=headline
    )
    reviewer.specialties.set(specialties)
    record_audit(
        actor=actor,
        action="partner.invite",
        target=user,
        after={
            "email": email,
            "company": company.pk,
            "specialties": sorted(s.pk for s in specialties),
        },
    )
    _send_after_commit(_invitation(user, company), user.pk)
    return user


@transaction.atomic
def resend_partner_invitation(*, actor: User, user_id: int) -> User:
    """Email a partner a fresh set-password link (the old one keeps working until used or
    expired). Audited (`partner.reinvite`). Raises PartnerError: forbidden, not_found,
    suspended."""
    _forbid_unless_manager(actor)
    user = (
        User.objects.select_related("reviewer__company")
        .filter(pk=user_id, role=Role.PARTNER)
        .first()
    )
    if user is None or not hasattr(user, "reviewer") or user.reviewer.company is None:
        raise PartnerError("not_found", _("No such partner."))
    if not user.is_active:
        raise PartnerError(
            "suspended", _("This account is deactivated: reactivate it before sending a link.")
        )
    record_audit(actor=actor, action="partner.reinvite", target=user)
    _send_after_commit(_invitation(user, user.reviewer.company), user.pk)
    return user


@transaction.atomic
def deactivate_partner(*, actor: User, user_id: int, reason: str) -> Suspension:
    """End a partnership for one person: the account is suspended (services.account_admin,
    audited there, reversible with "Reactivate" on their people page) and their reviewer row
    stops taking requests. Raises PartnerError: forbidden, not_found; AccountError from the
    suspension (reason_required, already_suspended...)."""
    _forbid_unless_manager(actor)
    reviewer = (
        Reviewer.objects.select_for_update()
        .filter(user_id=user_id, user__role=Role.PARTNER)
        .first()
    )
    if reviewer is None:
        raise PartnerError("not_found", _("No such partner."))
    suspension = suspend_account(actor=actor, user_id=user_id, reason=reason)
    if reviewer.is_active:
        reviewer.is_active = False
        reviewer.save(update_fields=["is_active"])
        record_audit(
            actor=actor,
            action="reviewer.deactivate",
            target=reviewer,
            before={"is_active": True},
            after={"is_active": False},
        )
        # Their proposals go back to matching (as when an admin stops a reviewer).
        release_proposals(reviewer)
    return suspension
