"""Academic years as the portal names them ("2026/27"). Pure: no models, no settings."""

from __future__ import annotations

import re
from datetime import date

ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def academic_year_of(day: date, *, start_month: int) -> str:
    """The academic year `day` falls in, when academic years start on the first of
    `start_month`: with September, 2027-07-01 is in "2026/27" and 2027-09-01 in "2027/28"."""
    first = day.year if day.month >= start_month else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def is_academic_year(label: str) -> bool:
    """ "2026/27" is; "2026/28", "2026-27" and "26/27" are not."""
    match = ACADEMIC_YEAR.match(label)
    return bool(match) and (int(match[1]) + 1) % 100 == int(match[2])
