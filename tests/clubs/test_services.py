"""Club services and the club officer's scoped role: joining and leaving, appointing and
dismissing officers, and an officer organising (only) their own club's events. Refusals assert
their code and that nothing was written."""

from __future__ import annotations

import pytest

from portal.exceptions import BulkError
from portal.models import AuditLog, CheckIn, Club, ClubMembership, Event
from portal.permissions import can_manage_event, can_organise_events
from portal.services import attendance_upload
from portal.services import clubs as club_services
from portal.services import events as event_services
from portal.services.clubs import ClubError
from portal.services.events import EventError
from tests.conftest import ledger_total
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

Position = ClubMembership.Position


def memberships() -> list[tuple[int, int, str]]:
    return list(ClubMembership.objects.order_by("id").values_list("club", "user", "position"))


def test_a_student_joins_a_club_once_however_often_they_ask(student, club):
    first = club_services.join_club(actor=student.user, club_id=club.pk)
    again = club_services.join_club(actor=student.user, club_id=club.pk)
    assert first == again
    assert first.position == Position.MEMBER
    assert ClubMembership.objects.filter(club=club).count() == 1


@pytest.mark.parametrize("who", ["faculty", "admin"])
def test_only_students_join_clubs(request, club, who):
    with pytest.raises(ClubError) as caught:
        club_services.join_club(actor=request.getfixturevalue(who), club_id=club.pk)
    assert caught.value.code == "forbidden"
    assert memberships() == []


def test_a_member_leaves(student, club):
    club_services.join_club(actor=student.user, club_id=club.pk)
    assert club_services.leave_club(actor=student.user, club_id=club.pk) is True
    assert club_services.leave_club(actor=student.user, club_id=club.pk) is False
    assert memberships() == []


def test_an_officer_cannot_leave_before_being_dismissed(officer, club):
    before = memberships()
    with pytest.raises(ClubError) as caught:
        club_services.leave_club(actor=officer.user, club_id=club.pk)
    assert caught.value.code == "officer_cannot_leave"
    assert memberships() == before


def test_an_admin_appoints_a_member_as_officer_and_it_is_audited(admin, student, club):
    club_services.join_club(actor=student.user, club_id=club.pk)
    membership = club_services.appoint_officer(
        actor=admin, club_id=club.pk, email="ALICE@upas.test"
    )
    assert membership.position == Position.OFFICER
    assert ClubMembership.objects.filter(club=club).count() == 1
    assert AuditLog.objects.filter(action="club.appoint", actor=admin).exists()


def test_a_faculty_member_can_be_an_officer(admin, faculty, club):
    club_services.appoint_officer(actor=admin, club_id=club.pk, email=faculty.email)
    assert ClubMembership.objects.get(user=faculty).position == Position.OFFICER


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("nobody@upas.test", "unknown_user"),
        ("admin@upas.test", "unknown_user"),  # admins run every club already
        ("olga@upas.test", "already_officer"),
    ],
)
def test_appointing_is_refused_for_unknown_people_and_existing_officers(
    admin, officer, club, email, code
):
    before = memberships()
    with pytest.raises(ClubError) as caught:
        club_services.appoint_officer(actor=admin, club_id=club.pk, email=email)
    assert caught.value.code == code
    assert caught.value.field == "email"
    assert memberships() == before


@pytest.mark.parametrize("who", ["student", "faculty", "officer"])
def test_only_admins_appoint_and_dismiss(request, club, officer, who):
    actor = request.getfixturevalue(who)
    actor = getattr(actor, "user", actor)
    before = memberships()
    with pytest.raises(ClubError) as caught:
        club_services.appoint_officer(actor=actor, club_id=club.pk, email="bob@upas.test")
    assert caught.value.code == "forbidden"
    with pytest.raises(ClubError) as caught:
        club_services.dismiss_officer(actor=actor, club_id=club.pk, user_id=officer.user_id)
    assert caught.value.code == "forbidden"
    assert memberships() == before


def test_a_dismissed_student_officer_stays_a_member(admin, officer, club):
    club_services.dismiss_officer(actor=admin, club_id=club.pk, user_id=officer.user_id)
    assert ClubMembership.objects.get(user=officer.user).position == Position.MEMBER
    assert AuditLog.objects.filter(action="club.dismiss").exists()


def test_a_dismissed_faculty_officer_leaves_the_club(admin, faculty, club):
    club_services.appoint_officer(actor=admin, club_id=club.pk, email=faculty.email)
    club_services.dismiss_officer(actor=admin, club_id=club.pk, user_id=faculty.pk)
    assert not ClubMembership.objects.filter(user=faculty).exists()


def test_dismissing_someone_who_is_not_an_officer_is_refused(admin, student, club):
    with pytest.raises(ClubError) as caught:
        club_services.dismiss_officer(actor=admin, club_id=club.pk, user_id=student.user_id)
    assert caught.value.code == "not_an_officer"


def test_only_admins_save_clubs(faculty, admin):
    with pytest.raises(ClubError):
        club_services.save_club(actor=faculty, club=Club(name="Chess", slug="chess"))
    club = club_services.save_club(actor=admin, club=Club(name="Chess", slug="chess"))
    assert AuditLog.objects.filter(action="club.create", target_id=str(club.pk)).exists()


# --- the officer's scoped role ------------------------------------------------------------------


def new_event(**fields) -> Event:
    base = EventFactory.build()
    for name, value in fields.items():
        setattr(base, name, value)
    base.category.save()
    base.category_id = base.category.pk
    return base


def test_an_officer_organises_events_for_their_club(officer, club):
    assert can_organise_events(officer.user)
    event = event_services.save_event(actor=officer.user, event=new_event(club=club))
    assert (event.organiser, event.club) == (officer.user, club)
    assert can_manage_event(officer.user, event)


def test_a_plain_student_organises_nothing(student):
    assert not can_organise_events(student.user)
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=student.user, event=new_event())
    assert caught.value.code == "forbidden"


def test_an_officer_needs_a_club_for_their_event(officer):
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=officer.user, event=new_event())
    assert caught.value.code == "club_required"
    assert not Event.objects.exists()


def test_an_officer_cannot_organise_for_another_club(officer):
    other = Club.objects.create(name="Chess", slug="chess")
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=officer.user, event=new_event(club=other))
    assert caught.value.code == "not_your_club"
    assert not Event.objects.exists()


def test_faculty_attach_events_only_to_clubs_they_run(faculty, club):
    with pytest.raises(EventError) as caught:
        event_services.save_event(actor=faculty, event=new_event(club=club))
    assert caught.value.code == "not_your_club"


def test_an_officer_manages_every_event_of_their_club_and_no_other(officer, faculty, club):
    theirs = EventFactory(organiser=faculty, club=club)
    other = EventFactory(organiser=faculty)
    assert can_manage_event(officer.user, theirs)
    assert not can_manage_event(officer.user, other)


def test_a_dismissed_officer_no_longer_manages_the_events_they_organised(admin, officer, club):
    event = event_services.save_event(actor=officer.user, event=new_event(club=club))
    club_services.dismiss_officer(actor=admin, club_id=club.pk, user_id=officer.user_id)
    assert not can_manage_event(officer.user, event)
    assert not can_organise_events(officer.user)


def test_an_officer_checks_students_in_at_their_clubs_event(officer, student, faculty, club):
    event = EventFactory(organiser=faculty, club=club)
    checkin = event_services.check_in(actor=officer.user, event_id=event.pk, student_id=student.pk)
    assert checkin.checked_in_by == officer.user


def test_an_officer_cannot_check_students_in_elsewhere(officer, student, faculty):
    event = EventFactory(organiser=faculty)
    before = ledger_total()
    with pytest.raises(EventError) as caught:
        event_services.check_in(actor=officer.user, event_id=event.pk, student_id=student.pk)
    assert caught.value.code == "forbidden"
    assert ledger_total() == before


def test_an_officer_cannot_check_themself_in_by_hand_or_upload(officer, faculty, club):
    event = EventFactory(organiser=faculty, club=club)
    before = ledger_total()
    with pytest.raises(EventError) as caught:
        event_services.check_in(actor=officer.user, event_id=event.pk, student_id=officer.pk)
    assert caught.value.code == "own_checkin"
    with pytest.raises(BulkError) as bulk:
        attendance_upload.import_attendance(
            actor=officer.user, event_id=event.pk, data=officer.enrollment_number.encode()
        )
    assert [row.line for row in bulk.value.rows] == [1]
    assert ledger_total() == before
    assert not CheckIn.objects.exists()
