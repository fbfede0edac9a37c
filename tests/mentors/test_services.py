"""Mentors and club advisers: assigning them (one at a time and by file, all or nothing), who
may be one, the mentor told of each new claim in their language, and the review queue putting
the reviewer's own students first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.exceptions import BulkError, StudentImportError
from portal.models import (
    ActivityClaim,
    AuditLog,
    ClubMembership,
    Notification,
    Role,
    StudentProfile,
    User,
)
from portal.selectors.reviews import CLUB_MEMBER, MENTEE, OTHER, Mine, list_review_queue
from portal.services import clubs as club_services
from portal.services.clubs import ClubError
from portal.services.mentors import MentorError, assign_mentor, import_mentors
from tests.claims.helpers import make_claim
from tests.factories import StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


def mentor_of(profile: StudentProfile) -> int | None:
    return StudentProfile.objects.get(pk=profile.pk).mentor_id


# --- one at a time ------------------------------------------------------------------------------


def test_an_admin_assigns_changes_and_clears_a_mentor_audited(
    admin, faculty, other_faculty, student
):
    assign_mentor(actor=admin, enrollment_number="cs001", mentor_id=faculty.pk)
    assert mentor_of(student) == faculty.pk
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=other_faculty.pk)
    assert mentor_of(student) == other_faculty.pk
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=None)
    assert mentor_of(student) is None
    audits = list(AuditLog.objects.filter(action="student.mentor").order_by("id"))
    assert [(a.before["mentor"], a.after["mentor"]) for a in audits] == [
        ("", faculty.email),
        (faculty.email, other_faculty.email),
        (other_faculty.email, ""),
    ]


def test_assigning_the_same_mentor_again_changes_and_audits_nothing(admin, faculty, student):
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    assert AuditLog.objects.filter(action="student.mentor").count() == 1


@pytest.mark.parametrize("who", ["faculty", "student_user"])
def test_only_admins_assign_mentors(request, faculty, student, who):
    actor = faculty if who == "faculty" else student.user
    with pytest.raises(MentorError) as caught:
        assign_mentor(actor=actor, enrollment_number="CS001", mentor_id=faculty.pk)
    assert caught.value.code == "forbidden"
    assert mentor_of(student) is None


@pytest.mark.parametrize("who", ["student", "admin", "suspended"])
def test_only_active_faculty_can_be_mentors(admin, student, other_student, who):
    if who == "student":
        candidate = other_student.user
    elif who == "admin":
        candidate = UserFactory(role=Role.ADMIN)
    else:
        candidate = UserFactory(role=Role.FACULTY, is_active=False)
    with pytest.raises(MentorError) as caught:
        assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=candidate.pk)
    assert caught.value.code == "not_faculty"
    assert caught.value.field == "mentor"
    assert mentor_of(student) is None
    assert not AuditLog.objects.filter(action="student.mentor").exists()


def test_an_unknown_enrollment_number_is_refused_beside_the_field(admin, faculty):
    with pytest.raises(MentorError) as caught:
        assign_mentor(actor=admin, enrollment_number="NOPE1", mentor_id=faculty.pk)
    assert (caught.value.code, caught.value.field) == ("unknown_student", "student")


# --- by file ------------------------------------------------------------------------------------


def test_a_file_assigns_every_mentor_and_is_audited_once(
    admin, faculty, other_faculty, student, other_student
):
    data = (
        "Enrollment number,Mentor email,notes\n"
        f"cs001,{faculty.email.upper()},first\n"
        "\n"
        f"CS002,{other_faculty.email},\n"
    ).encode()
    report = import_mentors(actor=admin, data=data)
    assert (report.rows, report.changed, report.unchanged) == (2, 2, 0)
    assert mentor_of(student) == faculty.pk
    assert mentor_of(other_student) == other_faculty.pk
    again = import_mentors(actor=admin, data=data)
    assert (again.changed, again.unchanged) == (0, 2)
    assert AuditLog.objects.filter(action="mentors.import").count() == 2


def test_one_bad_row_refuses_the_whole_file_with_every_problem_by_line(
    admin, faculty, student, other_student
):
    suspended = UserFactory(role=Role.FACULTY, is_active=False, email="gone@upas.test")
    data = (
        "enrollment_number,mentor_email\n"
        f"CS001,{faculty.email}\n"  # line 2: fine
        "CS999,faculty@upas.test\n"  # line 3: no such student
        f"CS002,{other_student.user.email}\n"  # line 4: a student is no mentor
        f"CS002,{suspended.email}\n"  # line 5: listed twice, and suspended
        "CS001,\n"  # line 6: listed twice, no mentor
    ).encode()
    with pytest.raises(BulkError) as caught:
        import_mentors(actor=admin, data=data)
    lines = [(row.line, row.value) for row in caught.value.rows]
    assert lines == [
        (3, "CS999"),
        (4, other_student.user.email),
        (5, "CS002"),
        (5, suspended.email),
        (6, "CS001"),
        (6, ""),
    ]
    assert mentor_of(student) is None
    assert not AuditLog.objects.filter(action="mentors.import").exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"enrollment_number,email\nCS001,a@b.c\n", "bad_header"),
        (b"enrollment_number,mentor_email\n", "empty"),
        (b"\x00\x01binary", "not_csv"),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole(admin, student, data, code):
    with pytest.raises(StudentImportError) as caught:
        import_mentors(actor=admin, data=data)
    assert (caught.value.code, caught.value.field) == (code, "file")


def test_only_admins_import_mentors(faculty, student):
    with pytest.raises(MentorError) as caught:
        import_mentors(
            actor=faculty, data=f"enrollment_number,mentor_email\nCS001,{faculty.email}\n".encode()
        )
    assert caught.value.code == "forbidden"
    assert mentor_of(student) is None


# --- the mentor hears of new claims -------------------------------------------------------------


def test_the_mentor_is_told_of_a_new_claim_in_their_language(admin, faculty, student, category):
    User.objects.filter(pk=faculty.pk).update(language="ar")
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    make_claim(student, category, 10)
    [told] = Notification.objects.filter(user=faculty, kind=Notification.Kind.MENTEE)
    assert student.user.name in told.message
    assert told.link == "/reviews/?mine=mentees"


def test_no_mentor_no_notice_and_a_suspended_mentor_is_not_told(admin, faculty, student, category):
    make_claim(student, category, 10)
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    User.objects.filter(pk=faculty.pk).update(is_active=False)
    make_claim(student, category, 5)
    assert not Notification.objects.filter(kind=Notification.Kind.MENTEE).exists()


# --- advisers -----------------------------------------------------------------------------------


def test_an_admin_appoints_and_dismisses_a_faculty_adviser_audited(admin, faculty, club):
    club_services.appoint_adviser(actor=admin, club_id=club.pk, email=" FACULTY@upas.test ")
    assert ClubMembership.objects.get(club=club, user=faculty).position == "adviser"
    club_services.dismiss_adviser(actor=admin, club_id=club.pk, user_id=faculty.pk)
    assert not ClubMembership.objects.filter(club=club, user=faculty).exists()
    assert list(
        AuditLog.objects.filter(action__startswith="club.adviser")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["club.adviser", "club.adviser_dismiss"]


@pytest.mark.parametrize("email", ["alice@upas.test", "admin@upas.test", "nobody@upas.test"])
def test_only_faculty_advise_clubs(admin, student, club, email):
    with pytest.raises(ClubError) as caught:
        club_services.appoint_adviser(actor=admin, club_id=club.pk, email=email)
    assert (caught.value.code, caught.value.field) == ("not_faculty", "email")
    assert not ClubMembership.objects.exists()


def test_only_admins_appoint_advisers_and_no_one_holds_two_places(admin, faculty, club):
    with pytest.raises(ClubError) as caught:
        club_services.appoint_adviser(actor=faculty, club_id=club.pk, email=faculty.email)
    assert caught.value.code == "forbidden"
    club_services.appoint_adviser(actor=admin, club_id=club.pk, email=faculty.email)
    with pytest.raises(ClubError) as caught:
        club_services.appoint_adviser(actor=admin, club_id=club.pk, email=faculty.email)
    assert caught.value.code == "already_in_club"
    with pytest.raises(ClubError) as caught:
        club_services.appoint_officer(actor=admin, club_id=club.pk, email=faculty.email)
    assert caught.value.code == "already_in_club"
    with pytest.raises(ClubError) as caught:
        club_services.dismiss_officer(actor=admin, club_id=club.pk, user_id=faculty.pk)
    assert caught.value.code == "not_an_officer"


# --- the review queue ---------------------------------------------------------------------------


@pytest.fixture
def queue_students(admin, faculty, club, category):
    """Three claims, oldest first: an outsider's, a club member's, a mentee's."""
    outsider, member, mentee = (StudentFactory() for _ in range(3))
    club_services.join_club(actor=member.user, club_id=club.pk)
    club_services.appoint_adviser(actor=admin, club_id=club.pk, email=faculty.email)
    assign_mentor(actor=admin, enrollment_number=mentee.enrollment_number, mentor_id=faculty.pk)
    now = timezone.now()
    for age, profile in enumerate([outsider, member, mentee]):
        claim = make_claim(profile, category, 10)
        ActivityClaim.objects.filter(pk=claim.pk).update(created_at=now - timedelta(days=3 - age))
    return outsider, member, mentee


def test_the_queue_puts_mentees_then_club_members_first(faculty, other_faculty, queue_students):
    outsider, member, mentee = queue_students
    rows = list(list_review_queue(reviewer=faculty))
    assert [(r["enrollment"], r["rank"]) for r in rows] == [
        (mentee.enrollment_number, MENTEE),
        (member.enrollment_number, CLUB_MEMBER),
        (outsider.enrollment_number, OTHER),
    ]
    # Another reviewer sees the plain oldest-first queue.
    assert [r["enrollment"] for r in list_review_queue(reviewer=other_faculty)] == [
        outsider.enrollment_number,
        member.enrollment_number,
        mentee.enrollment_number,
    ]


def test_the_queue_filters_my_mentees_and_my_clubs_members(faculty, queue_students):
    _outsider, member, mentee = queue_students
    mentees = list_review_queue(reviewer=faculty, mine=Mine.MENTEES)
    assert [r["enrollment"] for r in mentees] == [mentee.enrollment_number]
    clubs = list_review_queue(reviewer=faculty, mine=Mine.CLUBS, kind="claim")
    assert [r["enrollment"] for r in clubs] == [member.enrollment_number]
