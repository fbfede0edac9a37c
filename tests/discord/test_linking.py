"""Linking: a one-time code from Settings, typed as /link in Discord."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import AuditLog, DiscordLink, DiscordLinkCode
from portal.services.discord import hash_code

from .conftest import OTHER_DISCORD, STUDENT_DISCORD
from .helpers import link

pytestmark = pytest.mark.django_db

CODE = re.compile(r"tracking-widest[^>]*>([A-Z2-9]{4})-([A-Z2-9]{4})<")


def get_code(client) -> str:
    response = client.post("/settings/discord/code/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    first, second = CODE.search(response.content.decode()).groups()
    return first + second


def test_a_code_is_shown_once_and_stored_only_hashed(discord, client_as, student):
    code = get_code(client_as(student))
    assert len(code) == 8
    assert not set(code) & set("01OIL")
    stored = DiscordLinkCode.objects.get(user=student.user)
    assert stored.code_hash == hash_code(code)
    assert code not in stored.code_hash
    assert timedelta(minutes=14) < stored.expires_at - timezone.now() <= timedelta(minutes=15)


def test_htmx_gets_the_settings_section_alone(discord, client_as, student):
    response = client_as(student).post("/settings/discord/code/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="discord-settings"' in body
    assert CODE.search(body)


def test_a_new_code_replaces_the_unused_one(discord, client_as, student):
    client = client_as(student)
    old = get_code(client)
    new = get_code(client)
    assert DiscordLinkCode.objects.filter(user=student.user).count() == 1
    assert "not valid" in discord.say("link", STUDENT_DISCORD, code=old)
    assert "Linked to Alice Student" in discord.say("link", STUDENT_DISCORD, code=new)


def test_link_with_the_code_links_and_is_audited(discord, client_as, student):
    code = get_code(client_as(student))
    text = discord.say("link", STUDENT_DISCORD, code=f"{code[:4].lower()}-{code[4:]}")
    assert text == "Linked to Alice Student. Type /points to see your points."
    assert DiscordLink.objects.get().discord_user_id == STUDENT_DISCORD
    assert not DiscordLinkCode.objects.exists()
    audit = AuditLog.objects.get(action="discord.link")
    assert audit.actor == student.user
    assert audit.after == {"discord_user_id": STUDENT_DISCORD}
    assert discord.say("points", STUDENT_DISCORD).startswith("Balance: 0 points")


@pytest.mark.parametrize("typed", ["ABCDEFGH", "nonsense", "", "A" * 20, "ABCD-EFG0"])
def test_a_wrong_code_links_nothing(discord, client_as, student, typed):
    get_code(client_as(student))
    text = discord.say("link", STUDENT_DISCORD, code=typed)
    assert text == "This code is not valid. Get a new one in the portal's Settings."
    assert not DiscordLink.objects.exists()
    assert DiscordLinkCode.objects.count() == 1


def test_an_expired_code_links_nothing(discord, client_as, student):
    code = get_code(client_as(student))
    DiscordLinkCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    text = discord.say("link", STUDENT_DISCORD, code=code)
    assert text == "This code has expired. Get a new one in the portal's Settings."
    assert not DiscordLink.objects.exists()


def test_a_used_code_cannot_link_another_discord_account(discord, client_as, student):
    code = get_code(client_as(student))
    discord.say("link", STUDENT_DISCORD, code=code)
    text = discord.say("link", OTHER_DISCORD, code=code)
    assert "not valid" in text
    assert list(DiscordLink.objects.values_list("discord_user_id", flat=True)) == [STUDENT_DISCORD]


def test_a_discord_account_linked_to_someone_else_is_not_taken_over(
    discord, client_as, student, other_student
):
    link(other_student, STUDENT_DISCORD)
    code = get_code(client_as(student))
    text = discord.say("link", STUDENT_DISCORD, code=code)
    assert "linked to another portal account" in text
    assert DiscordLink.objects.get().user == other_student.user
    assert DiscordLinkCode.objects.count() == 1  # not spent by a refusal


def test_linking_another_discord_account_replaces_the_link(discord, client_as, student):
    link(student, STUDENT_DISCORD)
    code = get_code(client_as(student))
    discord.say("link", OTHER_DISCORD, code=code)
    assert DiscordLink.objects.get(user=student.user).discord_user_id == OTHER_DISCORD
    audit = AuditLog.objects.get(action="discord.link")
    assert audit.before == {"discord_user_id": STUDENT_DISCORD}
    assert "not linked" in discord.say("points", STUDENT_DISCORD)


def test_settings_show_the_link_and_unlinking_removes_it(discord, client_as, student):
    link(student, STUDENT_DISCORD)
    client = client_as(student)
    page = client.get("/settings/").content.decode()
    assert f"linked to the Discord user {STUDENT_DISCORD}" in page
    response = client.post("/settings/discord/unlink/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/#discord-settings"
    assert not DiscordLink.objects.exists()
    audit = AuditLog.objects.get(action="discord.unlink")
    assert audit.before == {"discord_user_id": STUDENT_DISCORD}
    assert "not linked" in discord.say("points", STUDENT_DISCORD)


def test_unlinking_without_a_link_changes_nothing(discord, client_as, student):
    client_as(student).post("/settings/discord/unlink/")
    assert not AuditLog.objects.exists()


def test_settings_offer_a_code_when_the_bot_is_on(discord, client_as, faculty):
    page = client_as(faculty).get("/settings/").content.decode()
    assert "Get a link code" in page


def test_without_the_bot_settings_show_no_discord_section(client_as, student, settings):
    settings.DISCORD_PUBLIC_KEY = ""
    page = client_as(student).get("/settings/").content.decode()
    assert 'id="discord-settings"' not in page
    assert client_as(student).post("/settings/discord/code/").status_code == 404
    assert not DiscordLinkCode.objects.exists()
