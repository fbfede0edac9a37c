"""Tables page by the size their view chose: `?per_page=` from the URL is ignored (a negative
number was a server error on the history, a huge one read a whole table)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import award

pytestmark = pytest.mark.django_db

TABLES = [
    ("portal:history", "admin", 25),
    ("portal:reviews", "faculty", 25),
    ("portal:redemption-queue", "admin", 25),
    ("portal:audit-log", "admin", 30),
]


@pytest.mark.parametrize("asked", ["-5", "0", "1", "100000000", "many"])
@pytest.mark.parametrize(("name", "role", "size"), TABLES)
def test_the_page_size_is_the_views(
    request, client_as, faculty, student, category, name, role, size, asked
):
    for _ in range(size + 1):
        award(faculty, student, category, 5)
    response = client_as(request.getfixturevalue(role)).get(reverse(name), {"per_page": asked})
    assert response.status_code == 200
    table = response.context["table"]
    assert table.paginator.per_page == size
    if name == "portal:history":
        assert len(table.page.object_list) == size  # more entries than a page


@pytest.mark.parametrize("asked", ["9" * 30, str(2**62), "x", "-1"])
@pytest.mark.parametrize(("name", "role", "size"), TABLES)
def test_a_page_number_no_offset_can_reach_shows_the_first_page(
    request, client_as, faculty, student, category, name, role, size, asked
):
    """A number whose OFFSET passes 64 bits was a database error (a server error on the history
    and the redemption queue); now the table shows its first page, as for any number that is
    not one."""
    award(faculty, student, category, 5)
    response = client_as(request.getfixturevalue(role)).get(reverse(name), {"page": asked})
    assert response.status_code == 200
    assert response.context["table"].page.number == 1
