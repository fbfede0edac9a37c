"""The API's answers: what each endpoint returns, bad input refused in the one error shape
with nothing written, idempotency keys, audit rows naming the token, rate limits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import (
    MAX_POINTS_PER_ENTRY,
    ApiToken,
    AuditLog,
    CheckIn,
    Redemption,
    Transaction,
)
from portal.services import draws as draw_services
from tests.conftest import ledger_total
from tests.factories import DrawFactory, EventFactory, RewardFactory, StudentFactory
from tests.helpers import balance, let_entries_close, redeem

from .conftest import Api

pytestmark = pytest.mark.django_db

AWARD = reverse("api:award")


def award_body(student, category, **overrides):
    return {
        "student_id": student.pk,
        "category_id": category.pk,
        "amount": 10,
        "reason": "Quiz winner",
        **overrides,
    }


# --- reads -------------------------------------------------------------------------------------


def test_me_describes_the_owner_and_the_token(api_as, student, category, give, admin):
    give(student, 30, actor=admin, category=category)
    data = api_as(student, ["read"]).get(reverse("api:me")).json()
    assert data["email"] == "alice@upas.test"
    assert data["token"]["scopes"] == ["read"]
    assert data["student"]["standing"]["balance"] == 30
    assert data["student"]["standing"]["rank"] == 1


def test_student_detail_has_balance_and_rank(
    api_as, faculty, student, other_student, give, category
):
    give(student, 10, actor=faculty, category=category)
    give(other_student, 30, actor=faculty, category=category)
    data = api_as(faculty).get(reverse("api:student", args=[student.pk])).json()
    assert data["balance"] == 10
    assert data["standing"]["rank"] == 2
    assert data["standing"]["department_rank"] == 2


def test_a_student_token_lists_only_its_owner(api_as, student, other_student):
    data = api_as(student).get(reverse("api:students")).json()
    assert [row["id"] for row in data["results"]] == [student.pk]


def test_history_pages_with_a_cursor_newest_first(api_as, faculty, student, give, category):
    entries = [give(student, 5 + i, actor=faculty, category=category) for i in range(5)]
    api = api_as(faculty)
    url = reverse("api:student-history", args=[student.pk])
    first = api.get(url, limit=2).json()
    assert [e["id"] for e in first["results"]] == [entries[4].pk, entries[3].pk]
    second = api.client.get(first["next"], **api.headers(None)).json()
    assert [e["id"] for e in second["results"]] == [entries[2].pk, entries[1].pk]
    # An entry added meanwhile does not shift the pages (a cursor, not an offset).
    give(student, 20, actor=faculty, category=category)
    third = api.client.get(second["next"], **api.headers(None)).json()
    assert [e["id"] for e in third["results"]] == [entries[0].pk]
    assert third["next"] is None


@pytest.mark.parametrize("cursor", ["zzzz", "cD1hYmM=", "cD0tMQ==", "cD0xJTI3"])
def test_a_forged_cursor_is_a_404_in_the_error_shape(api_as, faculty, student, cursor):
    response = api_as(faculty).get(reverse("api:students"), cursor=cursor)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_leaderboard_hides_names_like_the_page(
    api_as, faculty, student, other_student, give, category
):
    other_student.show_on_leaderboard = False
    other_student.save()
    give(student, 10, actor=faculty, category=category)
    give(other_student, 30, actor=faculty, category=category)
    rows = api_as(student).get(reverse("api:leaderboard")).json()["rows"]
    assert [(r["name"], r["department"], r["points"]) for r in rows] == [
        ("Anonymous student", "", 30),
        ("Alice Student", "CS", 10),
    ]
    # The hidden student sees themself.
    rows = api_as(other_student).get(reverse("api:leaderboard")).json()["rows"]
    assert rows[0]["name"] == "Bob Student" and rows[0]["is_viewer"]


def test_a_department_token_gets_its_departments_leaderboard(
    api_as, faculty, student, give, category
):
    outsider = StudentFactory()
    give(student, 10, actor=faculty, category=category)
    give(outsider, 30, actor=faculty, category=category)
    data = api_as(faculty, department=student.department).get(reverse("api:leaderboard")).json()
    assert data["department"] == "CS"
    assert [r["points"] for r in data["rows"]] == [10]


def test_draw_verification_gives_what_recomputes_the_draw(api_as, student, admin):
    draw = DrawFactory(created_by=admin, alternates_count=0)
    draw_services.enter_draw(actor=student.user, draw_id=draw.pk)
    let_entries_close(draw)
    draw_services.perform_draw(actor=admin, draw_id=draw.pk)
    draw.refresh_from_db()
    data = api_as(admin).get(reverse("api:draw-verification", args=[draw.pk])).json()
    assert data["ok"] is True
    assert data["seed"] == draw.seed and data["commitment"] == draw.commitment
    assert data["entrants_digest"] == draw.entrants_digest
    assert data["recorded"] == data["recomputed"] == [data["entry_ids"][0]]
    assert data["picks"][0]["winner"] is True


# --- writes ------------------------------------------------------------------------------------


def test_award_credits_and_audits_naming_the_token(token_for, faculty, student, category):
    api = Api(token_for(faculty, ["award"], name="Moodle sync"))
    response = api.post(AWARD, award_body(student, category), key="lms-1")
    assert response.status_code == 201
    assert response.json()["balance_after"] == 10
    entry = Transaction.objects.get(pk=response.json()["id"])
    assert entry.actor == faculty and entry.amount == 10
    audit = AuditLog.objects.get(action="api.award")
    assert audit.actor == faculty
    assert audit.target_id == str(entry.pk)
    assert audit.after["token"] == "Moodle sync"
    assert audit.after["idempotency_key"] == "lms-1"


def test_the_same_key_twice_awards_once_and_answers_the_same(api_as, faculty, student, category):
    api = api_as(faculty)
    first = api.post(AWARD, award_body(student, category), key="same")
    again = api.post(AWARD, award_body(student, category), key="same")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert balance(student) == 10
    assert AuditLog.objects.filter(action="api.award").count() == 1


def test_the_same_key_with_another_body_is_a_conflict(api_as, faculty, student, category):
    api = api_as(faculty)
    api.post(AWARD, award_body(student, category), key="same")
    before = ledger_total()
    response = api.post(AWARD, award_body(student, category, amount=20), key="same")
    assert response.status_code == 409
    assert response.json()["code"] == "key_conflict"
    assert ledger_total() == before


def test_two_tokens_may_use_the_same_key(token_for, faculty, student, category):
    Api(token_for(faculty)).post(AWARD, award_body(student, category), key="k")
    response = Api(token_for(faculty)).post(AWARD, award_body(student, category), key="k")
    assert response.status_code == 201
    assert balance(student) == 20


def test_a_refused_write_leaves_its_key_free(api_as, faculty, student, category):
    api = api_as(faculty)
    refused = api.post(AWARD, award_body(student, category, amount=500), key="retry")
    assert refused.status_code == 400
    assert api.post(AWARD, award_body(student, category), key="retry").status_code == 201


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"amount": -5}, "min_value", "amount"),
        ({"amount": 0}, "min_value", "amount"),
        ({"amount": MAX_POINTS_PER_ENTRY + 1}, "max_value", "amount"),
        ({"amount": 10**30}, "max_value", "amount"),
        ({"amount": "10"}, "invalid", "amount"),
        ({"amount": 10.5}, "invalid", "amount"),
        ({"amount": True}, "invalid", "amount"),
        ({"amount": None}, "null", "amount"),
        ({"student_id": "abc"}, "invalid", "student_id"),
        ({"student_id": 987654}, "not_found", None),
        ({"category_id": 987654}, "unknown_category", "category_id"),
        ({"amount": 51}, "out_of_bounds", "amount"),
        ({"reason": "   "}, "blank", "reason"),
        ({"reason": "x" * 501}, "max_length", "reason"),
    ],
)
def test_bad_award_input_is_refused_next_to_its_field(
    api_as, faculty, student, category, change, code, field
):
    before = ledger_total()
    response = api_as(faculty).post(AWARD, award_body(student, category, **change))
    assert response.status_code in (400, 404)
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert ledger_total() == before
    assert not AuditLog.objects.filter(action__startswith="api.").exists()


def test_a_missing_or_malformed_idempotency_key_is_refused(api_as, faculty, student, category):
    api = api_as(faculty)
    # ":" is refused too: it joins keys for the services, so "x:12" could meet another write's
    for key in (None, "", "has spaces", "x" * 65, "x:12"):
        response = api.post(AWARD, award_body(student, category), key=key)
        assert response.status_code == 400
        assert response.json() == {
            "code": "idempotency_key_required",
            "message": response.json()["message"],
            "field": "Idempotency-Key",
        }
    assert balance(student) == 0


def test_a_body_nested_too_deep_is_refused_as_bad_json(api_as, faculty):
    response = api_as(faculty).post(AWARD, "[" * 200_000)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_not_json_is_refused(api_as, faculty):
    response = api_as(faculty).post(AWARD, "not json{")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_a_list_is_refused(api_as, faculty):
    response = api_as(faculty).post(AWARD, "[1, 2]")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_deduct_cannot_overdraw(api_as, faculty, student, give, category):
    give(student, 10, actor=faculty, category=category)
    response = api_as(faculty).post(
        reverse("api:deduct"), {"student_id": student.pk, "amount": 11, "reason": "Late"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_balance"
    assert balance(student) == 10


def test_bulk_award_is_all_or_nothing_listing_every_bad_line(api_as, faculty, student, category):
    body = {
        "category_id": category.pk,
        "amount": 10,
        "reason": "Hackathon",
        "students": [
            {"enrollment_number": student.enrollment_number},
            {"enrollment_number": "NOPE1"},
            {"enrollment_number": "NOPE2", "amount": 5},
        ],
    }
    response = api_as(faculty).post(reverse("api:bulk-award"), body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_rows"
    assert [row["line"] for row in response.json()["rows"]] == [2, 3]
    assert balance(student) == 0


def test_bulk_award_awards_everyone(api_as, faculty, student, other_student, category):
    body = {
        "category_id": category.pk,
        "amount": 10,
        "reason": "Hackathon",
        "students": [
            {"enrollment_number": student.enrollment_number},
            {"enrollment_number": other_student.enrollment_number.lower(), "amount": 20},
        ],
    }
    response = api_as(faculty).post(reverse("api:bulk-award"), body)
    assert response.status_code == 201
    assert response.json()["total"] == 30
    assert (balance(student), balance(other_student)) == (10, 20)
    audit = AuditLog.objects.get(action="api.bulk_award")
    assert audit.target_type == "portal.ApiToken"


def test_reverse_cancels_an_award_once(api_as, faculty, student, give, category):
    entry = give(student, 20, actor=faculty, category=category)
    api = api_as(faculty)
    url = reverse("api:reverse", args=[entry.pk])
    assert api.post(url, {"reason": "Wrong student"}).status_code == 201
    again = api.post(url, {"reason": "Wrong student"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_reversed"
    assert balance(student) == 0


def test_faculty_cannot_reverse_another_faculty_members_award(
    api_as, faculty, other_faculty, student, give, category
):
    entry = give(student, 20, actor=faculty, category=category)
    response = api_as(other_faculty).post(
        reverse("api:reverse", args=[entry.pk]), {"reason": "Not mine"}
    )
    assert response.status_code == 404
    assert balance(student) == 20


def test_redeem_and_decide(api_as, student, admin, give, category):
    give(student, 50, actor=admin, category=category)
    reward = RewardFactory(cost=30)
    response = api_as(student).post(reverse("api:redeem", args=[reward.pk]))
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert balance(student) == 20
    decide = reverse("api:decide", args=[response.json()["id"]])
    api = api_as(admin)
    refused = api.post(decide, {"decision": "reject"})
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "note_required",
        "message": refused.json()["message"],
        "field": "note",
    }
    answer = api.post(decide, {"decision": "reject", "note": "Out of season"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected"
    assert balance(student) == 50
    assert AuditLog.objects.filter(action="api.decide").count() == 1


def test_a_student_cancels_a_pending_redemption(api_as, student, admin, give, category):
    give(student, 50, actor=admin, category=category)
    reward = RewardFactory(cost=30, stock=4)
    api = api_as(student)
    redemption_id = api.post(reverse("api:redeem", args=[reward.pk])).json()["id"]
    url = reverse("api:redemption-cancel", args=[redemption_id])
    response = api.post(url, key="cancel-1")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    reward.refresh_from_db()
    assert (balance(student), reward.stock) == (50, 4)
    # The same key again answers as the first time and refunds nothing more.
    replay = api.post(url, key="cancel-1")
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == response.json()
    assert balance(student) == 50
    # A new key finds it cancelled already.
    again = api.post(url)
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    assert AuditLog.objects.filter(action="api.cancel_redemption").count() == 1


def test_a_decided_redemption_cannot_be_cancelled(api_as, student, admin, give, category):
    give(student, 50, actor=admin, category=category)
    redemption = redeem(student, RewardFactory(cost=10))
    api_as(admin).post(reverse("api:decide", args=[redemption.pk]), {"decision": "approve"})
    response = api_as(student).post(reverse("api:redemption-cancel", args=[redemption.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "already_decided"
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.APPROVED
    assert balance(student) == 40


def test_cancelling_someone_elses_redemption_is_not_found(
    api_as, student, other_student, admin, give, category
):
    give(student, 50, actor=admin, category=category)
    redemption = redeem(student, RewardFactory(cost=10))
    for url in (
        reverse("api:redemption-cancel", args=[redemption.pk]),
        reverse("api:redemption-cancel", args=[redemption.pk + 1000]),
    ):
        response = api_as(other_student).post(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING
    assert balance(student) == 40


def test_cancelling_needs_an_idempotency_key(api_as, student, admin, give, category):
    give(student, 50, actor=admin, category=category)
    redemption = redeem(student, RewardFactory(cost=10))
    response = api_as(student).post(
        reverse("api:redemption-cancel", args=[redemption.pk]), key=None
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING


def test_decide_refuses_an_unknown_decision(api_as, student, admin, give, category):
    give(student, 50, actor=admin, category=category)
    redemption = redeem(student, RewardFactory(cost=10))
    response = api_as(admin).post(
        reverse("api:decide", args=[redemption.pk]), {"decision": "maybe"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"
    assert response.json()["field"] == "decision"
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.PENDING


def test_redeeming_without_the_points_is_a_conflict(api_as, student):
    reward = RewardFactory(cost=30)
    response = api_as(student).post(reverse("api:redeem", args=[reward.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_balance"
    assert not Redemption.objects.exists()


def test_check_in_as_organiser_credits_once(api_as, faculty, student, category):
    event = EventFactory(organiser=faculty, category=category)
    api = api_as(faculty)
    url = reverse("api:check-in", args=[event.pk])
    response = api.post(url, {"student_id": student.pk})
    assert response.status_code == 201
    assert response.json()["method"] == CheckIn.Method.MANUAL
    again = api.post(url, {"student_id": student.pk})
    assert again.status_code == 409
    assert again.json()["code"] == "already_checked_in"
    assert balance(student) == 10
    assert AuditLog.objects.get(action="api.check_in").target_id == str(response.json()["id"])


def test_a_club_officer_checks_another_student_in_to_their_clubs_event(
    api_as, officer, club, faculty, student, category
):
    event = EventFactory(organiser=faculty, club=club, category=category)
    response = api_as(officer).post(
        reverse("api:check-in", args=[event.pk]), {"student_id": student.pk}
    )
    assert response.status_code == 201, response.json()
    assert balance(student) == 10


def test_another_organisers_event_is_not_found(api_as, other_faculty, faculty, student, category):
    event = EventFactory(organiser=faculty, category=category)
    response = api_as(other_faculty).post(
        reverse("api:check-in", args=[event.pk]), {"student_id": student.pk}
    )
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


# --- tokens at the door ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer upas_nope", "Token abc", "Bearer upas_12345678_wrong", "Basic Zm9vOmJhcg=="],
)
def test_bad_credentials_get_401(faculty, header):
    api = Api(None)
    response = api.client.get(reverse("api:me"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] in {"bad_token", "not_authenticated"}


def test_a_wrong_secret_with_a_real_prefix_gets_401(token_for, faculty):
    secret = token_for(faculty)
    response = Api(secret[:-2] + "xx").get(reverse("api:me"))
    assert response.status_code == 401


def test_an_expired_token_gets_401(token_for, faculty):
    secret = token_for(faculty, days=1)
    ApiToken.objects.update(expires_at="2020-01-01T00:00:00Z")
    assert Api(secret).get(reverse("api:me")).status_code == 401


def test_a_deactivated_owner_token_gets_401(token_for, faculty):
    secret = token_for(faculty)
    faculty.is_active = False
    faculty.save()
    assert Api(secret).get(reverse("api:me")).status_code == 401


def test_only_the_hash_of_the_secret_is_stored(token_for, faculty):
    secret = token_for(faculty)
    token = ApiToken.objects.get()
    assert secret.startswith(f"upas_{token.prefix}_")
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert not any(secret in value or secret[14:] in value for value in stored)


def test_last_used_is_written_at_most_once_a_minute(token_for, faculty, django_assert_num_queries):
    api = Api(token_for(faculty))
    api.get(reverse("api:categories"))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.get(reverse("api:categories"))
    assert ApiToken.objects.get().last_used_at == first


def test_a_token_is_rate_limited_with_retry_after(token_for, faculty, settings):
    settings.UPAS_API_TOKEN_RATE = "3/m"
    api = Api(token_for(faculty))
    statuses = [api.get(reverse("api:categories")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get(reverse("api:categories"))
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_guessing_tokens_is_rate_limited_per_address(settings):
    settings.UPAS_API_ANONYMOUS_RATE = "3/m"
    api = Api("upas_12345678_guess")
    statuses = [api.get(reverse("api:me")).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "Retry-After" in api.get(reverse("api:me"))


def test_an_unexpected_error_is_a_json_500_without_a_traceback(api_as, student, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("portal.api.views.list_catalogue", broken)
    response = api_as(student).get(reverse("api:rewards"))
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"secret internals" not in response.content
