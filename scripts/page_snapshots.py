"""Render every GET page and htmx partial for every demo role and save the HTML, so that a
refactor can prove it changed no page: take a snapshot before, one after, and compare.

    python scripts/page_snapshots.py take /tmp/before      # on the demo data (make run's)
    python scripts/page_snapshots.py take /tmp/after
    python scripts/page_snapshots.py compare /tmp/before /tmp/after

Pages come from portal/urls.py: every named URL, with its arguments filled from the demo data
(the first object of each kind), as anonymous, student, faculty and admin, plain and as htmx.
What changes from one request to the next (CSRF tokens, form keys, the rotating check-in code
and its QR code) is masked, and runs of whitespace between tags are collapsed when comparing,
so only a real difference in a page shows up. With `--dom`, markup is compared as a browser
reads it (attribute values and text with their whitespace collapsed), for a change that only
lays templates out across lines."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")

MASKS = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
        'name="csrfmiddlewaretoken" value="*"',
    ),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "*"'),
    (re.compile(r'(name="(?:idempotency_key|key)"[^>]*value=")[^"]+"'), r'\1*"'),
    (re.compile(r'(value=")[0-9a-f]{32}(")'), r"\1*\2"),
    (re.compile(r"<svg\b[^>]*>.*?</svg\s*>", re.S), "<svg/>"),
    (re.compile(r'id="screen-code"[^>]*>[A-Z0-9]{6}<'), 'id="screen-code">*<'),
    (re.compile(r'data-countdown="\d+"[^>]*>\d+<'), 'data-countdown="*">*<'),
    # naturaltime ("3 minutes ago", "1 day, 2 hours ago"): moves with the clock.
    (re.compile(r"\b\d+[\s\xa0]\w+(?:,[\s\xa0]\d+[\s\xa0]\w+)?[\s\xa0]ago\b"), "* ago"),
    (re.compile(r'(type="datetime-local" name="\w+" value=")[^"]+"'), r'\1*"'),
    (re.compile(r"\?t=[\w:.-]+"), "?t=*"),
]
WHITESPACE = re.compile(r">\s+<")
ROLES = {
    "anonymous": None,
    "student": "student@upas.test",
    "faculty": "faculty@upas.test",
    "admin": "admin@upas.test",
}
# URLs whose GET changes something or streams a file: not pages.
SKIP = {"healthz"}


def arguments() -> dict[str, object]:
    """A value for every URL argument name, from the demo data."""
    from portal.models import (
        ActivityClaim,
        Category,
        Draw,
        DrawWinner,
        Event,
        Notification,
        Redemption,
        Reward,
        Task,
        TaskAssignment,
        Transaction,
        User,
    )
    from portal.services.events import current_code

    def first(model, **filters):
        return model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()

    event = Event.objects.filter(status="published").order_by("pk").first()
    return {
        "event": first(Event),
        "reward": first(Reward),
        "redemption": first(Redemption),
        "draw": first(Draw),
        "winner": first(DrawWinner),
        "notification": first(Notification),
        "category": first(Category),
        "task": first(Task),
        "assignment": first(TaskAssignment),
        "claim": first(ActivityClaim),
        "transaction": first(Transaction),
        "user": first(User),
        "code": current_code(event) if event else "ABCDEF",
    }


def url_list() -> list[tuple[str, str]]:
    """(name, path) for every portal URL whose arguments can be filled."""
    from django.urls import reverse

    from portal import urls as portal_urls

    values = arguments()
    # The most specific noun first: "tasks/assignments/<pk>/" is an assignment, not a task.
    guesses = {
        "assignment": "assignment",
        "redemption": "redemption",
        "notification": "notification",
        "transaction": "transaction",
        "prize": "winner",
        "claim": "claim",
        "event": "event",
        "reward": "reward",
        "draw": "draw",
        "task": "task",
        "categor": "category",
        "people": "user",
    }
    found = []
    for pattern in portal_urls.urlpatterns:
        name = pattern.name
        if name in SKIP:
            continue
        params = list(pattern.pattern.converters)
        kwargs: dict[str, object] = {}
        for param in params:
            if param == "code":
                kwargs[param] = values["code"]
            elif param == "kind":
                kwargs[param] = "claim"
            else:
                where = f"{name} {pattern.pattern}"
                noun = next((guesses[n] for n in guesses if n in where), "")
                kwargs[param] = values.get(noun) or 1
        try:
            found.append((name, reverse(f"portal:{name}", kwargs=kwargs)))
        except Exception as exc:  # a URL we cannot build is reported, not hidden
            print(f"skipped {name}: {exc}", file=sys.stderr)
    return found


def take(out: Path) -> None:
    import django

    django.setup()
    from django.test import Client

    from portal.models import User

    out.mkdir(parents=True, exist_ok=True)
    pages = url_list()
    for role, email in ROLES.items():
        client = Client(raise_request_exception=False)
        if email:
            client.force_login(User.objects.get(email=email))
        for name, path in pages:
            for mode, headers in (("page", {}), ("htmx", {"HTTP_HX_REQUEST": "true"})):
                response = client.get(path, **headers)
                raw = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                body = raw.decode("utf-8", "replace")
                if response.get("Content-Type", "").startswith("text/csv"):
                    body = body[:2000]
                record = f"{response.status_code} {response.get('Location', '')}\n{body}"
                (out / f"{role}--{name}--{mode}.html").write_text(record)
    print(f"{len(pages)} URLs x {len(ROLES)} roles x 2 modes -> {out}")


def normalise(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return WHITESPACE.sub("><", text).strip()


class _Canonical(HTMLParser):
    """The document as a browser reads it, whitespace aside: tags with their attributes in
    order of name and each value's runs of spaces collapsed, and text with its runs of spaces
    collapsed (whitespace-only text between tags dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pairs = sorted((k, " ".join((v or "").split())) for k, v in attrs)
        self.out.append(f"<{tag} " + " ".join(f'{k}="{v}"' for k, v in pairs) + ">")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.out.append(text)


def canonical(text: str) -> str:
    """`normalise`, then the markup as the browser sees it (for template layout changes)."""
    parser = _Canonical()
    parser.feed(normalise(text))
    return "\n".join(parser.out)


def compare(before: Path, after: Path, *, dom: bool = False) -> int:
    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    differ = 0
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"only in one snapshot: {name}")
            differ += 1
            continue
        shape = canonical if dom else normalise
        left, right = shape(a.read_text()), shape(b.read_text())
        if left != right:
            differ += 1
            print(f"DIFFERS: {name}")
            diff = difflib.unified_diff(
                left.replace("><", ">\n<").splitlines(),
                right.replace("><", ">\n<").splitlines(),
                lineterm="",
                n=1,
            )
            for line in list(diff)[:30]:
                print("   ", line[:200])
    print(f"{len(names)} responses compared, {differ} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    take_parser = sub.add_parser("take")
    take_parser.add_argument("out", type=Path)
    compare_parser = sub.add_parser("compare")
    compare_parser.add_argument("before", type=Path)
    compare_parser.add_argument("after", type=Path)
    compare_parser.add_argument(
        "--dom",
        action="store_true",
        help="compare the markup as a browser reads it (whitespace inside tags and text "
        "collapsed): for changes that only lay templates out",
    )
    args = parser.parse_args()
    if args.command == "take":
        take(args.out)
        return 0
    return compare(args.before, args.after, dom=args.dom)


if __name__ == "__main__":
    raise SystemExit(main())
