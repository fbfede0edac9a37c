"""The accessibility sweep's page list stays complete (no browser needed): every page a role
can open is swept or has a stated reason not to be, including allauth's own pages."""

from __future__ import annotations

from django.urls import get_resolver

from tests.browser.axe import Finding, Report
from tests.browser.pages import ACCOUNT_NOT_PAGES, ACCOUNT_PAGES, NOT_PAGES, ROLES, pages_for
from tests.test_permissions import TABLE


def allauth_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace != "admin":  # Django's admin has account_* names too
                    walk(pattern.url_patterns)
            elif pattern.name and pattern.name.startswith(("account_", "mfa_")):
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_account_url_is_swept_or_explained():
    assert allauth_names() == set(ACCOUNT_PAGES) | set(ACCOUNT_NOT_PAGES)
    assert not set(ACCOUNT_PAGES) & set(ACCOUNT_NOT_PAGES)


def test_what_is_left_out_is_still_a_page_someone_opens():
    """A name in NOT_PAGES that no role opens with GET any more is stale."""
    opened = {
        name
        for name, _kwargs, method, statuses in TABLE
        if method == "GET" and 200 in statuses.values()
    }
    assert set(NOT_PAGES) <= opened


def test_every_role_has_its_pages():
    swept = {role: {spec.name for spec in pages_for(role)} for role in ROLES}
    assert {"leaderboard", "draw-verify", "account:account_login"} <= swept["anonymous"]
    assert {"dashboard", "rewards", "claim-create", "my-redemptions"} <= swept["student"]
    assert {"dashboard", "award", "reviews", "event-attendance"} <= swept["faculty"]
    assert {"redemption-queue", "audit-log", "reports", "draw-screen"} <= swept["admin"]
    assert not any(name in NOT_PAGES for names in swept.values() for name in names)


def test_the_report_lists_moderate_and_minor_findings_by_rule():
    report = Report()
    node = {"target": "#x", "html": "<p>", "summary": "Fix it"}
    report.findings = [
        Finding("student /a/ @1280", "region", "moderate", "Content in landmarks", [node]),
        Finding("student /b/ @375", "region", "moderate", "Content in landmarks", [node]),
        Finding("admin /c/ @375", "color-contrast", "serious", "Contrast", [node, node]),
    ]
    assert report.counts()["moderate"] == 2 and report.counts()["serious nodes"] == 2
    assert report.summary() == (
        "[moderate] region: Content in landmarks — 2 page(s), e.g. student /a/ @1280"
    )
    assert "[serious] color-contrast (Contrast) on admin /c/ @375: 2 node(s)" in report.text(
        "serious"
    )
