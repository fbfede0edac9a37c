"""What a certificate costs to issue (issue 20): signing, the certificate PDF, a four-year
transcript PDF (40 events, 30 approved activities) and the Open Badge JWT, each repeated.

    .venv/bin/python bench/certificates.py             # 200 of each
    .venv/bin/python bench/certificates.py --count 50

No database: the documents are built here as the issuing services build them, signed with a
key made for the run. Prints p50, p95 and max of the wall-clock time per operation, and the
median CPU time of this process (the difference is the machine's other work: the wall-clock
figures of a busy machine overstate the cost)."""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERIFY_URL = "https://points.example.edu/verify/{code}/"
ISSUER = {"name": "University of Fjordland", "url": "https://points.example.edu/"}
CATEGORIES = ["Workshops", "Community service", "Sports", "Arts and culture", "Research"]
EVENTS = [
    "AI Workshop: machine learning for beginners",
    "Career fair",
    "Inter-faculty debate final",
    "Robotics open day",
    "Blood donation drive",
    "Hackathon weekend",
    "Guest lecture: the ethics of data",
    "Orientation week volunteers' briefing",
]


def certificate_document(code: str) -> dict[str, Any]:
    return {
        "type": "certificate",
        "version": 1,
        "code": code,
        "verify_url": VERIFY_URL.format(code=code),
        "issuer": ISSUER,
        "holder": {"name": "Zoë Åsa Müller-Straße"},
        "title": "Attended: AI Workshop: machine learning for beginners",
        "description": "A hands-on afternoon building and evaluating small models.",
        "source": "event",
        "category": "Workshops",
        "points": 20,
        "activity_date": "2026-03-12",
        "issued_at": "2026-03-13T09:30:00Z",
        "issued_by": "Dr Amélie Durand",
    }


def transcript_document(code: str, rng: random.Random) -> dict[str, Any]:
    """Four academic years of 10 events each and 30 approved activities in all."""
    years = []
    for index in range(4):
        start = date(2022 + index, 9, 15)
        events = [
            {
                "title": rng.choice(EVENTS),
                "date": (start + timedelta(days=20 * number)).isoformat(),
                "category": rng.choice(CATEGORIES),
                "points": rng.choice([5, 10, 15, 20]),
            }
            for number in range(10)
        ]
        items: dict[str, list[dict[str, Any]]] = {}
        for number in range(8 if index < 2 else 7):  # 8 + 8 + 7 + 7 = 30
            items.setdefault(rng.choice(CATEGORIES), []).append(
                {
                    "title": f"Volunteering at the {rng.choice(EVENTS).lower()}",
                    "date": (start + timedelta(days=25 * number + 3)).isoformat(),
                    "points": rng.choice([5, 10, 25]),
                    "kind": rng.choice(["claim", "task"]),
                }
            )
        activities = [
            {"category": category, "points": sum(i["points"] for i in group), "items": group}
            for category, group in sorted(items.items())
        ]
        years.append(
            {
                "year": f"{start.year}–{(start.year + 1) % 100:02d}",
                "points": sum(e["points"] for e in events) + sum(a["points"] for a in activities),
                "events": events,
                "activities": activities,
            }
        )
    return {
        "type": "transcript",
        "version": 1,
        "code": code,
        "verify_url": VERIFY_URL.format(code=code),
        "issuer": ISSUER,
        "holder": {"name": "Zoë Åsa Müller-Straße"},
        "issued_at": "2026-03-13T09:30:00Z",
        "total_points": sum(year["points"] for year in years),
        "level": {"number": 4, "name": "Gold"},
        "badges": [
            {"name": name, "earned_on": f"202{n}-11-0{n + 1}"}
            for n, name in enumerate(["First steps", "Regular", "Volunteer", "Centurion"])
        ],
        "clubs": [
            {"name": "Chess club", "position": "Treasurer", "since": "2023-09-15"},
            {"name": "Robotics society", "position": "Member", "since": "2022-10-01"},
            {"name": "Debating union", "position": "President", "since": "2024-09-20"},
        ],
        "years": years,
    }


def timed(operation: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of `count` calls, after one untimed call."""
    operation()
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        operation()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="runs of each operation")
    arguments = parser.parse_args()

    sys.path[0] = str(ROOT)  # the repository, not bench/, first: bench/ must not shadow a module
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.development"
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bench.pages import percentile
    from portal.documents import open_badges, pdf
    from portal.domain import signing

    rng = random.Random(20)
    key = Ed25519PrivateKey.generate()
    keys = {signing.key_id(key.public_key()): key.public_key()}
    certificate = certificate_document("Xy3kP0aQ9zLmN4bV7cR2tW8eY1uI5oPa")
    transcript = transcript_document("Tq8sR2mK5vX0bN7cL4wE9yU1iO3pA6dF", rng)
    signed_certificate = signing.sign(key, certificate)
    signed_transcript = signing.sign(key, transcript)

    # The outputs are checked once, so the figures are of work that is right.
    certificate_pdf = pdf.certificate_pdf(signed_certificate)
    transcript_pdf = pdf.transcript_pdf(signed_transcript)
    badge = open_badges.credential(certificate)
    if (
        signing.verify(signing.find_in_pdf(certificate_pdf), keys) != certificate
        or signing.verify(signing.find_in_pdf(transcript_pdf), keys) != transcript
        or open_badges.decode(open_badges.encode(badge, key), keys) != badge
    ):
        raise SystemExit("a rendering does not carry what was signed")
    items = sum(
        len(year["events"]) + sum(len(group["items"]) for group in year["activities"])
        for year in transcript["years"]
    )
    pages = len(re.findall(rb"/Type /Page\b", transcript_pdf))
    print(
        f"certificate PDF {len(certificate_pdf) / 1024:.1f} KiB; transcript PDF "
        f"{len(transcript_pdf) / 1024:.1f} KiB, {pages} pages, "
        f"{items} items; {arguments.count} runs each\n"
    )

    operations: list[tuple[str, Callable[[], object]]] = [
        ("sign certificate", lambda: signing.sign(key, certificate)),
        ("sign transcript", lambda: signing.sign(key, transcript)),
        ("certificate PDF", lambda: pdf.certificate_pdf(signed_certificate)),
        ("transcript PDF", lambda: pdf.transcript_pdf(signed_transcript)),
        ("Open Badge JWT", lambda: open_badges.encode(open_badges.credential(certificate), key)),
    ]
    print(f"{'ms':<18}{'p50':>9}{'p95':>9}{'max':>9}{'cpu p50':>10}")
    for name, operation in operations:
        wall, cpu = timed(operation, arguments.count)
        print(
            f"{name:<18}{percentile(wall, 50):>9.2f}{percentile(wall, 95):>9.2f}"
            f"{max(wall):>9.2f}{statistics.median(cpu):>10.2f}"
        )


if __name__ == "__main__":
    main()
