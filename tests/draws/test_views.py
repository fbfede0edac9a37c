"""The draws pages through the test client: the list and detail for every role, entering
(htmx and plain), the admin's create form, performing, the projector screen, claiming, passing
a prize on and the public verification page. The seed never reaches a page before the draw,
and the verification page names nobody but the viewer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import (
    AuditLog,
    Draw,
    DrawEntry,
    DrawWinner,
    Notification,
    StudentProfile,
    Transaction,
)
from portal.services.draws import verify_draw
from tests.conftest import ledger_total
from tests.draws.conftest import Pick, check_in, enter, entrants, expire, perform, pick_of
from tests.factories import RewardFactory, StudentFactory
from tests.helpers import balance, let_entries_close
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

LIST = reverse("portal:draws")
CREATE = reverse("portal:draw-create")


def url(name: str, obj: Any) -> str:
    return reverse(f"portal:{name}", kwargs={"pk": obj.pk})


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response) -> str:
    return text(find(response.content, id="messages"))


# --- the list and the detail page ---------------------------------------------------------------


@pytest.fixture
def drawn(admin, make_draw, student, other_student):
    """A performed draw that `student` alone won: Alice and Bob entered, one winner."""
    draw = make_draw(title="Autumn draw", prize="A scarf", alternates_count=0, winners_count=1)
    enter(draw, student)
    perform(draw, admin)
    return draw


@pytest.mark.parametrize("who", ["student", "other_student", "faculty", "admin"])
def test_the_list_shows_open_draws_and_results_to_everyone(request, client_as, who, draw, drawn):
    html = page(client_as(request.getfixturevalue(who)).get(LIST))
    open_section = find(html, "section", aria_labelledby="open-title")
    results = find(html, "section", aria_labelledby="past-title")
    assert "Spring draw" in text(open_section) and "Autumn draw" not in text(open_section)
    assert "Autumn draw" in text(results) and "Spring draw" not in text(results)
    assert find(str(results), "a", href=url("draw-verify", drawn))


def test_a_student_sees_an_enter_button_for_a_draw_they_can_enter(client_as, student, draw):
    html = page(client_as(student).get(LIST))
    form = find(find(html, id=f"entry-{draw.pk}"), "form", hx_post=url("draw-enter", draw))
    assert dict(form.attributes)["hx-target"] == f"#entry-{draw.pk}"
    assert "Enter the draw" in text(form)


def test_a_student_sees_why_they_cannot_enter_an_event_draw(client_as, student, make_draw, event):
    draw = make_draw(event=event)
    panel = find(page(client_as(student).get(LIST)), id=f"entry-{draw.pk}")
    assert "Check in to Open day first" in text(panel)
    assert find_all(panel, "form") == []
    assert find(panel, "a", href=url("event-detail", event))


def test_staff_see_manage_or_view_instead_of_enter(client_as, faculty, admin, draw):
    faculty_panel = find(page(client_as(faculty).get(LIST)), id=f"entry-{draw.pk}")
    admin_html = page(client_as(admin).get(LIST))
    assert text(faculty_panel) == "View"
    assert text(find(admin_html, id=f"entry-{draw.pk}")) == "Manage"
    assert find(admin_html, "a", href=CREATE)
    assert find_all(page(client_as(faculty).get(LIST)), "a", href=CREATE) == []


def test_the_results_tell_a_winner_to_claim(client_as, student, other_student, drawn):
    results = find(page(client_as(student).get(LIST)), "section", aria_labelledby="past-title")
    links = find_all(results, "a", href=url("draw-detail", drawn))
    assert [text(a) for a in links] == ["Autumn draw", "You won — claim it"]
    assert "among 1 entrant" in text(results) and "among 1 entrants" not in text(results)
    assert "You won" not in page(client_as(other_student).get(LIST))


@pytest.mark.parametrize("who", ["student", "other_student", "faculty", "admin"])
def test_the_detail_page_renders_for_every_role(request, client_as, who, draw, drawn):
    client = client_as(request.getfixturevalue(who))
    assert "Spring draw" in text(find(page(client.get(url("draw-detail", draw))), "h1"))
    assert "Autumn draw" in text(find(page(client.get(url("draw-detail", drawn))), "h1"))


def test_the_winner_sees_a_claim_button_and_others_do_not(client_as, student, other_student, drawn):
    pick = pick_of(drawn, student)
    mine = page(client_as(student).get(url("draw-detail", drawn)))
    prize = find(mine, "section", aria_labelledby="prize-title")
    assert "You won!" in text(prize)
    assert find(prize, "form", action=url("prize-claim", pick))
    theirs = page(client_as(other_student).get(url("draw-detail", drawn)))
    assert url("prize-claim", pick) not in theirs


def test_an_unknown_draw_is_not_found(client_as, student):
    response = client_as(student).get(reverse("portal:draw-detail", kwargs={"pk": 999}))
    assert response.status_code == 404


# --- entering -----------------------------------------------------------------------------------


def test_entering_via_htmx_answers_with_the_entry_panel(client_as, student, draw):
    response = client_as(student).post(url("draw-enter", draw), **HX)
    html = page(response)
    assert "<html" not in html
    panel = find(html, id=f"entry-{draw.pk}")
    assert "You're in the draw. Good luck!" in text(panel)
    assert find_all(panel, "form") == []
    assert DrawEntry.objects.filter(draw=draw, student=student).count() == 1


def test_entering_twice_via_htmx_keeps_one_entry(client_as, student, draw):
    client = client_as(student)
    client.post(url("draw-enter", draw), **HX)
    response = client.post(url("draw-enter", draw), **HX)
    assert "You're in" in text(find(page(response), id=f"entry-{draw.pk}"))
    assert DrawEntry.objects.filter(draw=draw).count() == 1


def test_entering_without_htmx_redirects_to_the_draw_with_a_message(client_as, student, draw):
    client = client_as(student)
    response = client.post(url("draw-enter", draw))
    assert response.status_code == 302
    assert response["Location"] == url("draw-detail", draw)
    followed = client.get(response["Location"])
    assert "You're in the draw. Good luck!" in messages_of(followed)
    assert "You're in this draw." in text(find(page(followed), id=f"entry-{draw.pk}"))


def test_an_ineligible_entry_via_htmx_says_why_in_the_panel(client_as, student, make_draw, event):
    draw = make_draw(event=event)
    html = page(client_as(student).post(url("draw-enter", draw), **HX))
    alert = find(find(html, id=f"entry-{draw.pk}"), role="alert")
    assert "Check in to Open day first" in text(alert)
    assert not DrawEntry.objects.exists()


def test_an_ineligible_entry_without_htmx_comes_back_with_the_reason(client_as, student, make_draw):
    draw = make_draw(entry_deadline=timezone.now() - timedelta(minutes=1))
    response = client_as(student).post(url("draw-enter", draw), follow=True)
    assert "Entries for this draw have closed." in messages_of(response)
    assert not DrawEntry.objects.exists()


def test_a_checked_in_student_enters_an_event_draw(client_as, student, make_draw, event, admin):
    draw = make_draw(event=event)
    check_in(event, student, by=admin)
    html = page(client_as(student).post(url("draw-enter", draw), **HX))
    assert "Good luck" in text(find(html, id=f"entry-{draw.pk}"))


def test_entering_an_unknown_draw_is_not_found(client_as, student):
    response = client_as(student).post(reverse("portal:draw-enter", kwargs={"pk": 999}), **HX)
    assert response.status_code == 404


# --- the seed stays secret until the draw -------------------------------------------------------


@pytest.mark.parametrize("who", ["student", "faculty", "admin"])
def test_the_seed_is_on_no_page_before_the_draw(request, client_as, who, admin, draw, student):
    enter(draw, student)
    client = client_as(request.getfixturevalue(who))
    paths = [LIST, url("draw-detail", draw), "/"]
    if who == "admin":
        paths += [url("draw-screen", draw), url("draw-edit", draw)]
    for path in paths:
        html = page(client.get(path))
        assert draw.commitment in html or path in (LIST, "/", url("draw-edit", draw))
        assert draw.seed not in html, path
    assert client.get(url("draw-verify", draw)).status_code == 404


def test_the_seed_is_shown_after_the_draw(client_as, admin, student, draw):
    enter(draw, student)
    perform(draw, admin)
    for path in (url("draw-detail", draw), url("draw-verify", draw)):
        assert draw.seed in page(client_as(student).get(path)), path
    assert draw.seed in page(client_as(admin).get(url("draw-screen", draw)))
    assert draw.seed in page(client_as(None).get(url("draw-verify", draw)))


# --- creating and editing -----------------------------------------------------------------------


def local(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def form_data(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data = {
        "title": "Exam week draw",
        "prize": "A pizza voucher",
        "reward": "",
        "prize_points": "",
        "event": "",
        "eligibility": Draw.Eligibility.ENTRANTS,
        "winners_count": "2",
        "alternates_count": "1",
        "entry_deadline": local(now + timedelta(days=2)),
        "claim_deadline": local(now + timedelta(days=9)),
    }
    return {**data, **overrides}


def test_an_admin_creates_a_draw(client_as, admin):
    client = client_as(admin)
    assert "New draw" in text(find(page(client.get(CREATE)), "h1"))
    response = client.post(CREATE, form_data(prize_points="25"))
    draw = Draw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("draw-detail", draw)
    assert (draw.title, draw.prize_points, draw.winners_count) == ("Exam week draw", 25, 2)
    assert draw.created_by == admin
    html = page(client.get(response["Location"]))
    assert draw.commitment in html and draw.seed not in html


def test_creating_says_the_commitment_is_public(client_as, admin):
    response = client_as(admin).post(CREATE, form_data(), follow=True)
    assert "Its commitment is public; the seed stays secret" in messages_of(response)


def test_an_attendees_draw_for_an_event_can_be_created(client_as, admin, event):
    data = form_data(eligibility=Draw.Eligibility.ATTENDEES, event=str(event.pk))
    assert client_as(admin).post(CREATE, data).status_code == 302
    assert Draw.objects.get().event == event


BAD_INPUT = [
    pytest.param({"winners_count": "many"}, "winners_count", "whole number", id="non-numeric"),
    pytest.param({"winners_count": "10000000"}, "winners_count", "less than", id="huge winners"),
    pytest.param({"winners_count": "0"}, "winners_count", "greater than", id="no winners"),
    pytest.param({"alternates_count": "-1"}, "alternates_count", "greater than", id="negative"),
    pytest.param({"prize_points": "0"}, "prize_points", "greater than", id="zero points"),
    pytest.param({"title": ""}, "title", "required", id="no title"),
    pytest.param(
        {"eligibility": Draw.Eligibility.ATTENDEES}, "event", "Choose the event", id="no event"
    ),
    pytest.param(
        {"claim_deadline": local(timezone.now() + timedelta(days=1))},
        "claim_deadline",
        "after entries close",
        id="claim before entry",
    ),
    pytest.param(
        {
            "entry_deadline": local(timezone.now() - timedelta(hours=1)),
            "claim_deadline": local(timezone.now() + timedelta(days=9)),
        },
        "entry_deadline",
        "in the future",
        id="entry deadline past",
    ),
    pytest.param({"eligibility": "everyone"}, "eligibility", "valid choice", id="bad eligibility"),
    pytest.param({"entry_deadline": "soon"}, "entry_deadline", "valid date", id="bad date"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_shown_next_to_the_field_and_creates_nothing(
    client_as, admin, change, field, message
):
    response = client_as(admin).post(CREATE, form_data(**change))
    assert message in text(find(page(response), id=f"div_id_{field}"))
    assert Draw.objects.count() == 0


def test_a_reward_and_points_together_are_refused(client_as, admin):
    reward = RewardFactory()
    response = client_as(admin).post(CREATE, form_data(reward=str(reward.pk), prize_points="10"))
    assert "not both" in text(find(page(response), id="div_id_prize_points"))
    assert Draw.objects.count() == 0


def test_a_withdrawn_reward_cannot_be_a_prize(client_as, admin):
    reward = RewardFactory(is_active=False)
    response = client_as(admin).post(CREATE, form_data(reward=str(reward.pk)))
    assert "valid choice" in text(find(page(response), id="div_id_reward"))
    assert Draw.objects.count() == 0


def test_the_form_keeps_the_input_on_error(client_as, admin):
    response = client_as(admin).post(CREATE, form_data(winners_count="0", title="Keep me"))
    assert find(page(response), "input", name="title", value="Keep me")


def test_editing_an_open_draw_keeps_its_seed(client_as, admin, draw):
    seed = draw.seed
    data = form_data(title="Spring draw (extended)", alternates_count="3")
    response = client_as(admin).post(url("draw-edit", draw), data)
    assert response.status_code == 302
    draw.refresh_from_db()
    assert (draw.title, draw.alternates_count, draw.seed) == ("Spring draw (extended)", 3, seed)


def test_an_open_draw_can_keep_an_entry_deadline_that_has_passed(client_as, admin, make_draw):
    past = timezone.now() - timedelta(hours=1)
    draw = make_draw(entry_deadline=past)
    data = form_data(entry_deadline=local(past), title="Renamed")
    assert client_as(admin).post(url("draw-edit", draw), data).status_code == 302


def test_a_performed_draw_cannot_be_edited(client_as, admin, drawn):
    client = client_as(admin)
    response = client.post(url("draw-edit", drawn), form_data(title="Rewritten"), follow=True)
    assert "A performed draw cannot be changed." in messages_of(response)
    drawn.refresh_from_db()
    assert drawn.title == "Autumn draw"
    assert client.get(url("draw-edit", drawn)).status_code == 302


# --- performing and the screen ------------------------------------------------------------------


def test_an_admin_performs_a_draw_from_the_detail_page(client_as, admin, draw):
    entrants(draw, 3)
    let_entries_close(draw)
    client = client_as(admin)
    detail = page(client.get(url("draw-detail", draw)))
    assert find(detail, "form", action=url("draw-perform", draw))
    response = client.post(url("draw-perform", draw), follow=True)
    assert response.redirect_chain == [(url("draw-detail", draw), 302)]
    assert "Drawn. The winners have been notified." in messages_of(response)
    draw.refresh_from_db()
    assert draw.is_drawn
    assert DrawWinner.objects.filter(draw=draw).count() == 2


def test_performing_from_the_screen_comes_back_to_the_screen(client_as, admin, draw):
    entrants(draw, 3)
    let_entries_close(draw)
    response = client_as(admin).post(url("draw-perform", draw), {"next": "screen"})
    assert response["Location"] == url("draw-screen", draw)


def test_performing_twice_says_it_was_already_drawn(client_as, admin, draw):
    entrants(draw, 3)
    let_entries_close(draw)
    client = client_as(admin)
    client.post(url("draw-perform", draw))
    picks = list(DrawWinner.objects.values_list("pk", "entry_id"))
    response = client.post(url("draw-perform", draw), follow=True)
    assert "This draw has already been performed." in messages_of(response)
    assert list(DrawWinner.objects.values_list("pk", "entry_id")) == picks


def test_performing_with_too_few_entrants_warns_that_everyone_won(client_as, admin, make_draw):
    draw = make_draw(winners_count=3)
    entrants(draw, 2)
    let_entries_close(draw)
    response = client_as(admin).post(url("draw-perform", draw), follow=True)
    assert "Only 2 entrants for 3 prizes: everyone who entered wins." in messages_of(response)
    result = find(page(response), "section", aria_labelledby="result-title")
    assert "everyone who entered won" in text(result)


def test_performing_without_entrants_says_so(client_as, admin, draw):
    let_entries_close(draw)
    response = client_as(admin).post(url("draw-perform", draw), follow=True)
    assert "Nobody has entered this draw yet" in messages_of(response)
    draw.refresh_from_db()
    assert not draw.is_drawn


def test_performing_before_the_entry_deadline_is_refused(client_as, admin, draw):
    entrants(draw, 3)
    response = client_as(admin).post(url("draw-perform", draw), follow=True)
    assert "Entries are open until" in messages_of(response)
    draw.refresh_from_db()
    assert not draw.is_drawn


def test_closing_entries_early_is_explicit_told_to_entrants_and_audited(client_as, admin, draw):
    early = entrants(draw, 3)
    deadline = draw.entry_deadline
    detail = page(client_as(admin).get(url("draw-detail", draw)))
    box = find(
        find(detail, "form", action=url("draw-perform", draw)), "input", name="close_entries"
    )
    assert "required" in dict(box.attributes)
    response = client_as(admin).post(url("draw-perform", draw), {"close_entries": "1"}, follow=True)
    assert "Drawn." in messages_of(response)
    draw.refresh_from_db()
    assert draw.is_drawn and draw.entry_deadline < deadline
    told = Notification.objects.filter(message__contains="were closed early")
    assert sorted(n.user_id for n in told) == sorted(p.user_id for p in early)
    audit = AuditLog.objects.get(action="draw.close_entries")
    assert audit.actor == admin


def test_performing_an_unknown_draw_is_not_found(client_as, admin):
    response = client_as(admin).post(reverse("portal:draw-perform", kwargs={"pk": 999}))
    assert response.status_code == 404


def test_the_screen_before_the_draw_shows_the_count_and_the_button(client_as, admin, draw):
    entrants(draw, 4)
    html = page(client_as(admin).get(url("draw-screen", draw)))
    assert "Entrants 4 1 winner will be drawn" in text(find(html, "main"))
    assert draw.commitment in html
    form = find(html, "form", action=url("draw-perform", draw))
    assert find(form, "input", name="next", value="screen")


def test_the_screen_of_an_attendees_draw_counts_the_checked_in(client_as, admin, make_draw, event):
    draw = make_draw(event=event, eligibility=Draw.Eligibility.ATTENDEES)
    check_in(event, *[StudentFactory() for _ in range(3)], by=admin)
    html = page(client_as(admin).get(url("draw-screen", draw)))
    assert "Entrants 3 1 winner will be drawn" in text(find(html, "main"))


def test_the_screen_after_the_draw_reveals_the_winners(client_as, admin, make_draw):
    draw = make_draw(winners_count=2, alternates_count=1)
    students = entrants(draw, 5)
    perform(draw, admin)
    html = page(client_as(admin).get(url("draw-screen", draw)))
    winners = find(html, "section", aria_labelledby="winners-title")
    picks = DrawWinner.objects.filter(draw=draw).order_by("position")
    names = {s.pk: s.user.name for s in students}
    for pick in picks:
        assert names[pick.entry.student_id] in text(winners)
    assert "Draw the winners" not in html


# --- the verification page ----------------------------------------------------------------------


@pytest.fixture
def crowd(admin, make_draw, student):
    """A performed draw among Alice and eight others with distinctive names."""
    draw = make_draw(title="Crowd draw", winners_count=2, alternates_count=2)
    enter(draw, student)
    others = [StudentFactory(user__name=f"Zebulon Person{i}") for i in range(8)]
    enter(draw, *others)
    perform(draw, admin)
    return draw, others


def test_the_verify_page_is_public_and_verified(client_as, crowd):
    draw, _others = crowd
    html = page(client_as(None).get(url("draw-verify", draw)))
    assert "Verified" in text(find(html, role="status"))
    assert draw.seed in html and draw.commitment in html
    assert str(verify_draw(draw).recorded) in html


def test_the_verify_page_names_only_the_viewer(client_as, crowd, student):
    draw, _others = crowd
    html = page(client_as(student).get(url("draw-verify", draw)))
    entry = DrawEntry.objects.get(draw=draw, student=student)
    listed = find_all(find(html, "section", aria_labelledby="entrants-title"), "li")
    assert len(listed) == 9
    assert [text(li) for li in listed if "(you)" in text(li)] == [
        f"Entrant #{entry.pk} · Alice Student (you)"
    ]
    assert "Zebulon" not in html
    for other in DrawEntry.objects.filter(draw=draw).exclude(student=student):
        assert f"Entrant #{other.pk}" in html


def test_the_verify_page_shows_no_names_to_anonymous_visitors(client_as, crowd):
    draw, _others = crowd
    html = page(client_as(None).get(url("draw-verify", draw)))
    assert "Zebulon" not in html and "Alice" not in html and "(you)" not in html


def test_the_verify_page_lists_each_step(client_as, crowd):
    draw, _others = crowd
    html = page(client_as(None).get(url("draw-verify", draw)))
    rows = find_all(find(html, "tbody"), "tr")
    assert len(rows) == 4
    assert text(find_all(rows[0], "td")[1]) == f"{draw.pk}:0"
    assert [text(find_all(r, "td")[-1]) for r in rows] == ["Winner"] * 2 + ["Alternate"] * 2


def test_the_verify_page_shows_a_problem_when_the_draw_was_tampered_with(client_as, crowd):
    draw, _others = crowd
    DrawEntry.objects.create(
        draw=draw, student=StudentFactory(), created_at=draw.performed_at + timedelta(seconds=1)
    )
    html = page(client_as(None).get(url("draw-verify", draw)))
    alert = find(html, role="alert")
    assert "This draw does not verify" in text(alert)
    assert "Entries added after the draw" in text(alert)
    assert "Verified" not in html


def test_the_verify_page_carries_the_snippet(client_as, crowd):
    draw, _others = crowd
    html = page(client_as(None).get(url("draw-verify", draw)))
    code = text(find(html, "pre", id="verify-code"))
    assert f"DRAW_ID = {draw.pk}" in code
    assert f'SEED = "{draw.seed}"' in code


# --- claiming and passing on --------------------------------------------------------------------


def test_claiming_a_points_prize_via_the_page(client_as, admin, make_draw, student):
    draw = make_draw(prize_points=40)
    enter(draw, student)
    perform(draw, admin)
    pick = pick_of(draw, student)
    response = client_as(student).post(url("prize-claim", pick), follow=True)
    assert response.redirect_chain == [(url("draw-detail", draw), 302)]
    assert "Claimed! 40 points were added to your balance." in messages_of(response)
    assert "Claimed on" in text(find(page(response), "section", aria_labelledby="prize-title"))
    assert balance(student) == 40
    assert Transaction.objects.get(student=student).kind == Transaction.Kind.PRIZE


def test_claiming_a_reward_prize_via_the_page(client_as, admin, make_draw, student):
    draw = make_draw(reward=RewardFactory(name="Mug"))
    enter(draw, student)
    perform(draw, admin)
    response = client_as(student).post(url("prize-claim", pick_of(draw, student)), follow=True)
    assert "Your prize is in your redemptions" in messages_of(response)
    prize = find(page(response), "section", aria_labelledby="prize-title")
    assert find(prize, "a", href=reverse("portal:my-redemptions"))


def test_claiming_a_prize_in_words_via_the_page(client_as, student, drawn):
    response = client_as(student).post(url("prize-claim", pick_of(drawn, student)), follow=True)
    assert "The organisers will be in touch" in messages_of(response)


def test_claiming_after_the_deadline_says_so(client_as, student, drawn):
    pick = pick_of(drawn, student)
    expire(pick)
    response = client_as(student).post(url("prize-claim", pick), follow=True)
    assert "The deadline to claim this prize has passed." in messages_of(response)
    pick.refresh_from_db()
    assert pick.status == Pick.OFFERED


def test_claiming_twice_says_it_was_claimed(client_as, student, drawn):
    client = client_as(student)
    pick = pick_of(drawn, student)
    client.post(url("prize-claim", pick))
    response = client.post(url("prize-claim", pick), follow=True)
    assert "You have already claimed this prize." in messages_of(response)


def test_another_students_prize_claim_is_not_found(
    client_as, other_student, admin, make_draw, student
):
    draw = make_draw(prize_points=40)
    enter(draw, student)
    perform(draw, admin)
    pick = pick_of(draw, student)
    before = ledger_total()
    assert client_as(other_student).post(url("prize-claim", pick)).status_code == 404
    pick.refresh_from_db()
    assert pick.status == Pick.OFFERED
    assert ledger_total() == before


def test_claiming_an_unknown_prize_is_not_found(client_as, student):
    response = client_as(student).post(reverse("portal:prize-claim", kwargs={"pk": 999}))
    assert response.status_code == 404


@pytest.fixture
def expired(admin, make_draw):
    """A performed draw whose only winner let the deadline pass; two alternates wait."""
    draw = make_draw(winners_count=1, alternates_count=2, title="Late draw")
    entrants(draw, 5)
    perform(draw, admin)
    winner = DrawWinner.objects.get(draw=draw, position=1)
    expire(winner)
    return draw, winner


def test_the_admin_sees_a_pass_button_once_the_deadline_passed(client_as, admin, expired):
    draw, winner = expired
    html = page(client_as(admin).get(url("draw-detail", draw)))
    form = find(html, "form", action=url("prize-pass", winner))
    assert "Pass to next alternate" in text(form)


def test_passing_to_the_next_alternate_via_the_page(client_as, admin, expired):
    draw, winner = expired
    response = client_as(admin).post(url("prize-pass", winner), follow=True)
    assert "The prize passed to alternate no. 1, who has been notified." in messages_of(response)
    assert DrawWinner.objects.get(draw=draw, position=2).status == Pick.OFFERED


def test_passing_on_a_prize_still_claimable_is_refused_with_a_message(client_as, admin, drawn):
    pick = DrawWinner.objects.get(draw=drawn)
    response = client_as(admin).post(url("prize-pass", pick), follow=True)
    assert "can still claim it" in messages_of(response)
    pick.refresh_from_db()
    assert pick.status == Pick.OFFERED


def test_without_alternates_the_page_marks_the_prize_forfeited(client_as, admin, student, drawn):
    pick = pick_of(drawn, student)
    expire(pick)
    html = page(client_as(admin).get(url("draw-detail", drawn)))
    assert "Mark forfeited" in text(find(html, "form", action=url("prize-pass", pick)))
    response = client_as(admin).post(url("prize-pass", pick), follow=True)
    assert "there are no alternates left" in messages_of(response)
    pick.refresh_from_db()
    assert pick.status == Pick.FORFEITED


def test_the_alternate_sees_the_prize_passed_to_them(client_as, admin, expired):
    draw, winner = expired
    client_as(admin).post(url("prize-pass", winner))
    alternate = DrawWinner.objects.get(draw=draw, position=2)
    profile = StudentProfile.objects.get(pk=alternate.entry.student_id)
    html = page(client_as(profile).get(url("draw-detail", draw)))
    prize = find(html, "section", aria_labelledby="prize-title")
    assert "The prize passed to you!" in text(prize)
    assert find(prize, "form", action=url("prize-claim", alternate))


def test_a_private_winner_is_a_pseudonym_to_others_and_themselves_to_themselves(
    client_as, admin, make_draw, student, other_student
):
    student.show_on_leaderboard = False
    student.save()
    draw = make_draw(alternates_count=0)
    enter(draw, student)
    perform(draw, admin)
    entry = DrawEntry.objects.get(draw=draw, student=student)
    theirs = page(client_as(other_student).get(url("draw-detail", draw)))
    assert "Alice" not in theirs and f"Entrant #{entry.pk}" in theirs
    mine = text(find(page(client_as(student).get(url("draw-detail", draw))), "ol"))
    assert "Alice Student (you)" in mine


def test_a_winner_past_the_deadline_is_not_offered_a_claim_button(client_as, student, drawn):
    pick = pick_of(drawn, student)
    expire(pick)
    html = page(client_as(student).get(url("draw-detail", drawn)))
    prize = find(html, "section", aria_labelledby="prize-title")
    assert "The deadline passed before the prize was claimed." in text(prize)
    assert find_all(prize, "form") == []


def test_the_dashboard_lists_a_prize_to_claim_only_until_its_deadline(client_as, student, drawn):
    client = client_as(student)
    assert "You won a prize in “Autumn draw”!" in text(find(page(client.get("/")), "main"))
    expire(pick_of(drawn, student))
    assert "You won a prize" not in text(find(page(client.get("/")), "main"))


def test_the_results_list_stops_inviting_a_claim_after_the_deadline(client_as, admin, student):
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import DrawWinner
    from portal.services.draws import enter_draw, perform_draw
    from tests.factories import DrawFactory

    draw = DrawFactory(created_by=admin, winners_count=1, alternates_count=0)
    enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    perform_draw(actor=admin, draw_id=draw.pk)
    client = client_as(student)
    assert "You won — claim it" in client.get("/draws/").content.decode()
    DrawWinner.objects.filter(draw=draw).update(claim_deadline=timezone.now() - timedelta(hours=1))
    page = client.get("/draws/").content.decode()
    assert "You won — claim it" not in page
    assert "Prize not claimed in time" in page


def test_the_entrant_list_is_what_the_template_loop_wrote():
    from django.template import Context, Template

    from portal.selectors.draws import FrozenEntrant

    entrants = [
        FrozenEntrant(1, "Entrant #1", False),
        FrozenEntrant(2, "Entrant #2 · <b>Aisha</b> & “Co” (you)", True),
        FrozenEntrant(3, "Entrant #3", False),
    ]
    loop = Template(
        '{% for e in entrants %}<li class="rounded px-1.5 py-0.5 font-mono {% if e.is_viewer %}'
        "bg-brand-100 font-semibold text-brand-800{% else %}bg-slate-100 text-slate-600"
        '{% endif %}">{{ e.label }}</li>{% endfor %}'
    )
    tag = Template("{% load portal %}{% entrant_items entrants %}")
    context = {"entrants": entrants}
    assert tag.render(Context(context)) == loop.render(Context(context))
    assert "&lt;b&gt;Aisha&lt;/b&gt; &amp;" in tag.render(Context(context))
