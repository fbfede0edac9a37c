"""Every page of the portal, per role, for the accessibility sweep.

The list is built from the URL x role matrix (tests/test_permissions.py): every row that a role
opens with a plain GET and status 200 is a page that role is swept on, with the same objects.
A new URL must get its rows in the matrix (a test there fails otherwise), and from then on it is
swept here, unless it is named in NOT_PAGES with the reason it is not an HTML page of its own.
The sign-in, account and two-factor pages come from allauth and are listed in ACCOUNT_PAGES;
`test_every_account_url_is_swept_or_explained` fails when allauth grows a page nobody looked at."""

from __future__ import annotations

from dataclasses import dataclass

from tests.test_permissions import ANONYMOUS, TABLE

ROLES = (ANONYMOUS, "student", "faculty", "admin", "partner")

# GET 200 rows that are not pages: files, or fragments that are swept inside the page they load
# into (the header's bell and counts are on every page).
NOT_PAGES: dict[str, str] = {
    "healthz": "plain text for load balancers",
    "history-export": "CSV download",
    "report-departments-csv": "CSV download",
    "report-categories-csv": "CSV download",
    "report-events-csv": "CSV download",
    "report-reviewers-csv": "CSV download",
    "student-import-template": "CSV download",
    "event-attendance-export": "CSV download",
    "event-ics": "iCalendar download",
    "calendar-feed": "iCalendar subscription (a file for calendar applications)",
    "claim-evidence": "the evidence file itself (image or PDF)",
    "task-file": "the submitted file itself (image or PDF)",
    "notification-bell": "fragment: the header bell, on every signed-in page",
    "balance-badge": "fragment: the header balance, on every student page",
    "queue-badge": "fragment: the admin's pending count in the navigation",
    "review-count": "fragment: the reviewers' waiting count in the navigation",
    "award-points-field": "fragment: swapped into the award form (swept in its states)",
    "student-search": "fragment: the award form's search results (swept in its states)",
    "event-student-search": "fragment: the attendance page's search results (swept in its states)",
    "certificate-pdf": "PDF download",
    "certificate-json": "signed JSON download",
    "certificate-badge": "Open Badge (VC-JWT) download",
    "transcript-pdf": "PDF download",
    "transcript-json": "signed JSON download",
    "jwks": "the public keys as JSON",
    "certificate-batch-status": "fragment: a bulk issue's progress row, polled on its page",
    "career-resume": "the resume file itself (PDF)",
    "career-session-ics": "iCalendar download",
}
# Not listed above because no role GETs it (so the sweep never picks it): the Discord bot's
# `discord-interactions`, JSON for Discord's servers, POST only (GET answers 405).

# allauth's pages (not portal URLs, so not in the matrix): (url name, who opens them). Those left
# out are explained in ACCOUNT_NOT_PAGES.
ACCOUNT_PAGES: dict[str, tuple[str, ...]] = {
    "account_login": (ANONYMOUS,),
    "account_signup": (ANONYMOUS,),
    "account_reset_password": (ANONYMOUS,),
    "account_reset_password_done": (ANONYMOUS,),
    "account_email_verification_sent": (ANONYMOUS,),
    "account_inactive": (ANONYMOUS,),
    "account_email": ("student",),
    "account_change_password": ("student",),
    "mfa_index": ("admin",),
    "mfa_activate_totp": ("admin",),
}
ACCOUNT_NOT_PAGES: dict[str, str] = {
    "account_logout": "a POST from the account menu (GET shows the same confirm form as login)",
    "account_reauthenticate": "asks for the password again, like the sign-in form",
    "account_set_password": "only for users without a password; redirects everyone else",
    "account_confirm_login_code": "login by code is off",
    "account_confirm_email": "needs a mailed key; swept through the expired-link page below",
    "account_reset_password_from_key": "needs a mailed key; swept through the bad-link page",
    "account_reset_password_from_key_done": "a one-line confirmation in the entrance layout",
    "mfa_authenticate": "only inside a sign-in with a second factor",
    "mfa_reauthenticate": "only inside a sensitive action with a second factor",
    "mfa_deactivate_totp": "needs an authenticator; same form layout as activation",
    "mfa_view_recovery_codes": "needs an authenticator",
    "mfa_generate_recovery_codes": "needs an authenticator",
    "mfa_download_recovery_codes": "a text file",
}
# Pages reached by a path rather than a name: error pages and links that went stale.
OTHER_PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("page not found", "/no-such-page/", (ANONYMOUS, "student")),
    ("expired email confirmation", "/accounts/confirm-email/bad-key/", (ANONYMOUS,)),
    ("expired password reset link", "/accounts/password/reset/key/1-bad-key/", (ANONYMOUS,)),
]


@dataclass(frozen=True)
class PageSpec:
    role: str
    name: str  # URL name, or a description for OTHER_PAGES
    kwargs: tuple[tuple[str, str], ...] = ()  # URL kwarg -> key of the sweep's objects
    path: str = ""  # for OTHER_PAGES

    @property
    def label(self) -> str:
        args = ",".join(v for _k, v in self.kwargs)
        return f"{self.name}({args})" if args else self.name


def portal_pages(role: str) -> list[PageSpec]:
    seen: list[PageSpec] = []
    for name, kwargs, method, statuses in TABLE:
        if method != "GET" or statuses.get(role) != 200 or name in NOT_PAGES:
            continue
        spec = PageSpec(role, name, tuple(sorted(kwargs.items())))
        if spec not in seen:
            seen.append(spec)
    return seen


def pages_for(role: str) -> list[PageSpec]:
    return [
        *portal_pages(role),
        *(PageSpec(role, f"account:{n}") for n, roles in ACCOUNT_PAGES.items() if role in roles),
        *(PageSpec(role, label, path=path) for label, path, roles in OTHER_PAGES if role in roles),
    ]
