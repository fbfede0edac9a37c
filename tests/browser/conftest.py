"""Playwright against pytest-django's live_server, in Debian's chromium (no browser download).

Without /usr/bin/chromium these tests skip on a developer machine; under CI (CI=true) a missing
browser is an error instead, so a skip can never hide a broken run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_permissions import build_objects

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = (
    Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "artifacts"))
    / "browser"
)

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls from
# it unless told this is deliberate. Only the browser tests need it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            f"CI needs chromium at {CHROMIUM} for the browser tests (apt-get install chromium)"
        )
    skip = pytest.mark.skip(
        reason=f"no chromium at {CHROMIUM}: apt-get install chromium to run browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def objects(student, other_student, faculty, admin, partner, category, give, club, officer):
    """The URL x role matrix's objects (every URL's kwargs), made for this test: the sweep
    runs against a live server, outside the matrix module's shared transaction."""
    return build_objects(
        student, other_student, faculty, admin, partner, category, give, club, officer
    )


@pytest.fixture
def sweep_objects(request, student, other_student, faculty, admin, category, give):
    """The permission matrix's objects (every URL's kwargs), plus what makes the pages show
    their variety: more students on the leaderboard, a PDF claim, decided claims and
    redemptions, notifications for staff; for the partner, a session and a sponsored reward."""
    from portal.models import ReviewRequest
    from tests.claims.helpers import make_claim
    from tests.factories import RewardFactory
    from tests.partners.helpers import make_session

    matrix = request.getfixturevalue("objects")
    give(other_student, 35, actor=faculty, category=category)
    make_claim(other_student, category, 15, kind="pdf")
    partner = request.getfixturevalue("partner")
    make_session(partner.reviewer, student.user, status=ReviewRequest.Status.CONFIRMED)
    make_session(partner.reviewer, student.user, status=ReviewRequest.Status.COMPLETED, rating=5)
    RewardFactory(sponsor=partner.reviewer.company, name="Workshop seat")
    return {
        **matrix,
        "users": {
            "student": student.user,
            "faculty": faculty,
            "admin": admin,
            "partner": partner,
        },
    }
