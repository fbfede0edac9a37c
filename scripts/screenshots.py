"""Screenshot the main pages of a running portal for every demo role, at desktop and phone width.

    python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Uses Debian's chromium through Playwright (no browser download). The README's screenshots are
made with this script against `make run`'s demo data."""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    None: ["/accounts/login/", "/accounts/signup/", "/leaderboard/"],
    "student": [
        "/",
        "/history/",
        "/leaderboard/",
        "/settings/",
        "/rewards/",
        "/rewards/mine/",
        "/events/",
        "/events/4/",
        "/draws/",
        "/draws/2/",
        "/draws/4/",
        "/draws/2/verify/",
        "/notifications/",
        "/tasks/",
        "/claims/",
        "/claims/new/",
        "/clubs/",
        "/clubs/robotics/",
        "/events/8/",
    ],
    # A student who is an officer of the Robotics Club (its build night is event 8, its intro
    # session last week event 7).
    "officer": [
        "/clubs/robotics/",
        "/events/new/?club=1",
        "/events/7/",
        "/events/8/",
        "/events/8/registrations/",
        "/events/8/attendance/",
    ],
    "faculty": [
        "/",
        "/award/bulk/",
        "/history/",
        "/events/",
        "/events/new/",
        "/events/3/attendance/",
        "/reviews/",
        "/tasks/",
        "/tasks/new/",
    ],
    "admin": [
        "/",
        "/staff/people/",
        "/staff/categories/",
        "/staff/categories/new/",
        "/staff/redemptions/",
        "/staff/rewards/",
        "/staff/rewards/new/",
        "/draws/",
        "/draws/new/",
        "/draws/1/",
        "/draws/3/",
        "/draws/3/screen/",
        "/draws/1/screen/",
        "/staff/audit/",
        "/staff/people/import/",
        "/clubs/",
        "/clubs/new/",
        "/clubs/robotics/officers/",
    ],
}
WIDTHS = {"desktop": 1280, "phone": 375}


def login(page: Page, base: str, role: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", f"{role}@upas.test")
    page.fill("input[name=password]", "upas-demo")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="artifacts/screenshots")
    parser.add_argument(
        "--only", default="", help="comma-separated roles (anonymous, student, ...)"
    )
    parser.add_argument("--match", default="", help="only paths containing this text")
    parser.add_argument(
        "--language",
        default="",
        help="the browser's language (ar: the Arabic pages, right to left)",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for role, paths in PAGES.items():
            name = role or "anonymous"
            if only and name not in only:
                continue
            for label, width in WIDTHS.items():
                # Reduced motion: pages are captured in their final state, not mid-animation.
                context = browser.new_context(
                    viewport={"width": width, "height": 900},
                    reduced_motion="reduce",
                    locale=args.language or None,
                )
                page = context.new_page()
                if role:
                    login(page, args.base, role)
                for path in paths:
                    if args.match not in path:
                        continue
                    page.goto(args.base + path)
                    slug = path.strip("/").replace("/", "-") or "dashboard"
                    suffix = f"-{args.language}" if args.language else ""
                    target = out / f"{name}-{slug}-{label}{suffix}.png"
                    page.screenshot(path=str(target), full_page=True, caret="initial")
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
