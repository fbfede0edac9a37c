"""Demo data for resume reviews (called once from seed_demo): specialties, two reviewers (the
demo faculty member, and the demo admin as career staff), a week of their slots, and requests
in every state, made through the services with the clock moved back for the past ones. The
demo student (student@upas.test) has a scheduled session, a review to rate, a rated one and a
cancelled one; other students fill the other states."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from portal.models import Reviewer, ReviewRequest, Specialty, StudentProfile, User
from portal.services import career
from portal.uploads import check_evidence

SPECIALTIES = [
    "Software engineering",
    "Data and analytics",
    "Finance",
    "Marketing",
    "Mechanical engineering",
]


@contextmanager
def _at(when: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def _resume(name: str, role: str) -> Any:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"Resume - {name}")
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(60, 780, name)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(60, 758, f"Aiming for: {role}")
    lines = [
        ("Education", "BSc, University of Demo (expected 2027)"),
        ("Experience", "Teaching assistant, intro programming; summer intern"),
        ("Projects", "Campus events app; robotics club line follower"),
        ("Skills", "Python, SQL, spreadsheets, public speaking"),
    ]
    y = 720
    for title, text in lines:
        pdf.setFont("Helvetica-Bold", 13)
        pdf.drawString(60, y, title)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(60, y - 16, text)
        y -= 50
    pdf.showPage()
    pdf.save()
    return check_evidence(SimpleUploadedFile("resume.pdf", out.getvalue()))


def _ask(student: User, role: str, field: Specialty, when: datetime, **extra: Any) -> ReviewRequest:
    with _at(when):
        return career.request_review(
            actor=student,
            target_role=role,
            specialty_id=field.pk,
            resume=_resume(student.name, role),
            **extra,
        )


def _slot(reviewer: User, starts: datetime, minutes: int = 45, *, at: datetime) -> None:
    with _at(at):
        career.add_slot(
            actor=reviewer, starts_at=starts, ends_at=starts + timedelta(minutes=minutes)
        )


FEEDBACK = {
    "strengths": "Clear structure and a strong projects section; the club work shows initiative.",
    "improvements": "Lead each bullet with a result (numbers where you can) and cut the "
    "objective line; one page is enough.",
}


def seed_career(*, students: list[StudentProfile], faculty: User, admin: User, quiet: Any) -> None:
    """Everything above, once (nothing when any reviewer exists), with `quiet` (seed_demo's
    in-process dummy mail) around it."""
    if Reviewer.objects.exists() or len(students) < 6:
        return
    with quiet, transaction.atomic():
        _seed(students, faculty, admin)


def _seed(students: list[StudentProfile], faculty: User, admin: User) -> None:
    fields = {name: Specialty.objects.get_or_create(name=name)[0] for name in SPECIALTIES}
    software, data, finance, marketing, mechanical = (fields[n] for n in SPECIALTIES)
    career.save_reviewer(
        actor=admin,
        email=faculty.email,
        kind=Reviewer.Kind.FACULTY,
        headline="Lecturer in computer science, former software engineer",
        specialty_ids=[software.pk, data.pk],
    )
    career.save_reviewer(
        actor=admin,
        email=admin.email,
        kind=Reviewer.Kind.CAREER_STAFF,
        headline="Careers office adviser",
        specialty_ids=[finance.pk, marketing.pk, data.pk],
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # Past sessions in working hours (10:00 local time), whatever the hour the seed runs at.
    today = timezone.localtime(now).replace(hour=10)
    day = timedelta(days=1)
    active = User.objects.filter(pk__in=[s.user_id for s in students], is_active=True)
    ids = set(active.filter(role="student").values_list("pk", flat=True))
    me, *others = [s.user for s in students if s.user_id in ids][:6]
    bea, carl, dina, eli, fay = others

    # The demo student's past: a review completed and rated, one completed to rate, and one
    # cancelled.
    start = today - 30 * day
    _slot(faculty, start + 2 * day, at=start)
    first = _ask(me, "Software engineering intern", software, start, preferred_times="Mornings")
    with _at(start + day):
        career.confirm_request(actor=faculty, request_id=first.pk)
    with _at(start + 2 * day + timedelta(hours=1)):
        career.complete_review(
            actor=faculty,
            request_id=first.pk,
            score_content=3,
            score_format=4,
            score_impact=3,
            **FEEDBACK,
        )
    with _at(start + 3 * day):
        career.rate_review(actor=me, request_id=first.pk, rating=5, comment="Very concrete advice.")
    start = today - 15 * day
    _slot(admin, start + 3 * day, at=start)
    dropped = _ask(me, "Data analyst", data, start)
    with _at(start + day):
        career.cancel_request(actor=me, request_id=dropped.pk, reason="Exam moved to that day.")
    start = today - 8 * day
    _slot(admin, start + 2 * day, at=start)
    second = _ask(me, "Junior data analyst", data, start + timedelta(hours=1))
    with _at(start + day):
        career.confirm_request(actor=admin, request_id=second.pk)
    with _at(start + 2 * day + timedelta(hours=1)):
        career.complete_review(
            actor=admin,
            request_id=second.pk,
            score_content=4,
            score_format=4,
            score_impact=5,
            strengths="Numbers on every line; the SQL project is a great talking point.",
            improvements="Add a link to the project's repository and trim the hobbies.",
        )

    # Another student missed their session three days ago (barred for four more days).
    start = today - 6 * day
    _slot(faculty, start + 3 * day, at=start)
    missed = _ask(bea, "Backend developer", software, start)
    with _at(start + day):
        career.confirm_request(actor=faculty, request_id=missed.pk)
    with _at(start + 3 * day + timedelta(hours=1)):
        career.mark_no_show(actor=faculty, request_id=missed.pk)

    # A session that took place yesterday afternoon and waits for the faculty member's feedback.
    start = today - 3 * day
    _slot(faculty, today - day + timedelta(hours=5), at=start)
    held = _ask(carl, "Machine learning intern", data, start)
    with _at(start + day):
        career.confirm_request(actor=faculty, request_id=held.pk)

    # A week of availability from tomorrow, then live requests: the demo student's is
    # scheduled, one waits for the faculty member's confirmation, one was declined by every
    # reviewer of its field, and one waits for a mechanical engineering reviewer.
    for d in range(1, 8):
        base = (now + d * day).replace(hour=10)
        if base.weekday() < 5:
            _slot(faculty, base, at=now)
            _slot(faculty, base + timedelta(hours=4), at=now)
            _slot(admin, base + timedelta(hours=1), minutes=30, at=now)
    upcoming = _ask(
        me, "Software engineering intern", software, now, notes="Second round: new projects."
    )
    career.confirm_request(actor=faculty, request_id=upcoming.pk)
    _ask(dina, "Frontend developer", software, now, preferred_times="Afternoons")
    refused = _ask(eli, "Brand marketing assistant", marketing, now)
    career.decline_request(
        actor=admin, request_id=refused.pk, reason="Outside what I can judge well this term."
    )
    _ask(fay, "Design engineer", mechanical, now, preferred_times="Any weekday")
