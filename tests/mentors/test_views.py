"""The mentor pages in the browser's terms: the admins' page (assign one, upload a file, see
every problem by line), a mentor's "My mentees", the review queue's own-students filter, the
club advisers on the officers and club pages; and their query counts, constant as data grows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import AuditLog, ClubMembership, StudentProfile
from portal.services import clubs as club_services
from portal.services.mentors import assign_mentor
from tests.claims.helpers import make_claim
from tests.factories import StudentFactory
from tests.html import HX

pytestmark = pytest.mark.django_db


def count(client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


def mentor_of(profile: StudentProfile) -> int | None:
    return StudentProfile.objects.get(pk=profile.pk).mentor_id


def test_an_admin_assigns_a_mentor_on_the_page(client_as, admin, faculty, student):
    client = client_as(admin)
    page = client.get("/staff/mentors/?student=CS001")
    assert 'value="CS001"' in page.content.decode()
    response = client.post(
        "/staff/mentors/", {"student": "CS001", "mentor": faculty.pk}, follow=True
    )
    assert "Dr Faculty is now the mentor of Alice Student." in response.content.decode()
    assert mentor_of(student) == faculty.pk


def test_a_bad_assignment_shows_its_error_beside_the_field(client_as, admin, faculty, student):
    response = client_as(admin).post("/staff/mentors/", {"student": "XX9", "mentor": faculty.pk})
    assert response.status_code == 200
    assert "No student has this enrollment number." in response.content.decode()
    assert mentor_of(student) is None


def test_a_mentor_file_is_applied_or_refused_with_its_lines(
    client_as, admin, faculty, student, other_student
):
    client = client_as(admin)
    bad = SimpleUploadedFile(
        "mentors.csv", b"enrollment_number,mentor_email\nCS001,faculty@upas.test\nCS404,x@y.z\n"
    )
    page = client.post("/staff/mentors/import/", {"file": bad}).content.decode()
    assert "No mentor was changed" in page
    assert "No student has this enrollment number." in page
    assert "No active faculty member has this email address." in page
    assert mentor_of(student) is None
    good = SimpleUploadedFile(
        "mentors.csv", b"enrollment_number,mentor_email\nCS001,faculty@upas.test\n"
    )
    response = client.post("/staff/mentors/import/", {"file": good}, follow=True)
    assert "Read 1 row: 1 mentor changed, 0 unchanged." in response.content.decode()
    assert mentor_of(student) == faculty.pk


def test_an_unusable_mentor_file_is_refused_beside_the_field(client_as, admin):
    empty = SimpleUploadedFile("mentors.csv", b"enrollment_number,mentor_email\n")
    page = client_as(admin).post("/staff/mentors/import/", {"file": empty}).content.decode()
    assert "but no students" in page
    assert not AuditLog.objects.filter(action="mentors.import").exists()


def test_my_mentees_shows_each_mentee_with_their_progress(
    client_as, admin, faculty, other_faculty, student, other_student, category, give
):
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    give(student, 30, actor=other_faculty, category=category)
    make_claim(student, category, 10)
    page = client_as(faculty).get("/mentees/").content.decode()
    assert "Alice Student" in page and "Bob Student" not in page
    assert f'id="mentee-{student.pk}"' in page
    row = page.split(f'id="mentee-{student.pk}"')[1].split("</tr>")[0]
    assert ">30<" in row  # balance and points this term
    assert '<span class="badge bg-amber-50 text-amber-800">1</span>' in row
    empty = client_as(other_faculty).get("/mentees/").content.decode()
    assert "You mentor no students yet." in empty


def test_the_review_queue_offers_my_mentees_to_faculty_only(
    client_as, admin, faculty, student, other_student, category
):
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    make_claim(other_student, category, 10)
    make_claim(student, category, 10)
    page = client_as(faculty).get("/reviews/").content.decode()
    assert 'name="mine"' in page
    # The mentee's claim is first though it is newer, and tagged.
    assert page.index("Alice Student") < page.index("Bob Student")
    assert "Your mentee" in page
    mine = client_as(faculty).get("/reviews/?mine=mentees", **HX).content.decode()
    assert "Alice Student" in mine and "Bob Student" not in mine
    assert 'name="mine"' not in client_as(admin).get("/reviews/").content.decode()


def test_advisers_are_appointed_on_the_officers_page_and_shown_on_the_club(
    client_as, admin, faculty, student, club
):
    client = client_as(admin)
    refused = client.post(f"/clubs/{club.slug}/advisers/", {"adviser-email": student.user.email})
    assert "No active faculty member has this email address." in refused.content.decode()
    client.post(f"/clubs/{club.slug}/advisers/", {"adviser-email": faculty.email})
    assert ClubMembership.objects.get(club=club, user=faculty).position == "adviser"
    club_page = client_as(student).get(f"/clubs/{club.slug}/").content.decode()
    advisers = club_page.split('id="club-advisers-title"')[1].split("</section>")[0]
    assert "Dr Faculty" in advisers
    client.post(f"/clubs/{club.slug}/advisers/{faculty.pk}/dismiss/")
    assert not ClubMembership.objects.filter(user=faculty).exists()


# --- query counts -------------------------------------------------------------------------------


@pytest.fixture
def grow(admin, faculty, other_faculty, category, give, club) -> Callable[[int], None]:
    """`grow(n)`: n more mentees of `faculty`, each with points, a waiting claim and a club."""

    def more(n: int) -> None:
        if not ClubMembership.objects.filter(user=other_faculty).exists():
            club_services.appoint_adviser(actor=admin, club_id=club.pk, email=other_faculty.email)
        for _ in range(n):
            profile = StudentFactory()
            assign_mentor(
                actor=admin, enrollment_number=profile.enrollment_number, mentor_id=faculty.pk
            )
            give(profile, 15, actor=other_faculty, category=category)
            make_claim(profile, category, 5)
            club_services.join_club(actor=profile.user, club_id=club.pk)

    return more


def test_mentor_pages_query_counts_do_not_grow(grow, client_as, admin, faculty, other_faculty):
    grow(2)
    admin_client, mentor, adviser = client_as(admin), client_as(faculty), client_as(other_faculty)
    # session, user, pending redemptions (navigation), the page's count and rows, the mentor
    # choices
    assert count(admin_client, "/staff/mentors/") == 6
    # session, user, the mentees with their figures
    assert count(mentor, "/mentees/") == 3
    # the review queue as before (session, user, count, rows, category and department choices)
    assert count(mentor, "/reviews/") == 6
    assert count(adviser, "/reviews/?mine=clubs") == 6
    grow(25)
    assert count(admin_client, "/staff/mentors/") == 6
    assert count(admin_client, "/staff/mentors/?q=Dr%20Faculty&page=2") == 6
    assert count(mentor, "/mentees/") == 3
    assert count(mentor, "/reviews/") == 6
    assert count(adviser, "/reviews/?mine=clubs") == 6


def test_the_person_page_shows_the_mentor_and_links_to_change_it(
    client_as, admin, faculty, student
):
    client = client_as(admin)
    page = client.get(f"/staff/people/{student.user_id}/").content.decode()
    assert "No mentor yet" in page and "/staff/mentors/?student=CS001#assign-title" in page
    assign_mentor(actor=admin, enrollment_number="CS001", mentor_id=faculty.pk)
    page = client.get(f"/staff/people/{student.user_id}/").content.decode()
    assert "Mentor: Dr Faculty" in page and "Change mentor" in page
