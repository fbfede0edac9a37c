"""The admin menu's links are drawn once per process for each combination of what they show
(`portal.templatetags.portal.admin_links`): what it keeps must be what the template draws with
the page's whole context, for every page, language, placement, pending count and admin."""

from __future__ import annotations

import re

import pytest
from django.template import RequestContext, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from portal.context_processors import navigation
from portal.templatetags import portal as tags
from tests.factories import RewardFactory
from tests.helpers import award, redeem

pytestmark = pytest.mark.django_db

PAGES = ["portal:dashboard", "portal:redemption-queue", "portal:user-list", "portal:webhook-list"]
PLACEMENTS = ["nav-link block", "nav-link flex items-center justify-between"]


def draw(user, url_name: str, classes: str, *, through: str) -> str:
    """The admin links on `url_name`'s page as `user` sees them: through the cached tag, or
    through a plain include with the page's whole context (context processors and all)."""
    request = RequestFactory().get(reverse(url_name))
    request.user = user
    request.resolver_match = resolve(request.path_info)
    if through == "tag":
        source = "{% load portal %}{% admin_links classes=classes %}"
    else:
        source = '{% include "portal/components/admin_links.html" %}'
    context = RequestContext(request, {"classes": classes}, [navigation])
    return Template(source).render(context)


@pytest.fixture(autouse=True)
def _nothing_kept():
    tags._admin_links_drawn.clear()
    yield
    tags._admin_links_drawn.clear()


@pytest.mark.parametrize("language", ["en-gb", "ar"])
def test_the_kept_links_are_what_the_template_draws(admin, language):
    with translation.override(language):
        for url_name in PAGES:
            for classes in PLACEMENTS:
                expected = draw(admin, url_name, classes, through="include")
                assert draw(admin, url_name, classes, through="tag") == expected
                assert draw(admin, url_name, classes, through="tag") == expected  # kept
    assert len(tags._admin_links_drawn) == len(PAGES) * len(PLACEMENTS)


def test_the_current_page_and_the_language_are_part_of_what_is_kept(admin):
    on_queue = draw(admin, "portal:redemption-queue", PLACEMENTS[0], through="tag")
    on_people = draw(admin, "portal:user-list", PLACEMENTS[0], through="tag")
    assert 'nav-link-active" href="/staff/redemptions/"' in on_queue.replace("  ", " ")
    assert on_queue != on_people
    with translation.override("ar"):
        arabic = draw(admin, "portal:redemption-queue", PLACEMENTS[0], through="tag")
    assert arabic != on_queue


def test_a_new_pending_redemption_changes_the_count(admin, student, faculty, category):
    before = draw(admin, "portal:dashboard", PLACEMENTS[0], through="tag")
    award(faculty, student, category, 50)
    redeem(student, RewardFactory(cost=10))
    after = draw(admin, "portal:dashboard", PLACEMENTS[0], through="tag")
    assert after != before
    assert after == draw(admin, "portal:dashboard", PLACEMENTS[0], through="include")
    assert "(1)" in after and "(1)" not in before


def test_a_department_admin_does_not_get_the_full_admins_links(admin, department_admin):
    full = draw(admin, "portal:dashboard", PLACEMENTS[0], through="tag")
    limited = draw(department_admin, "portal:dashboard", PLACEMENTS[0], through="tag")
    assert "Webhooks" in full and "Webhooks" not in limited
    assert limited == draw(department_admin, "portal:dashboard", PLACEMENTS[0], through="include")


def test_the_template_reads_only_what_the_tag_gives_it_and_keys_on():
    """The tag draws the links with `classes`, `can`, `nav_pending` and `request` only, and
    keys on the abilities it finds in the source: a template that read anything else (the
    user, an include, a `with` renaming `can`) would be drawn wrong or kept too widely."""
    source = get_template(tags.ADMIN_LINKS).template.source
    read = set()
    for tag in re.findall(r"\{\{(.*?)\}\}|\{%\s*(?:if|elif|with|for)\b(.*?)%\}", source):
        expression = " ".join(tag)
        expression = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)  # string literals
        read.update(re.findall(r"(?<![.\w|:])([a-z_]+)(?=[.\s|%}]|$)", expression))
    read -= {"and", "or", "not", "in", "is"}
    assert read <= {"classes", "can", "nav_pending"}, read
    assert "{% include" not in source and "{% with" not in source
    asked = set(tags.abilities_read_by(tags.ADMIN_LINKS))
    assert asked == set(re.findall(r"\bcan\.(\w+)", source))
    assert {"manage_partners", "manage_webhooks", "manage_api_tokens"} <= asked
