"""Arabic beside English (issue 18, item 5): the browser's language for visitors, a choice in the
header and settings kept on the account, right-to-left pages, Arabic plurals, emails in the
recipient's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from portal.models import Notification, User
from portal.services.notifications import notify
from tests.helpers import award_data

pytestmark = pytest.mark.django_db
LANGUAGE = reverse("portal:language")


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_gets_the_language_their_browser_asks_for(client):
    arabic = html_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar"))
    assert '<html lang="ar" dir="rtl"' in arabic
    assert "تسجيل الدخول" in arabic
    english = html_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="en-gb" dir="ltr"' in english
    assert "Sign in" in english


def test_a_visitor_can_choose_arabic_in_the_header(client):
    page = html_of(client.get("/accounts/login/"))
    assert f'action="{LANGUAGE}"' in page and 'value="ar" lang="ar"' in page
    response = client.post(LANGUAGE, {"language": "ar", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert '<html lang="ar" dir="rtl"' in html_of(client.get("/accounts/login/"))


def test_a_signed_in_choice_is_kept_on_the_account_and_wins_over_the_browser(client_as, student):
    client = client_as(student)
    client.post(LANGUAGE, {"language": "ar", "next": reverse("portal:settings")})
    student.user.refresh_from_db()
    assert student.user.language == "ar"
    # Another device, whose browser asks for English: the account's choice is what counts.
    other = client_as(student)
    other.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    page = html_of(other.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="ar" dir="rtl"' in page


def test_the_browsers_language_can_be_chosen_again(client_as, student):
    student.user.language = "ar"
    student.user.save(update_fields=["language"])
    client = client_as(student)
    response = client.post(LANGUAGE, {"language": "", "next": reverse("portal:settings")})
    assert response.status_code == 302
    student.user.refresh_from_db()
    assert student.user.language == ""
    page = html_of(client.get(reverse("portal:settings"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en-gb" dir="ltr"' in page


def test_an_unknown_language_changes_nothing_and_says_so(client_as, student):
    client = client_as(student)
    response = client.post(LANGUAGE, {"language": "xx"}, follow=True)
    assert "Choose one of the languages offered." in response.content.decode()
    student.user.refresh_from_db()
    assert student.user.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_language_choice_never_sends_anyone_off_site(client):
    response = client.post(LANGUAGE, {"language": "ar", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil")


def test_the_settings_page_offers_the_languages(client_as, student):
    page = html_of(client_as(student).get(reverse("portal:settings")))
    assert 'name="language" value="ar"' in page
    assert "The language my browser asks for" in page


def test_arabic_counts_have_their_own_plural_forms():
    """Arabic has six plural forms (zero, one, two, few 3-10, many 11-99, other); English two."""
    singular = "Too many failed sign-in attempts. Try again in %(n)s minute."
    plural = "Too many failed sign-in attempts. Try again in %(n)s minutes."
    with translation.override("ar"):
        two, few, many = (ngettext(singular, plural, n) % {"n": n} for n in (2, 5, 15))
    assert "دقيقتين" in two  # the dual
    assert "دقائق" in few  # 3 to 10: the plural
    assert "دقيقة" in many and "دقائق" not in many  # 11 to 99: singular after the number


def test_an_email_goes_out_in_the_recipients_language(student, django_capture_on_commit_callbacks):
    User.objects.filter(pk=student.user_id).update(language="ar")
    student.user.refresh_from_db()
    with (
        translation.override("en-gb"),  # the actor (a faculty member) reads English
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(student.user, kind=Notification.Kind.POINTS, message="+10")
    (email,) = mail.outbox
    with translation.override("ar"):
        footer = translation.gettext("You can choose which emails you get in your settings.")
    assert footer != "You can choose which emails you get in your settings."
    assert footer in email.body


def test_a_notification_is_written_in_the_students_language(client_as, faculty, student, category):
    """The faculty member awards in English; the student who reads Arabic is told in Arabic."""
    User.objects.filter(pk=student.user_id).update(language="ar")
    client_as(faculty).post(
        reverse("portal:award-create"),
        award_data(student, category, points=10),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    told = Notification.objects.filter(user=student.user, kind=Notification.Kind.POINTS)
    message = told.latest("id").message  # (a first badge is told too, in its own notification)
    with translation.override("ar"):
        expected = ngettext(
            "You received %(points)s point for %(category)s: %(reason)s",
            "You received %(points)s points for %(category)s: %(reason)s",
            10,
        ).split("%")[0]
    assert expected.strip() and message.startswith(expected), message
