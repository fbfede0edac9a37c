"""An htmx request from a page whose session ended loads the sign-in page whole and comes back
to the page (not to the partial's URL); the XHR never renders the sign-in page, so it sets no
CSRF cookie that could race the page's own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_poll_after_the_session_ended_sends_the_page_to_sign_in(client):
    response = client.get(
        reverse("portal:notification-bell"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/rewards/?sort=cost",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Frewards%2F%3Fsort%3Dcost"
    assert settings.CSRF_COOKIE_NAME not in response.cookies


def test_a_plain_visit_still_gets_the_usual_redirect(client):
    response = client.get(reverse("portal:history"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/history/"


def test_a_redirect_elsewhere_is_left_alone(client_as, student):
    """Signed in: an htmx request answered with a redirect that is not the sign-in page keeps
    it (the dashboard partials send plain visits to the dashboard)."""
    response = client_as(student).get(reverse("portal:points-chart"))
    assert response.status_code == 302 and response["Location"].startswith("/")
    assert "HX-Redirect" not in response
