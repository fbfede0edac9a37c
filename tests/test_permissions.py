"""The URL x role matrix: every named portal URL, every role, the status each must get.

Anonymous visitors are sent to the login page; signed-in users of the wrong role get 403; an
object the user may not touch answers 404 so nobody learns it exists; a view that only takes POST
answers GET with 405 (and the other way round). Adding a URL without adding its rows here fails
`test_every_portal_url_is_in_the_matrix`.

A method written "HX POST" or "HX GET" is sent as an htmx request: some views answer a plain
request with a redirect and an htmx one with a fragment."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import urls as portal_urls
from portal.models import (
    ActivityClaim,
    Certificate,
    ErasureRequest,
    Event,
    Notification,
    Redemption,
    Reviewer,
    Role,
    Specialty,
    WebhookDelivery,
)
from portal.services import accounts as account_services
from portal.services import api_tokens as api_token_services
from portal.services import attendance as attendance_services
from portal.services import career as career_services
from portal.services import certificates as certificate_services
from portal.services import clubs as club_services
from portal.services import draws as draw_services
from portal.services import events as event_services
from portal.services import mentors as mentor_services
from portal.services import registrations as registration_services
from portal.services import webhooks as webhook_services
from tests import cast
from tests.claims.helpers import evidence, hand_in, make_claim
from tests.conftest import ledger_total
from tests.factories import DrawFactory, EventFactory, RewardFactory, TaskFactory
from tests.halls.helpers import ask, make_hall
from tests.helpers import let_entries_close, redeem
from tests.html import HX

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

ANONYMOUS = "anonymous"
STUDENT = "student"
OTHER_STUDENT = "other_student"
FACULTY = "faculty"
OTHER_FACULTY = "other_faculty"
ADMIN = "admin"
# A student who is an officer of "club" (rows name them where their answer differs from a
# student's: the club's events and their organiser pages).
OFFICER = "officer"
# An admin limited to another department than `student`'s (rows name them where their answer
# differs from an admin's: the people pages of students they do not administer, and the
# account-management pages only unlimited admins use).
DEPT_ADMIN = "department_admin"
# An outside reviewer from a partner company (role partner, with a reviewer row). Partners are
# fenced out of every members' page (PartnerFenceMiddleware: 403 before the view runs, so even
# a wrong method is 403); the helpers below say so, and `any_account` marks the few pages
# they share with everyone signed in (dashboard, settings, notifications).
PARTNER = "partner"
ROLES = (ANONYMOUS, STUDENT, OTHER_STUDENT, FACULTY, ADMIN, PARTNER)


def everyone(status: int) -> dict[str, int]:
    """Public pages: partners get what anyone gets."""
    return dict.fromkeys(ROLES, status)


def any_account(status: int) -> dict[str, int]:
    """Pages for every signed-in account, partners included."""
    return {**everyone(status), ANONYMOUS: 302}


def signed_in(status: int) -> dict[str, int]:
    """Members' pages (students, faculty, admins): partners are fenced out."""
    return {**any_account(status), PARTNER: 403}


def students_only(status: int) -> dict[str, int]:
    return {
        ANONYMOUS: 302,
        STUDENT: status,
        OTHER_STUDENT: status,
        FACULTY: 403,
        ADMIN: 403,
        PARTNER: 403,
    }


def staff_only(status: int) -> dict[str, int]:
    return {
        ANONYMOUS: 302,
        STUDENT: 403,
        OTHER_STUDENT: 403,
        FACULTY: status,
        ADMIN: status,
        PARTNER: 403,
    }


def reviewers_only(status: int, *, theirs: bool = False) -> dict[str, int]:
    """Resume reviewer pages: `faculty` and `partner` have active Reviewer rows, nobody else
    has one. `theirs`: the page is about the faculty reviewer's own request or slot, which the
    partner, another reviewer, may not see (404)."""
    partner = 404 if theirs and status != 405 else status
    return {
        ANONYMOUS: 302,
        STUDENT: 403,
        OTHER_STUDENT: 403,
        FACULTY: status,
        ADMIN: 403,
        PARTNER: partner,
    }


def admins_only(status: int) -> dict[str, int]:
    return {
        ANONYMOUS: 302,
        STUDENT: 403,
        OTHER_STUDENT: 403,
        FACULTY: 403,
        ADMIN: status,
        PARTNER: 403,
    }


# A student's certificate or transcript: theirs to download, nobody else's (404, never 403).
holder_or_admin = {
    ANONYMOUS: 302,
    STUDENT: 200,
    OTHER_STUDENT: 404,
    FACULTY: 403,
    ADMIN: 403,
    PARTNER: 403,
}

# (url name, kwargs, method, {role: expected status}). Kwargs name objects built by the
# `objects` fixture: "award" is an award by `faculty` to `student`; "student_user" is that
# student's user, so `other_student` always acts on the first student's objects; "reward" is an
# open reward, "withdrawn" one taken out of the catalogue, and "redemption" is `student`'s
# pending redemption of "reward".
TABLE: list[tuple[str, dict[str, str], str, dict[str, int]]] = [
    # API tokens: admins' integration tokens (an invalid form is shown again), anyone's own
    # personal read token (a new secret is answered on a page of its own without htmx)
    ("api-tokens", {}, "GET", admins_only(200)),
    ("api-tokens", {}, "POST", admins_only(200)),
    ("api-token-revoke", {"pk": "api_token"}, "POST", admins_only(302)),
    (
        "api-token-revoke",
        {"pk": "api_token"},
        "GET",
        {**everyone(405), PARTNER: 403},
    ),  # the fence answers before the method check
    ("personal-token-create", {}, "POST", signed_in(200)),
    ("personal-token-create", {}, "GET", signed_in(405)),
    ("personal-token-revoke", {}, "POST", signed_in(302)),
    ("personal-token-revoke", {}, "GET", signed_in(405)),
    ("audit-log", {}, "GET", admins_only(200)),
    # year-end: a POST without the typed confirmation shows the form again and closes nothing
    ("year-end", {}, "GET", admins_only(200)),
    ("year-end", {}, "POST", admins_only(200)),
    ("audit-log", {}, "POST", admins_only(405)),
    # reports: no dates means the current term
    ("reports", {}, "GET", admins_only(200)),
    ("report-reviewers", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("report-reviewers", {}, "POST", admins_only(405)),
    ("report-reviewers-csv", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("report-reviewers-csv", {}, "POST", admins_only(405)),
    # partners: companies and partner accounts, for admins without a department limit. An
    # empty form is shown again with its errors; "partner_user" is `partner`'s account, and
    # `student`'s account is no partner (404).
    ("partners", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("partners", {}, "POST", admins_only(405)),
    ("partner-company-create", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("partner-company-create", {}, "GET", admins_only(405)),
    ("partner-invite", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("partner-invite", {}, "GET", admins_only(405)),
    ("partner-reinvite", {"pk": "partner_user"}, "POST", {**admins_only(302), DEPT_ADMIN: 403}),
    ("partner-reinvite", {"pk": "student_user"}, "POST", admins_only(404)),
    ("partner-reinvite", {"pk": "partner_user"}, "GET", admins_only(405)),
    ("partner-deactivate", {"pk": "partner_user"}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("partner-deactivate", {"pk": "student_user"}, "POST", admins_only(404)),
    ("partner-deactivate", {"pk": "partner_user"}, "GET", admins_only(405)),
    ("reports", {}, "POST", admins_only(405)),
    ("report-departments-csv", {}, "GET", admins_only(200)),
    ("report-departments-csv", {}, "POST", admins_only(405)),
    ("report-categories-csv", {}, "GET", admins_only(200)),
    ("report-categories-csv", {}, "POST", admins_only(405)),
    ("report-events-csv", {}, "GET", admins_only(200)),
    ("report-events-csv", {}, "POST", admins_only(405)),
    # notifications: "notification" is `student`'s; opening it marks it read and follows its link
    ("notifications", {}, "GET", any_account(200)),
    ("notifications", {}, "POST", any_account(405)),
    ("notification-bell", {}, "GET", any_account(200)),
    ("notification-bell", {}, "POST", any_account(405)),
    ("notifications-read-all", {}, "POST", any_account(302)),
    ("notifications-read-all", {}, "GET", any_account(405)),
    # Opening marks it read, so only by POST (a GET would let a prefetch read it for you).
    (
        "notification-open",
        {"pk": "notification"},
        "POST",
        {**any_account(404), STUDENT: 302},
    ),
    ("notification-open", {"pk": "notification"}, "GET", any_account(405)),
    ("dashboard", {}, "GET", any_account(200)),
    ("points-chart", {}, "HX GET", students_only(200)),
    ("points-chart", {}, "GET", students_only(302)),
    ("trend-figures", {}, "HX GET", staff_only(200)),
    ("trend-figures", {}, "POST", staff_only(405)),
    ("staff-charts", {}, "HX GET", staff_only(200)),
    ("staff-charts", {}, "GET", staff_only(302)),
    ("healthz", {}, "GET", everyone(200)),
    ("healthz", {}, "POST", everyone(405)),
    ("settings", {}, "GET", any_account(200)),
    # One's own data: the page with the button, and the zip it posts for.
    ("data-export", {}, "GET", any_account(200)),
    ("data-export", {}, "POST", any_account(200)),
    ("calendar-reset", {}, "POST", signed_in(302)),
    ("calendar-reset", {}, "GET", signed_in(405)),
    # Discord: the link code (shown once, so by POST) and unlinking, for everyone signed in;
    # the interactions endpoint answers only requests signed with the application's key (the
    # test settings set a public key whose private half no test holds), whoever is signed in.
    ("discord-code", {}, "POST", signed_in(200)),
    ("discord-code", {}, "GET", signed_in(405)),
    ("discord-unlink", {}, "POST", signed_in(302)),
    ("discord-unlink", {}, "GET", signed_in(405)),
    ("discord-interactions", {}, "POST", everyone(401)),
    ("discord-interactions", {}, "GET", everyone(405)),
    ("ways-to-earn", {}, "GET", signed_in(200)),
    ("ways-to-earn", {}, "POST", signed_in(405)),
    # Public by address (calendar applications cannot sign in): the secret is the credential.
    ("calendar-feed", {"token": "calendar_token"}, "GET", everyone(200)),
    ("calendar-feed", {"token": "calendar_token"}, "POST", everyone(405)),
    ("calendar-feed", {"token": "bad_calendar_token"}, "GET", everyone(404)),
    # Anyone may choose a language (the sign-in page has the choice too).
    ("language", {}, "POST", everyone(302)),
    ("language", {}, "GET", everyone(405)),
    # public (when UPAS_PUBLIC_LEADERBOARD), yet not for partners: students are not theirs to rank
    ("leaderboard", {}, "GET", {**everyone(200), PARTNER: 403}),
    ("leaderboard", {}, "POST", {**everyone(405), PARTNER: 403}),
    ("history", {}, "GET", signed_in(200)),
    ("history", {}, "POST", signed_in(405)),
    ("activity", {}, "GET", students_only(200)),
    ("activity", {}, "HX GET", students_only(200)),
    ("activity", {}, "POST", students_only(405)),
    ("history-export", {}, "GET", signed_in(200)),
    ("history-export", {}, "POST", signed_in(405)),
    ("balance-badge", {}, "GET", students_only(200)),
    ("balance-badge", {}, "POST", students_only(405)),
    ("award", {}, "GET", staff_only(200)),
    ("award", {}, "POST", staff_only(405)),
    ("award-create", {}, "GET", staff_only(405)),
    # The staff member's recent awards, redrawn after each award.
    ("recent-awards", {}, "HX GET", staff_only(200)),
    ("recent-awards", {}, "GET", staff_only(302)),
    ("recent-awards", {}, "POST", staff_only(405)),
    # An empty form: re-displayed with its errors, nothing written.
    ("award-create", {}, "POST", staff_only(200)),
    ("award-points-field", {}, "GET", staff_only(200)),
    ("award-points-field", {}, "POST", staff_only(405)),
    ("award-bulk", {}, "GET", staff_only(200)),
    ("award-bulk", {}, "POST", staff_only(200)),
    ("student-search", {}, "GET", staff_only(200)),
    ("student-search", {}, "POST", staff_only(405)),
    ("transaction-reverse", {"pk": "award"}, "GET", {**staff_only(405), OTHER_FACULTY: 405}),
    # The owner and admins get the refusal ("give a reason") as a redirect with a message;
    # another faculty member must not learn that the entry exists.
    ("transaction-reverse", {"pk": "award"}, "POST", {**staff_only(302), OTHER_FACULTY: 404}),
    ("user-list", {}, "GET", {**admins_only(200), DEPT_ADMIN: 200}),
    ("user-create", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("user-create", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    # student import: an empty POST is an invalid form (200); the template is a CSV download
    ("student-import", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("student-import", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("student-import", {}, "HX POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("student-import-template", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("student-import-template", {}, "POST", admins_only(405)),
    # account administration: a person's page and what an admin does to the account. Empty
    # forms come back with their errors (200); reactivating an account that is not suspended
    # is refused with a message (302), unlocking and sending a reset link are done (302).
    ("person-detail", {"pk": "student_user"}, "GET", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-detail", {"pk": "student_user"}, "POST", admins_only(405)),
    ("person-edit", {"pk": "student_user"}, "GET", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-edit", {"pk": "student_user"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-suspend", {"pk": "student_user"}, "GET", admins_only(405)),
    ("person-suspend", {"pk": "student_user"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-reactivate", {"pk": "student_user"}, "GET", admins_only(405)),
    ("person-reactivate", {"pk": "student_user"}, "POST", {**admins_only(302), DEPT_ADMIN: 404}),
    ("person-warn", {"pk": "student_user"}, "GET", admins_only(405)),
    ("person-warn", {"pk": "student_user"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-unlock", {"pk": "student_user"}, "GET", admins_only(405)),
    ("person-unlock", {"pk": "student_user"}, "POST", {**admins_only(302), DEPT_ADMIN: 404}),
    ("person-password-reset", {"pk": "student_user"}, "GET", admins_only(405)),
    (
        "person-password-reset",
        {"pk": "student_user"},
        "POST",
        {**admins_only(302), DEPT_ADMIN: 404},
    ),
    ("user-role", {"pk": "student_user"}, "GET", admins_only(405)),
    # An admin's department limit: set on an admin's page (a student's page says "only admins").
    ("person-limit", {"pk": "student_user"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("person-limit", {"pk": "student_user"}, "GET", admins_only(405)),
    # Data rights: a student asks for erasure on their settings page (an empty form shows its
    # errors; staff are sent back with a message), admins decide in the queue.
    ("profile-update", {}, "POST", any_account(200)),
    ("profile-update", {}, "GET", any_account(405)),
    (
        "erasure-request",
        {},
        "POST",
        {ANONYMOUS: 302, STUDENT: 200, OTHER_STUDENT: 200, FACULTY: 302, ADMIN: 302, PARTNER: 403},
    ),
    ("erasure-request", {}, "GET", signed_in(405)),
    ("erasure-withdraw", {}, "POST", signed_in(302)),
    ("erasure-withdraw", {}, "GET", signed_in(405)),
    ("erasure-queue", {}, "GET", {**admins_only(200), DEPT_ADMIN: 200}),
    ("erasure-queue", {}, "POST", admins_only(405)),
    ("erasure-erase", {"pk": "erasure"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("erasure-erase", {"pk": "erasure"}, "GET", admins_only(405)),
    ("erasure-refuse", {"pk": "erasure"}, "POST", {**admins_only(200), DEPT_ADMIN: 404}),
    ("erasure-refuse", {"pk": "erasure"}, "GET", admins_only(405)),
    ("user-role", {"pk": "student_user"}, "POST", {**admins_only(302), DEPT_ADMIN: 403}),
    ("category-list", {}, "GET", admins_only(200)),
    ("category-create", {}, "GET", admins_only(200)),
    ("category-create", {}, "POST", admins_only(200)),
    ("category-edit", {"pk": "category"}, "GET", admins_only(200)),
    ("category-edit", {"pk": "category"}, "POST", admins_only(200)),
    ("category-toggle", {"pk": "category"}, "GET", admins_only(405)),
    ("category-toggle", {"pk": "category"}, "POST", admins_only(302)),
    # rewards: the catalogue and its detail pages are for everyone signed in
    ("rewards", {}, "GET", signed_in(200)),
    ("rewards", {}, "HX GET", signed_in(200)),
    ("rewards", {}, "POST", signed_in(405)),
    ("reward-detail", {"pk": "reward"}, "GET", signed_in(200)),
    ("reward-detail", {"pk": "reward"}, "POST", signed_in(405)),
    # A withdrawn reward is not in the catalogue: only admins may still open it.
    ("reward-detail", {"pk": "withdrawn"}, "GET", {**signed_in(404), ADMIN: 200}),
    # The card's action area: a plain request is sent to the detail page.
    ("reward-action", {"pk": "reward"}, "GET", students_only(302)),
    ("reward-action", {"pk": "reward"}, "HX GET", students_only(200)),
    ("reward-action", {"pk": "reward"}, "POST", students_only(405)),
    ("reward-redeem", {"pk": "reward"}, "GET", students_only(405)),
    # An empty form: refused (expired form), back to the detail page or into the panel.
    ("reward-redeem", {"pk": "reward"}, "POST", students_only(302)),
    ("reward-redeem", {"pk": "reward"}, "HX POST", students_only(200)),
    ("my-redemptions", {}, "GET", students_only(200)),
    ("my-redemptions", {}, "POST", students_only(405)),
    ("redemption-cancel", {"pk": "redemption"}, "GET", students_only(405)),
    # The owner cancels (back to their list); another student must not learn it exists.
    ("redemption-cancel", {"pk": "redemption"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    (
        "redemption-cancel",
        {"pk": "redemption"},
        "HX POST",
        {**students_only(200), OTHER_STUDENT: 404},
    ),
    # rewards: admin pages
    ("reward-admin", {}, "GET", admins_only(200)),
    ("reward-admin", {}, "POST", admins_only(405)),
    ("reward-create", {}, "GET", admins_only(200)),
    ("reward-create", {}, "POST", admins_only(200)),
    ("reward-edit", {"pk": "reward"}, "GET", admins_only(200)),
    ("reward-edit", {"pk": "withdrawn"}, "GET", admins_only(200)),
    ("reward-edit", {"pk": "reward"}, "POST", admins_only(200)),
    ("reward-toggle", {"pk": "reward"}, "GET", admins_only(405)),
    ("reward-toggle", {"pk": "reward"}, "POST", admins_only(302)),
    ("redemption-queue", {}, "GET", admins_only(200)),
    ("redemption-queue", {}, "HX GET", admins_only(200)),
    ("redemption-queue", {}, "POST", admins_only(405)),
    ("redemption-bulk", {}, "GET", admins_only(405)),
    # Nothing selected: refused, back to the queue or into the re-rendered table.
    ("redemption-bulk", {}, "POST", admins_only(302)),
    ("redemption-bulk", {}, "HX POST", admins_only(200)),
    ("queue-badge", {}, "GET", admins_only(200)),
    ("queue-badge", {}, "POST", admins_only(405)),
    ("redemption-decide", {"pk": "redemption"}, "GET", admins_only(405)),
    ("redemption-decide", {"pk": "redemption"}, "POST", admins_only(302)),
    ("redemption-decide", {"pk": "redemption"}, "HX POST", admins_only(200)),
    # events: "event" is a published event organised by `faculty`, "draft" a draft of theirs.
    # Another faculty member gets 404 on its organiser pages: they must not see its codes.
    ("events", {}, "GET", signed_in(200)),
    ("events", {}, "HX GET", signed_in(200)),
    ("events", {}, "POST", signed_in(405)),
    ("event-create", {}, "GET", staff_only(200)),
    # An empty form: re-displayed with its errors, nothing written.
    ("event-create", {}, "POST", staff_only(200)),
    ("event-detail", {"pk": "event"}, "GET", {**signed_in(200), OTHER_FACULTY: 200}),
    ("event-detail", {"pk": "event"}, "POST", signed_in(405)),
    (
        "event-detail",
        {"pk": "draft"},
        "GET",
        {**signed_in(404), FACULTY: 200, ADMIN: 200, OTHER_FACULTY: 404},
    ),
    # The "Places" line of the event page: anyone who sees the event, through htmx; a plain
    # visit goes to the event.
    ("event-places", {"pk": "event"}, "HX GET", {**signed_in(200), OTHER_FACULTY: 200}),
    ("event-places", {"pk": "event"}, "GET", {**signed_in(302), OTHER_FACULTY: 302}),
    ("event-places", {"pk": "event"}, "POST", signed_in(405)),
    (
        "event-places",
        {"pk": "draft"},
        "HX GET",
        {**signed_in(404), FACULTY: 200, ADMIN: 200, OTHER_FACULTY: 404},
    ),
    ("event-create", {}, "GET", {**staff_only(200), OFFICER: 200}),
    # A club officer organises the events of their club, and nobody else's.
    (
        "event-edit",
        {"pk": "club_event"},
        "GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    ("event-edit", {"pk": "event"}, "GET", {**staff_only(200), OFFICER: 404, OTHER_FACULTY: 404}),
    (
        "event-screen",
        {"pk": "club_event"},
        "GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    ("event-screen", {"pk": "event"}, "GET", {**staff_only(200), OFFICER: 404}),
    (
        "event-attendance",
        {"pk": "club_event"},
        "GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    ("event-attendance", {"pk": "event"}, "GET", {**staff_only(200), OFFICER: 404}),
    (
        "event-checkin-manual",
        {"pk": "club_event"},
        "POST",
        {**staff_only(302), OFFICER: 302, OTHER_FACULTY: 404},
    ),
    (
        "event-status",
        {"pk": "club_event"},
        "POST",
        {**staff_only(302), OFFICER: 302, OTHER_FACULTY: 404},
    ),
    # registration: "club_event" requires it (one place, which `other_student` holds)
    ("event-register", {"pk": "club_event"}, "GET", students_only(405)),
    ("event-register", {"pk": "club_event"}, "POST", {**students_only(302), OFFICER: 302}),
    ("event-register", {"pk": "club_event"}, "HX POST", students_only(200)),
    # An event without registration: refused with the reason; a draft is hidden from students.
    ("event-register", {"pk": "event"}, "POST", students_only(302)),
    ("event-register", {"pk": "draft"}, "POST", students_only(404)),
    ("event-unregister", {"pk": "club_event"}, "GET", students_only(405)),
    ("event-unregister", {"pk": "club_event"}, "POST", students_only(302)),
    ("event-unregister", {"pk": "club_event"}, "HX POST", students_only(200)),
    ("event-unregister", {"pk": "draft"}, "POST", students_only(404)),
    (
        "event-registrations",
        {"pk": "club_event"},
        "GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    (
        "event-registrations",
        {"pk": "club_event"},
        "HX GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    ("event-registrations", {"pk": "event"}, "GET", {**staff_only(200), OFFICER: 404}),
    ("event-registrations", {"pk": "event"}, "POST", staff_only(405)),
    ("event-edit", {"pk": "event"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-edit", {"pk": "event"}, "POST", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-status", {"pk": "event"}, "GET", {**staff_only(405), OTHER_FACULTY: 405}),
    # No status given: refused, back to the event page with a message.
    ("event-status", {"pk": "event"}, "POST", {**staff_only(302), OTHER_FACULTY: 404}),
    # GET is the page a QR scan lands on (it submits itself); a draft is hidden from students.
    ("event-checkin", {"pk": "event"}, "GET", signed_in(200)),
    ("event-checkin", {"pk": "draft"}, "GET", {**signed_in(404), FACULTY: 200, ADMIN: 200}),
    # An empty code: refused, back to the event page or into the check-in panel.
    ("event-checkin", {"pk": "event"}, "POST", signed_in(302)),
    ("event-checkin", {"pk": "event"}, "HX POST", signed_in(200)),
    ("event-checkin", {"pk": "draft"}, "POST", {**signed_in(404), FACULTY: 302, ADMIN: 302}),
    # Public: the QR link. A valid code redirects to the check-in page (not to the login page,
    # see PUBLIC_REDIRECTS); a wrong one says the code expired.
    ("event-remind", {"pk": "event"}, "POST", {**students_only(302), OTHER_FACULTY: 403}),
    ("event-remind", {"pk": "event"}, "HX POST", {**students_only(200), OTHER_FACULTY: 403}),
    ("event-remind", {"pk": "draft"}, "POST", {**students_only(404), OTHER_FACULTY: 403}),
    ("event-remind", {"pk": "event"}, "GET", {**students_only(405), OTHER_FACULTY: 403}),
    # The event as an iCalendar file, for whoever may see the event.
    ("event-ics", {"pk": "event"}, "GET", signed_in(200)),
    ("event-ics", {"pk": "event"}, "POST", signed_in(405)),
    ("event-ics", {"pk": "draft"}, "GET", {**signed_in(404), FACULTY: 200, ADMIN: 200}),
    ("event-scan", {"pk": "event", "code": "code"}, "GET", everyone(302)),
    ("event-scan", {"pk": "event", "code": "bad_code"}, "GET", everyone(400)),
    ("event-scan", {"pk": "event", "code": "code"}, "POST", everyone(405)),
    # Door passes: the student's own pass (no other student's, by construction: no id in the
    # URL), and the organiser's scan mode, for whoever runs the event's check-in.
    ("student-pass", {}, "GET", students_only(200)),
    ("student-pass", {}, "HX GET", students_only(200)),
    ("student-pass", {}, "POST", students_only(405)),
    ("student-pass-reset", {}, "POST", students_only(302)),
    ("student-pass-reset", {}, "GET", students_only(405)),
    (
        "event-pass-scan",
        {"pk": "club_event"},
        "GET",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    (
        "event-pass-scan",
        {"pk": "event"},
        "GET",
        {**staff_only(200), OFFICER: 404, OTHER_FACULTY: 404},
    ),
    ("event-pass-scan", {"pk": "event"}, "POST", {**staff_only(405), OTHER_FACULTY: 405}),
    # An empty code: the scan page or the result panel, saying what to type.
    (
        "event-pass-checkin",
        {"pk": "club_event"},
        "POST",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    (
        "event-pass-checkin",
        {"pk": "event"},
        "HX POST",
        {**staff_only(200), OFFICER: 404, OTHER_FACULTY: 404},
    ),
    ("event-pass-checkin", {"pk": "event"}, "GET", {**staff_only(405), OTHER_FACULTY: 405}),
    ("event-screen", {"pk": "event"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-screen", {"pk": "event"}, "HX GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-screen", {"pk": "event"}, "POST", {**staff_only(405), OTHER_FACULTY: 405}),
    ("event-attendance", {"pk": "event"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-attendance", {"pk": "event"}, "POST", {**staff_only(405), OTHER_FACULTY: 405}),
    ("event-checkin-manual", {"pk": "event"}, "GET", {**staff_only(405), OTHER_FACULTY: 405}),
    # Nobody chosen: refused, back to the attendance page with a message.
    ("event-checkin-manual", {"pk": "event"}, "POST", {**staff_only(302), OTHER_FACULTY: 404}),
    ("event-attendance-upload", {"pk": "event"}, "GET", {**staff_only(405), OTHER_FACULTY: 405}),
    # No file: the attendance page again with the error.
    ("event-attendance-upload", {"pk": "event"}, "POST", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-attendance-export", {"pk": "event"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-attendance-export", {"pk": "event"}, "POST", {**staff_only(405), OTHER_FACULTY: 405}),
    ("event-student-search", {"pk": "event"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("event-student-search", {"pk": "event"}, "POST", {**staff_only(405), OTHER_FACULTY: 405}),
    # attendance corrections: "club_checkin" is `other_student`'s (registered) check-in to
    # "club_event", "club_registration" their registration, "club_dispute" `student`'s open
    # dispute there (refused with a wrong code); "checkin" is `other_student`'s check-in to "event".
    # Empty forms are refused with a message: back to the attendance page or the queue.
    ("checkin-annul", {"pk": "club_checkin"}, "GET", {**staff_only(405), OFFICER: 405}),
    (
        "checkin-annul",
        {"pk": "club_checkin"},
        "POST",
        {**staff_only(302), OFFICER: 302, OTHER_FACULTY: 404},
    ),
    ("checkin-annul", {"pk": "checkin"}, "POST", {**staff_only(302), OFFICER: 404}),
    ("registration-excuse", {"pk": "club_registration"}, "GET", {**staff_only(405), OFFICER: 405}),
    (
        "registration-excuse",
        {"pk": "club_registration"},
        "POST",
        {**staff_only(302), OFFICER: 302, OTHER_FACULTY: 404},
    ),
    # A student refused (already disputing, or checked in) gets the reason; a draft is hidden.
    ("event-dispute", {"pk": "club_event"}, "GET", students_only(405)),
    ("event-dispute", {"pk": "club_event"}, "POST", {**students_only(302), OFFICER: 302}),
    ("event-dispute", {"pk": "club_event"}, "HX POST", students_only(200)),
    ("event-dispute", {"pk": "draft"}, "POST", students_only(404)),
    # One queue for whoever organises: each sees the disputes of the events they manage.
    ("dispute-queue", {}, "GET", {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 200}),
    ("dispute-queue", {}, "HX GET", {**staff_only(200), OFFICER: 200}),
    ("dispute-queue", {}, "POST", {**staff_only(405), OFFICER: 405}),
    ("dispute-decide", {"pk": "club_dispute"}, "GET", {**staff_only(405), OFFICER: 405}),
    (
        "dispute-decide",
        {"pk": "club_dispute"},
        "POST",
        {**staff_only(302), OFFICER: 302, OTHER_FACULTY: 404},
    ),
    (
        "dispute-decide",
        {"pk": "club_dispute"},
        "HX POST",
        {**staff_only(200), OFFICER: 200, OTHER_FACULTY: 404},
    ),
    # clubs: "club" has `officer` as its officer and `other_student` as a member
    ("clubs", {}, "GET", {**signed_in(200), OFFICER: 200}),
    ("clubs", {}, "POST", signed_in(405)),
    ("club-create", {}, "GET", {**admins_only(200), OFFICER: 403}),
    # An empty form: re-displayed with its errors, nothing written.
    ("club-create", {}, "POST", admins_only(200)),
    ("club-detail", {"slug": "club"}, "GET", {**signed_in(200), OFFICER: 200}),
    ("club-detail", {"slug": "club"}, "POST", signed_in(405)),
    ("club-detail", {"slug": "no_club"}, "GET", signed_in(404)),
    ("club-edit", {"slug": "club"}, "GET", {**admins_only(200), OFFICER: 403}),
    ("club-edit", {"slug": "club"}, "POST", admins_only(200)),
    ("club-join", {"slug": "club"}, "GET", students_only(405)),
    ("club-join", {"slug": "club"}, "POST", students_only(302)),
    ("club-join", {"slug": "club"}, "HX POST", students_only(200)),
    ("club-join", {"slug": "no_club"}, "POST", students_only(404)),
    ("club-leave", {"slug": "club"}, "GET", students_only(405)),
    # An officer is told to have their role handed over first (a message, not a refusal).
    ("club-leave", {"slug": "club"}, "POST", {**students_only(302), OFFICER: 302}),
    ("club-leave", {"slug": "club"}, "HX POST", {**students_only(200), OFFICER: 200}),
    ("club-officers", {"slug": "club"}, "GET", {**admins_only(200), OFFICER: 403}),
    # An empty form: re-displayed with its errors, nobody appointed.
    ("club-officers", {"slug": "club"}, "POST", admins_only(200)),
    ("club-officers", {"slug": "no_club"}, "GET", admins_only(404)),
    (
        "club-officer-dismiss",
        {"slug": "club", "user_pk": "officer_user"},
        "GET",
        admins_only(405),
    ),
    (
        "club-officer-dismiss",
        {"slug": "club", "user_pk": "officer_user"},
        "POST",
        {**admins_only(302), OFFICER: 403},
    ),
    # advisers: `faculty` advises "club"
    ("club-adviser-appoint", {"slug": "club"}, "GET", {**admins_only(405), OFFICER: 403}),
    # An empty form: the officers page again with the error beside the field.
    ("club-adviser-appoint", {"slug": "club"}, "POST", {**admins_only(200), OFFICER: 403}),
    ("club-adviser-appoint", {"slug": "no_club"}, "POST", admins_only(404)),
    (
        "club-adviser-dismiss",
        {"slug": "club", "user_pk": "adviser_user"},
        "GET",
        admins_only(405),
    ),
    (
        "club-adviser-dismiss",
        {"slug": "club", "user_pk": "adviser_user"},
        "POST",
        {**admins_only(302), OFFICER: 403},
    ),
    # mentors: `faculty` mentors `student`
    ("mentors", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    # An empty form: re-displayed with its errors, nobody's mentor changed.
    ("mentors", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("mentor-import", {}, "GET", admins_only(405)),
    ("mentor-import", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("my-mentees", {}, "GET", {**staff_only(200), ADMIN: 403}),
    ("my-mentees", {}, "POST", {**staff_only(405), ADMIN: 403}),
    # draws: "draw" is open (students enter it themselves), "drawn" one `student` entered alone
    # and won ("pick" is their prize). Students never perform nor see the projector screen; the
    # verification page is public once drawn, and answers 404 before, for everyone.
    ("draws", {}, "GET", signed_in(200)),
    ("draws", {}, "POST", signed_in(405)),
    ("draw-create", {}, "GET", admins_only(200)),
    # An empty form: re-displayed with its errors, nothing written.
    ("draw-create", {}, "POST", admins_only(200)),
    ("draw-detail", {"pk": "draw"}, "GET", signed_in(200)),
    ("draw-detail", {"pk": "drawn"}, "GET", signed_in(200)),
    ("draw-detail", {"pk": "draw"}, "POST", signed_in(405)),
    ("draw-edit", {"pk": "draw"}, "GET", admins_only(200)),
    ("draw-edit", {"pk": "draw"}, "POST", admins_only(200)),
    # A performed draw cannot be changed: back to its page with a message.
    ("draw-edit", {"pk": "drawn"}, "GET", admins_only(302)),
    ("draw-edit", {"pk": "drawn"}, "POST", admins_only(302)),
    ("draw-enter", {"pk": "draw"}, "GET", students_only(405)),
    ("draw-enter", {"pk": "draw"}, "POST", students_only(302)),
    ("draw-enter", {"pk": "draw"}, "HX POST", students_only(200)),
    # Entries closed: the reason, back on the draw's page or in the entry panel.
    ("draw-enter", {"pk": "drawn"}, "POST", students_only(302)),
    ("draw-enter", {"pk": "drawn"}, "HX POST", students_only(200)),
    ("draw-perform", {"pk": "draw"}, "GET", admins_only(405)),
    # Nobody entered "draw": refused with a message; "drawn" was already performed.
    ("draw-perform", {"pk": "draw"}, "POST", admins_only(302)),
    ("draw-perform", {"pk": "drawn"}, "POST", admins_only(302)),
    ("draw-screen", {"pk": "draw"}, "GET", admins_only(200)),
    ("draw-screen", {"pk": "drawn"}, "GET", admins_only(200)),
    ("draw-screen", {"pk": "draw"}, "POST", admins_only(405)),
    ("draw-verify", {"pk": "drawn"}, "GET", everyone(200)),
    # certificates and transcripts: "certificate" and "transcript" are `student`'s
    ("certificates", {}, "GET", students_only(200)),
    ("certificates", {}, "POST", students_only(405)),
    *(
        (name, {"code": "certificate"}, "GET", {**holder_or_admin, ADMIN: 200})
        for name in ("certificate-detail", "certificate-pdf", "certificate-json")
    ),
    ("certificate-badge", {"code": "certificate"}, "GET", {**holder_or_admin, ADMIN: 200}),
    ("certificate-pdf", {"code": "certificate"}, "POST", {**students_only(405), ADMIN: 405}),
    ("transcript", {}, "GET", students_only(200)),
    ("transcript", {}, "POST", students_only(405)),
    ("transcript-item", {}, "POST", students_only(404)),  # no item named
    ("transcript-item", {}, "GET", students_only(405)),
    ("transcript-issue", {}, "POST", students_only(302)),
    ("transcript-issue", {}, "GET", students_only(405)),
    ("transcript-pdf", {"code": "transcript"}, "GET", holder_or_admin),
    ("transcript-json", {"code": "transcript"}, "GET", holder_or_admin),
    ("transcript-json", {"code": "transcript"}, "POST", students_only(405)),
    # Public: the code is the holder's to hand out.
    ("verify", {"code": "certificate"}, "GET", everyone(200)),
    ("verify", {"code": "transcript"}, "GET", everyone(200)),
    ("verify", {"code": "bad_code"}, "GET", everyone(404)),
    ("verify", {"code": "certificate"}, "POST", everyone(405)),
    ("jwks", {}, "GET", everyone(200)),
    ("jwks", {}, "POST", everyone(405)),
    # webhooks: unlimited admins only (a receiver hears about every department)
    ("webhook-list", {}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("webhook-list", {}, "POST", {**admins_only(422), DEPT_ADMIN: 403}),  # an empty form
    ("webhook-detail", {"pk": "webhook"}, "GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("webhook-detail", {"pk": "webhook"}, "HX GET", {**admins_only(200), DEPT_ADMIN: 403}),
    ("webhook-detail", {"pk": "webhook"}, "POST", admins_only(405)),
    ("webhook-detail", {"pk": "no_webhook"}, "GET", admins_only(404)),
    ("webhook-active", {"pk": "webhook"}, "POST", {**admins_only(302), DEPT_ADMIN: 403}),
    ("webhook-active", {"pk": "webhook"}, "GET", admins_only(405)),
    ("webhook-active", {"pk": "no_webhook"}, "POST", admins_only(404)),
    ("webhook-roll-secret", {"pk": "webhook"}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("webhook-roll-secret", {"pk": "webhook"}, "GET", admins_only(405)),
    ("webhook-ping", {"pk": "webhook"}, "POST", {**admins_only(302), DEPT_ADMIN: 403}),
    ("webhook-ping", {"pk": "webhook"}, "GET", admins_only(405)),
    (
        "webhook-resend",
        {"pk": "webhook", "delivery_pk": "webhook_delivery"},
        "POST",
        {**admins_only(302), DEPT_ADMIN: 403},
    ),
    (
        "webhook-resend",
        {"pk": "webhook", "delivery_pk": "webhook_delivery"},
        "HX POST",
        admins_only(200),
    ),
    (
        "webhook-resend",
        {"pk": "webhook", "delivery_pk": "webhook_delivery"},
        "GET",
        admins_only(405),
    ),
    (
        "webhook-resend",
        {"pk": "no_webhook", "delivery_pk": "webhook_delivery"},
        "POST",
        admins_only(404),
    ),
    ("certificate-admin", {}, "GET", admins_only(200)),
    ("certificate-admin", {}, "POST", admins_only(405)),
    ("certificate-issue", {}, "POST", admins_only(422)),  # an empty form
    ("certificate-issue", {}, "GET", admins_only(405)),
    ("certificate-batch", {}, "POST", admins_only(422)),
    ("certificate-batch", {}, "GET", admins_only(405)),
    ("certificate-batch-status", {"pk": "batch"}, "GET", admins_only(200)),
    ("certificate-batch-status", {"pk": "batch"}, "POST", admins_only(405)),
    ("certificate-revoke", {"pk": "certificate_pk"}, "POST", admins_only(422)),  # no reason
    ("certificate-revoke", {"pk": "certificate_pk"}, "GET", admins_only(405)),
    ("draw-verify", {"pk": "drawn"}, "POST", everyone(405)),
    ("draw-verify", {"pk": "draw"}, "GET", everyone(404)),
    ("prize-claim", {"pk": "pick"}, "GET", students_only(405)),
    # The winner claims (back to the draw); another student must not learn the prize exists.
    ("prize-claim", {"pk": "pick"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    ("prize-pass", {"pk": "pick"}, "GET", admins_only(405)),
    # Still claimable: refused, back to the draw's page with a message.
    ("prize-pass", {"pk": "pick"}, "POST", admins_only(302)),
    # resume reviews: "review_request" is `student`'s request, confirmed with `faculty` (an
    # active reviewer; the admin is not one) two days ahead; "review_slot" a free slot of
    # `faculty`, "reviewer" their Reviewer row. `student` has a live request, so their empty
    # request form is refused back to the page; `other_student`'s is shown again.
    ("career", {}, "GET", students_only(200)),
    ("career", {}, "POST", students_only(405)),
    ("career-request", {}, "POST", {**students_only(302), OTHER_STUDENT: 200}),
    ("career-request", {}, "GET", students_only(405)),
    ("career-cancel", {"pk": "review_request"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    ("career-cancel", {"pk": "review_request"}, "GET", students_only(405)),
    ("career-rate", {"pk": "review_request"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    ("career-rate", {"pk": "review_request"}, "GET", students_only(405)),
    (
        "career-resume",
        {"pk": "review_request"},
        "GET",
        {**signed_in(200), OTHER_STUDENT: 404, PARTNER: 404},
    ),
    ("career-resume", {"pk": "review_request"}, "POST", {**signed_in(405), PARTNER: 405}),
    (
        "career-session-ics",
        {"pk": "review_request"},
        "GET",
        {**signed_in(200), OTHER_STUDENT: 404, ADMIN: 404, PARTNER: 404},
    ),
    ("career-session-ics", {"pk": "review_request"}, "POST", {**signed_in(405), PARTNER: 405}),
    ("career-reviewing", {}, "GET", reviewers_only(200)),
    ("career-reviewing", {}, "POST", reviewers_only(405)),
    ("career-slot-add", {}, "POST", reviewers_only(200)),
    ("career-slot-add", {}, "HX POST", reviewers_only(200)),
    ("career-slot-add", {}, "GET", reviewers_only(405)),
    ("career-slot-remove", {"pk": "review_slot"}, "POST", reviewers_only(302, theirs=True)),
    ("career-slot-remove", {"pk": "review_slot"}, "HX POST", reviewers_only(200, theirs=True)),
    ("career-slot-remove", {"pk": "review_slot"}, "GET", reviewers_only(405, theirs=True)),
    ("career-confirm", {"pk": "review_request"}, "POST", reviewers_only(302, theirs=True)),
    ("career-confirm", {"pk": "review_request"}, "GET", reviewers_only(405, theirs=True)),
    ("career-decline", {"pk": "review_request"}, "POST", reviewers_only(302, theirs=True)),
    ("career-decline", {"pk": "review_request"}, "GET", reviewers_only(405, theirs=True)),
    ("career-complete", {"pk": "review_request"}, "GET", reviewers_only(200, theirs=True)),
    ("career-complete", {"pk": "review_request"}, "POST", reviewers_only(200, theirs=True)),
    ("career-no-show", {"pk": "review_request"}, "POST", reviewers_only(302, theirs=True)),
    ("career-no-show", {"pk": "review_request"}, "GET", reviewers_only(405, theirs=True)),
    ("career-reviewers", {}, "GET", {**admins_only(200), DEPT_ADMIN: 200}),
    ("career-reviewers", {}, "POST", {**admins_only(200), DEPT_ADMIN: 403}),
    ("career-reviewer-active", {"pk": "reviewer"}, "POST", {**admins_only(302), DEPT_ADMIN: 403}),
    ("career-close", {"pk": "review_request"}, "POST", {**admins_only(302), DEPT_ADMIN: 404}),
    ("career-close", {"pk": "review_request"}, "GET", {**admins_only(405), DEPT_ADMIN: 405}),
    ("career-reviewer-active", {"pk": "reviewer"}, "GET", admins_only(405)),
    # claims, tasks and reviews: "claim" is `student`'s pending claim (an image); "task" an open
    # task posted by `faculty`, which `student` submitted ("assignment", with an image);
    # "closed_task" is inactive and nobody took it. Evidence is for its student and reviewers.
    ("claims", {}, "GET", students_only(200)),
    ("claims", {}, "POST", students_only(405)),
    ("claim-create", {}, "GET", students_only(200)),
    ("claim-create", {}, "HX GET", students_only(200)),
    # An empty form: re-displayed with its errors, nothing written.
    ("claim-create", {}, "POST", students_only(200)),
    ("claim-withdraw", {"pk": "claim"}, "GET", students_only(405)),
    ("claim-withdraw", {"pk": "claim"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    ("claim-withdraw", {"pk": "claim"}, "HX POST", {**students_only(200), OTHER_STUDENT: 404}),
    (
        "claim-evidence",
        {"pk": "claim"},
        "GET",
        {**signed_in(200), OTHER_STUDENT: 404, OTHER_FACULTY: 200},
    ),
    ("claim-evidence", {"pk": "claim"}, "POST", signed_in(405)),
    ("tasks", {}, "GET", signed_in(200)),
    ("tasks", {}, "POST", signed_in(405)),
    ("task-create", {}, "GET", staff_only(200)),
    # An empty form: re-displayed with its errors, nothing written.
    ("task-create", {}, "POST", staff_only(200)),
    ("task-detail", {"pk": "task"}, "GET", {**signed_in(200), OTHER_FACULTY: 200}),
    ("task-detail", {"pk": "task"}, "POST", signed_in(405)),
    (
        "task-detail",
        {"pk": "closed_task"},
        "GET",
        {**signed_in(404), FACULTY: 200, ADMIN: 200, OTHER_FACULTY: 200},
    ),
    ("task-edit", {"pk": "task"}, "GET", {**staff_only(200), OTHER_FACULTY: 404}),
    ("task-edit", {"pk": "task"}, "POST", {**staff_only(200), OTHER_FACULTY: 404}),
    ("task-claim", {"pk": "task"}, "GET", students_only(405)),
    # `student` is told they already hold it, another student takes a place: both land on the
    # task's page (or get its panel).
    ("task-claim", {"pk": "task"}, "POST", students_only(302)),
    ("task-claim", {"pk": "task"}, "HX POST", students_only(200)),
    ("task-claim", {"pk": "closed_task"}, "POST", students_only(404)),
    ("task-submit", {"pk": "assignment"}, "GET", students_only(405)),
    # An empty form: the page (or panel) again with its errors; nobody else learns it exists.
    ("task-submit", {"pk": "assignment"}, "POST", {**students_only(200), OTHER_STUDENT: 404}),
    ("task-submit", {"pk": "assignment"}, "HX POST", {**students_only(200), OTHER_STUDENT: 404}),
    ("task-abandon", {"pk": "assignment"}, "GET", students_only(405)),
    ("task-abandon", {"pk": "assignment"}, "POST", {**students_only(302), OTHER_STUDENT: 404}),
    ("task-abandon", {"pk": "assignment"}, "HX POST", {**students_only(200), OTHER_STUDENT: 404}),
    (
        "task-file",
        {"pk": "assignment"},
        "GET",
        {**signed_in(200), OTHER_STUDENT: 404, OTHER_FACULTY: 200},
    ),
    ("task-file", {"pk": "assignment"}, "POST", signed_in(405)),
    ("reviews", {}, "GET", staff_only(200)),
    ("reviews", {}, "HX GET", staff_only(200)),
    ("reviews", {}, "POST", staff_only(405)),
    ("review-bulk", {}, "GET", staff_only(405)),
    # Nothing ticked: refused, back to the queue or into the re-rendered table.
    ("review-bulk", {}, "POST", staff_only(302)),
    ("review-bulk", {}, "HX POST", staff_only(200)),
    ("review-count", {}, "GET", staff_only(200)),
    ("review-count", {}, "POST", staff_only(405)),
    # No decision chosen: refused with a message. Any reviewer may decide any item.
    ("review-decide", {"kind": "claim_kind", "pk": "claim"}, "GET", staff_only(405)),
    (
        "review-decide",
        {"kind": "claim_kind", "pk": "claim"},
        "POST",
        {**staff_only(302), OTHER_FACULTY: 302},
    ),
    (
        "review-decide",
        {"kind": "claim_kind", "pk": "claim"},
        "HX POST",
        {**staff_only(200), OTHER_FACULTY: 200},
    ),
    ("review-decide", {"kind": "task_kind", "pk": "assignment"}, "POST", staff_only(302)),
    ("review-decide", {"kind": "task_kind", "pk": "assignment"}, "HX POST", staff_only(200)),
    # halls: organisers (faculty, admins, club officers) search, see weeks and ask; admins keep
    # the halls and decide. "booking" is `faculty`'s pending request for "hall"; an empty
    # request or hall form is shown again with its errors.
    ("halls", {}, "GET", {**staff_only(200), OFFICER: 200}),
    ("halls", {}, "HX GET", {**staff_only(200), OFFICER: 200}),
    ("halls", {}, "POST", staff_only(405)),
    ("hall-week", {"pk": "hall"}, "GET", {**staff_only(200), OFFICER: 200}),
    ("hall-week", {"pk": "hall"}, "HX GET", {**staff_only(200), OFFICER: 200}),
    ("hall-week", {"pk": "no_hall"}, "GET", staff_only(404)),
    ("hall-week", {"pk": "hall"}, "POST", staff_only(405)),
    ("hall-request", {"pk": "hall"}, "GET", {**staff_only(200), OFFICER: 200}),
    ("hall-request", {"pk": "hall"}, "POST", {**staff_only(200), OFFICER: 200}),
    ("hall-request", {"pk": "no_hall"}, "POST", staff_only(404)),
    ("hall-create", {}, "GET", admins_only(200)),
    ("hall-create", {}, "POST", admins_only(200)),
    ("hall-edit", {"pk": "hall"}, "GET", admins_only(200)),
    ("hall-edit", {"pk": "hall"}, "POST", admins_only(200)),
    ("my-bookings", {}, "GET", {**staff_only(200), OFFICER: 200}),
    ("my-bookings", {}, "POST", staff_only(405)),
    (
        "booking-cancel",
        {"pk": "booking"},
        "POST",
        {**staff_only(302), OTHER_FACULTY: 404, OFFICER: 404},
    ),
    ("booking-cancel", {"pk": "booking"}, "GET", staff_only(405)),
    ("booking-queue", {}, "GET", admins_only(200)),
    ("booking-queue", {}, "POST", admins_only(405)),
    ("booking-decide", {"pk": "booking"}, "POST", admins_only(302)),
    ("booking-decide", {"pk": "booking"}, "GET", admins_only(405)),
]

# Public URLs whose 302 for anonymous visitors is not the login page: choosing a language goes
# back to the page it was chosen on. (A QR scan sends anonymous visitors to sign in, with the
# scan kept in their session.)
PUBLIC_REDIRECTS: set[str] = {"language"}

MATRIX = [
    pytest.param(name, kwargs, method, role, status, id=f"{method} {name} as {role}")
    for name, kwargs, method, statuses in TABLE
    for role, status in statuses.items()
]


def build_objects(
    student, other_student, faculty, admin, partner, category, give, club, officer
) -> dict[str, int | str]:
    """Something of every kind each URL names, in the states its rows need."""
    award = give(student, 20, actor=faculty, category=category)
    club_services.join_club(actor=other_student.user, club_id=club.pk)
    club_event = EventFactory(
        organiser=faculty, category=category, club=club, requires_registration=True, capacity=1
    )
    registration_services.register(actor=other_student.user, event_id=club_event.pk)
    club_services.appoint_adviser(actor=admin, club_id=club.pk, email=faculty.email)
    mentor_services.assign_mentor(
        actor=admin, enrollment_number=student.enrollment_number, mentor_id=faculty.pk
    )
    club_checkin = event_services.check_in(
        actor=faculty, event_id=club_event.pk, student_id=other_student.pk
    )
    with contextlib.suppress(event_services.EventError):  # a refused check-in, on record
        event_services.check_in(actor=student.user, event_id=club_event.pk, code="ZZZZZZ")
    club_dispute = attendance_services.file_dispute(
        actor=student.user, event_id=club_event.pk, note="I was there, row 3."
    )
    reward = RewardFactory(cost=10)
    withdrawn = RewardFactory(cost=10, is_active=False)
    redemption = redeem(student, reward)
    event = EventFactory(organiser=faculty, category=category)
    draft = EventFactory(organiser=faculty, category=category, status=Event.Status.DRAFT)
    checkin = event_services.check_in(actor=faculty, event_id=event.pk, student_id=other_student.pk)
    draw = DrawFactory(created_by=admin)
    drawn = DrawFactory(created_by=admin, alternates_count=0)
    draw_services.enter_draw(actor=student.user, draw_id=drawn.pk)
    let_entries_close(drawn)
    pick = draw_services.perform_draw(actor=admin, draw_id=drawn.pk).winners[0]
    task = TaskFactory(created_by=faculty, category=category, max_claimants=5)
    with_certificate = EventFactory(organiser=faculty, category=category, offers_certificate=True)
    event_services.check_in(actor=faculty, event_id=with_certificate.pk, student_id=student.pk)
    certificate = Certificate.objects.get(holder=student)
    api_token, _secret = api_token_services.create_api_token(
        actor=admin, name="LMS", owner=faculty, scopes=["read"]
    )
    hall = make_hall(admin)
    booking = ask(faculty, hall)
    # Last, so no change above is announced to it (its address does not resolve).
    endpoint, _secret = webhook_services.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["draw.performed"]
    )
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint, event_kind="draw.performed", payload={}, status="failed", attempts=6
    )
    review_request, review_slot, reviewer = _career_objects(student, faculty)
    return {
        "review_request": review_request.pk,
        "review_slot": review_slot.pk,
        "reviewer": reviewer.pk,
        "api_token": api_token.pk,
        "hall": hall.pk,
        "no_hall": 999999,
        "booking": booking.pk,
        "webhook": endpoint.pk,
        "no_webhook": 999999,
        "webhook_delivery": failed.pk,
        "certificate": certificate.code,
        "certificate_pk": certificate.pk,
        "transcript": certificate_services.issue_transcript(actor=student.user).code,
        "batch": certificate_services.start_batch(actor=admin, event_id=with_certificate.pk).pk,
        "draw": draw.pk,
        "drawn": drawn.pk,
        "pick": pick.pk,
        "event": event.pk,
        "draft": draft.pk,
        "club_event": club_event.pk,
        "club_checkin": club_checkin.pk,
        "club_registration": club_checkin.student.registrations.get(event=club_event).pk,
        "club_dispute": club_dispute.pk,
        "checkin": checkin.pk,
        "calendar_token": account_services.reset_calendar_token(user=other_student.user),
        "bad_calendar_token": "not-a-token",
        "club": club.slug,
        "no_club": "no-such-club",
        "officer_user": officer.user_id,
        "adviser_user": faculty.pk,
        **check_in_codes(event),
        "award": award.pk,
        "student_user": student.user_id,
        "partner_user": partner.pk,
        "erasure": ErasureRequest.objects.create(user=student.user).pk,
        "category": category.pk,
        "reward": reward.pk,
        "withdrawn": withdrawn.pk,
        "redemption": redemption.pk,
        "notification": Notification.objects.create(
            user=student.user, kind="points", message="You got points", link="/history/"
        ).pk,
        "claim": make_claim(student, category, 20).pk,
        "claim_kind": "claim",
        "task": task.pk,
        "closed_task": TaskFactory(created_by=faculty, category=category, is_active=False).pk,
        "assignment": hand_in(student, task, kind="png").pk,
        "task_kind": "task",
    }


# The cast and the objects are made once per module, inside a transaction that each test's own
# transaction nests in as a savepoint (as TestCase.setUpTestData does), and rolled back after
# the module's last test. Made for each of the matrix's 3,000 requests, they were half of the
# suite's time. Each test still gets fresh instances, read by primary key, and today's
# check-in code (it turns over every 30 seconds).
CAST = (
    "department",
    "student",
    "other_student",
    "officer",
    "faculty",
    "other_faculty",
    "admin",
    "department_admin",
    "partner",
    "company",
    "category",
    "club",
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[tuple[dict[str, tuple], dict]]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # services' durable blocks nest in it, as in TestCase
        outer.__enter__()
        try:
            department = cast.make_department()
            club = cast.make_club()
            company = cast.make_company()
            made = {
                "department": department,
                "student": cast.make_student(department),
                "other_student": cast.make_other_student(department),
                "officer": cast.make_officer(department, club),
                "faculty": cast.make_faculty(),
                "other_faculty": cast.make_other_faculty(),
                "admin": cast.make_admin(),
                "department_admin": cast.make_department_admin(),
                "partner": cast.make_partner(company),
                "company": company,
                "category": cast.make_category(),
                "club": club,
            }
            wanted = inspect.signature(build_objects).parameters.keys() - {"give"}
            objects = build_objects(give=cast.give, **{name: made[name] for name in wanted})
            yield {name: (type(thing), thing.pk) for name, thing in made.items()}, objects
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _from_world(name: str):
    @pytest.fixture(name=name)
    def fixture(world):
        model, pk = world[0][name]
        return model.objects.get(pk=pk)

    return fixture


# The role fixtures (`student`, `faculty`, ...) of this module: the world's people, read fresh.
for _name in CAST:
    globals()[f"_{_name}"] = _from_world(_name)


@pytest.fixture
def objects(world) -> dict[str, int | str]:
    made = world[1]
    return {**made, **check_in_codes(Event.objects.get(pk=made["event"]))}


def check_in_codes(event: Event) -> dict[str, str]:
    """The event's check-in code now (it turns over every 30 seconds) and one that is not."""
    code = event_services.current_code(event)
    return {"code": code, "bad_code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"}


def _career_objects(student, faculty) -> tuple[Any, Any, Any]:
    software = Specialty.objects.create(name="Software engineering")
    reviewer = Reviewer.objects.create(user=faculty, kind=Reviewer.Kind.FACULTY)
    reviewer.specialties.add(software)
    soon = timezone.now() + timedelta(days=2)
    career_services.add_slot(actor=faculty, starts_at=soon, ends_at=soon + timedelta(hours=1))
    later = soon + timedelta(days=1)
    free = career_services.add_slot(
        actor=faculty, starts_at=later, ends_at=later + timedelta(hours=1)
    )
    request = career_services.request_review(
        actor=student.user, target_role="Analyst", specialty_id=software.pk, resume=evidence("pdf")
    )
    career_services.confirm_request(actor=faculty, request_id=request.pk)
    return request, free, reviewer


def request_as(
    request: pytest.FixtureRequest, client_as: Any, role: str, method: str, url: str
) -> Any:
    who = None if role == ANONYMOUS else request.getfixturevalue(role)
    client = client_as(who)
    headers = HX if method.startswith("HX ") else {}
    send = client.get if method.endswith("GET") else client.post
    return send(url, **headers)


@pytest.mark.parametrize(("name", "kwargs", "method", "role", "expected"), MATRIX)
def test_url_answers_role_with_expected_status(
    request, client_as, objects, name, kwargs, method, role, expected
):
    url = reverse(f"portal:{name}", kwargs={k: objects[v] for k, v in kwargs.items()})
    response = request_as(request, client_as, role, method, url)
    if method.startswith("HX ") and expected == 302 and role == ANONYMOUS:
        # htmx is told to load the sign-in page whole (HtmxSignInRedirectMiddleware).
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith(f"{LOGIN}?next=")
        return
    assert response.status_code == expected
    if expected == 302:
        # Anonymous visitors go to the login page and come back; nobody else is sent there.
        if role == ANONYMOUS and name not in PUBLIC_REDIRECTS:
            assert response["Location"].startswith(f"{LOGIN}?next=")
        else:
            assert not response["Location"].startswith(LOGIN)


def test_every_portal_url_is_in_the_matrix():
    names = {pattern.name for pattern in portal_urls.urlpatterns}
    assert None not in names, "every portal URL needs a name"
    assert names == {name for name, _kwargs, _method, _statuses in TABLE}


def test_every_row_covers_every_role():
    for name, _kwargs, method, statuses in TABLE:
        assert set(ROLES) <= set(statuses), f"{method} {name} misses a role"


def test_leaderboard_asks_anonymous_visitors_to_sign_in_when_not_public(client_as, settings):
    settings.UPAS_PUBLIC_LEADERBOARD = False
    response = client_as(None).get(reverse("portal:leaderboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_leaderboard_stays_open_to_students_when_not_public(client_as, student, settings):
    settings.UPAS_PUBLIC_LEADERBOARD = False
    assert client_as(student).get(reverse("portal:leaderboard")).status_code == 200


def test_reversing_an_unknown_entry_is_not_found(client_as, admin):
    url = reverse("portal:transaction-reverse", kwargs={"pk": 999_999})
    assert client_as(admin).post(url).status_code == 404


def test_changing_the_role_of_an_unknown_user_is_not_found(client_as, admin):
    url = reverse("portal:user-role", kwargs={"pk": 999_999})
    assert client_as(admin).post(url, {"role": Role.FACULTY}).status_code == 404


@pytest.mark.parametrize("name", ["category-edit", "category-toggle"])
def test_unknown_category_is_not_found(client_as, admin, name):
    url = reverse(f"portal:{name}", kwargs={"pk": 999_999})
    assert client_as(admin).post(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [("reward-edit", "get"), ("reward-toggle", "post"), ("redemption-decide", "post")],
)
def test_unknown_reward_or_redemption_is_not_found_for_admins(client_as, admin, name, method):
    url = reverse(f"portal:{name}", kwargs={"pk": 999_999})
    assert getattr(client_as(admin), method)(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("reward-detail", "get"),
        ("reward-action", "get"),
        ("reward-redeem", "post"),
        ("redemption-cancel", "post"),
    ],
)
def test_unknown_reward_or_redemption_is_not_found_for_students(client_as, student, name, method):
    url = reverse(f"portal:{name}", kwargs={"pk": 999_999})
    assert getattr(client_as(student), method)(url, **HX).status_code == 404


def test_another_students_cancel_leaves_the_redemption_pending_and_unrefunded(
    client_as, objects, other_student
):
    before = ledger_total()
    url = reverse("portal:redemption-cancel", kwargs={"pk": objects["redemption"]})
    assert client_as(other_student).post(url, **HX).status_code == 404
    assert Redemption.objects.get(pk=objects["redemption"]).status == Redemption.Status.PENDING
    assert ledger_total() == before


def test_scanning_a_valid_code_sends_anonymous_visitors_to_sign_in_then_check_in(
    client_as, objects
):
    url = reverse("portal:event-scan", kwargs={"pk": objects["event"], "code": objects["code"]})
    client = client_as(None)
    response = client.get(url)
    checkin = reverse("portal:event-checkin", kwargs={"pk": objects["event"]})
    assert response["Location"] == f"{LOGIN}?next={checkin}"
    assert client.session["upas_pending_scan"]["e"] == objects["event"]


def test_scanning_an_unknown_event_says_the_code_expired(client_as):
    url = reverse("portal:event-scan", kwargs={"pk": 999_999, "code": "ABCDEF"})
    assert client_as(None).get(url).status_code == 400


def test_another_faculty_members_screen_does_not_show_the_code(client_as, objects, other_faculty):
    url = reverse("portal:event-screen", kwargs={"pk": objects["event"]})
    response = client_as(other_faculty).get(url)
    assert response.status_code == 404
    assert objects["code"] not in response.content.decode()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("event-detail", "get"),
        ("event-places", "get"),
        ("event-checkin", "post"),
        ("event-screen", "get"),
        ("event-attendance", "get"),
        ("event-status", "post"),
    ],
)
def test_unknown_event_is_not_found(client_as, admin, name, method):
    url = reverse(f"portal:{name}", kwargs={"pk": 999_999})
    assert getattr(client_as(admin), method)(url).status_code == 404


def test_another_students_withdrawal_leaves_the_claim_pending(client_as, objects, other_student):
    url = reverse("portal:claim-withdraw", kwargs={"pk": objects["claim"]})
    assert client_as(other_student).post(url, **HX).status_code == 404
    assert ActivityClaim.objects.get(pk=objects["claim"]).status == ActivityClaim.Status.PENDING


def test_a_student_cannot_decide_their_own_claim(client_as, objects, student):
    before = ledger_total()
    url = reverse("portal:review-decide", kwargs={"kind": "claim", "pk": objects["claim"]})
    assert client_as(student).post(url, {"decision": "approve"}).status_code == 403
    assert ledger_total() == before


@pytest.mark.parametrize(
    ("name", "kwargs", "method"),
    [
        ("claim-withdraw", {"pk": 999_999}, "post"),
        ("claim-evidence", {"pk": 999_999}, "get"),
        ("task-detail", {"pk": 999_999}, "get"),
        ("task-claim", {"pk": 999_999}, "post"),
        ("task-submit", {"pk": 999_999}, "post"),
        ("task-abandon", {"pk": 999_999}, "post"),
        ("task-file", {"pk": 999_999}, "get"),
    ],
)
def test_unknown_claims_and_tasks_are_not_found_for_students(
    client_as, student, name, kwargs, method
):
    url = reverse(f"portal:{name}", kwargs=kwargs)
    assert getattr(client_as(student), method)(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "kwargs", "method"),
    [
        ("task-edit", {"pk": 999_999}, "get"),
        ("claim-evidence", {"pk": 999_999}, "get"),
        ("review-decide", {"kind": "claim", "pk": 999_999}, "post"),
        ("review-decide", {"kind": "task", "pk": 999_999}, "post"),
        ("review-decide", {"kind": "draw", "pk": 1}, "post"),
    ],
)
def test_unknown_claims_and_tasks_are_not_found_for_reviewers(
    client_as, admin, name, kwargs, method
):
    url = reverse(f"portal:{name}", kwargs=kwargs)
    assert getattr(client_as(admin), method)(url).status_code == 404
