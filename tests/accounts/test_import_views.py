"""The student import page: admins only, htmx and plain posts, errors next to what caused them,
the template download."""

from __future__ import annotations

import csv
import io

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditLog, StudentProfile, User
from portal.services import imports
from tests.accounts.test_import import ASHA, LI, PNG, counts, csv_of
from tests.html import HX, find, find_all, text

pytestmark = pytest.mark.django_db

URL = "/staff/people/import/"


def upload(data: bytes, name: str = "students.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_page_lives_at_its_stable_address():
    assert reverse("portal:student-import") == URL
    assert reverse("portal:student-import-template") == f"{URL}template.csv"


def test_admin_sees_the_form_the_template_link_and_a_busy_indicator(client_as, admin):
    response = client_as(admin).get(URL)
    assert response.status_code == 200
    form = find(response.content, "form", hx_post=URL)
    assert dict(form.attributes)["hx-encoding"] == "multipart/form-data"
    assert dict(form.attributes)["enctype"] == "multipart/form-data"  # works without JS too
    assert dict(form.attributes)["hx-target"] == "#import-panel"
    assert find(form, "input", type="file", name="file", accept=".csv,text/csv")
    assert find(form, "input", type="checkbox", name="invite")
    assert find(form, id="import-busy")
    assert find(response.content, "a", href=f"{URL}template.csv")


@pytest.mark.parametrize("who", ["student", "faculty"])
def test_students_and_faculty_are_refused(request, client_as, who):
    client = client_as(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": upload(csv_of(ASHA))}).status_code == 403
    assert not StudentProfile.objects.filter(enrollment_number="CS100").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client_as):
    response = client_as(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_people_page_links_to_the_import(client_as, admin):
    response = client_as(admin).get(reverse("portal:user-list"))
    assert find(response.content, "a", href=URL)


def test_htmx_import_answers_with_the_panel_and_a_summary(client_as, admin, department):
    response = client_as(admin).post(URL, {"file": upload(csv_of(ASHA, LI))}, **HX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    panel = find(response.content, id="import-panel")
    result = text(find(panel, id="import-result"))
    assert "Imported 2 rows: 2 new, 0 updated, 0 unchanged." in result
    assert StudentProfile.objects.filter(enrollment_number__in=["CS100", "CS101"]).count() == 2


def test_plain_import_redirects_with_the_summary_as_a_message(client_as, admin, department):
    client = client_as(admin)
    response = client.post(URL, {"file": upload(csv_of(ASHA))})
    assert (response.status_code, response["Location"]) == (302, URL)
    page = client.get(URL)
    assert "Imported 1 row: 1 new" in text(find(page.content, id="messages"))


def test_bad_rows_are_listed_in_a_table_and_nothing_is_written(client_as, admin, department):
    before = counts()
    data = csv_of(ASHA, "nope,No Email,CS102,CS,BSc,1", "x@upas.test,Unknown,CS103,ZZ,BSc,1")
    response = client_as(admin).post(URL, {"file": upload(data)}, **HX)
    assert response.status_code == 200
    result = find(response.content, id="import-result")
    assert "Nothing was imported" in text(result)
    rows = [[text(td) for td in find_all(tr, "td")] for tr in find_all(result, "tr")[1:]]
    assert rows[0] == ["3", "nope", "This is not a valid email address."]
    assert rows[1][:2] == ["4", "ZZ"]
    assert rows[1][2].startswith("No such department.")
    assert len(rows) == 2
    assert counts() == before


def test_bad_rows_without_htmx_render_the_full_page(client_as, admin, department):
    response = client_as(admin).post(URL, {"file": upload(csv_of("nope,X,CS1,CS,BSc,1"))})
    assert response.status_code == 200
    assert b"<html" in response.content
    assert "Nothing was imported" in text(find(response.content, id="import-result"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PNG, "This is not a CSV text file"),
        (b"\x00\x01\x02\x03" * 100, "This is not a CSV text file"),
        (b"email,name\nx@upas.test,X\n", "The first row must name the columns"),
        (b"", "The submitted file is empty."),
    ],
    ids=["png", "binary", "no-header", "empty"],
)
def test_a_file_that_is_not_a_student_list_gets_a_message_next_to_the_field(
    client_as, admin, department, data, message
):
    before = counts()
    response = client_as(admin).post(URL, {"file": upload(data, "photo.csv")}, **HX)
    assert response.status_code == 200
    assert message in text(find(response.content, id="div_id_file"))
    assert not find_all(response.content, id="import-result")
    assert counts() == before


def test_a_file_over_5_mb_is_refused_next_to_the_field(client_as, admin, department):
    before = counts()
    huge = csv_of(ASHA) + b"\n" + b"a" * imports.MAX_BYTES
    response = client_as(admin).post(URL, {"file": upload(huge)}, **HX)
    assert "the limit is 5 MB" in text(find(response.content, id="div_id_file"))
    assert counts() == before


def test_a_missing_file_is_a_field_error(client_as, admin):
    response = client_as(admin).post(URL, {"invite": "on"}, **HX)
    assert "This field is required." in text(find(response.content, id="div_id_file"))
    # The user's choice is kept.
    checkbox = find(response.content, "input", name="invite")
    assert "checked" in dict(checkbox.attributes)


@pytest.mark.django_db(transaction=True)
def test_invitations_are_sent_after_commit_and_counted_on_the_page(client_as, department):
    from tests.factories import UserFactory

    admin = UserFactory(email="admin@upas.test", role="admin")
    response = client_as(admin).post(URL, {"file": upload(csv_of(ASHA, LI)), "invite": "on"}, **HX)
    assert "2 invitations sent." in text(find(response.content, id="import-result"))
    assert sorted(m.to[0] for m in mail.outbox) == ["asha@upas.test", "li@upas.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_invitations_from_the_page_are_limited_and_the_file_is_refused_whole(
    client_as, admin, department, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "PAGE_INVITE_LIMIT", 1)
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin).post(
            URL, {"file": upload(csv_of(ASHA, LI)), "invite": "on"}, **HX
        )
    error = text(find(response.content, id="div_id_invite"))
    assert "This file adds 2 new students; this page emails at most 1 at a time." in error
    assert (counts(), mail.outbox) == (before, [])


def test_no_invitation_without_the_checkbox(
    client_as, admin, department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_as(admin).post(URL, {"file": upload(csv_of(ASHA))}, **HX)
    assert mail.outbox == []


def test_the_template_downloads_and_imports_as_it_is(client_as, admin, department):
    client = client_as(admin)
    response = client.get(reverse("portal:student-import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == imports.COLUMNS
    assert rows[1][3] == "CS"
    users = User.objects.count()
    response = client.post(URL, {"file": upload(body)}, **HX)
    assert "2 new" in text(find(response.content, id="import-result"))
    assert User.objects.count() == users + 2
    assert EmailAddress.objects.filter(email=rows[1][0], verified=True).exists()
    assert AuditLog.objects.filter(action="students.import", actor=admin).count() == 1
