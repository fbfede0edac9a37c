"""The certificate and transcript PDFs: well-formed files carrying exactly what was signed, with
every text on the page and nothing off it."""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from django.utils import translation
from reportlab.lib.styles import ParagraphStyle

from portal.documents import pdf
from portal.domain import signing
from portal.domain.signing import SignatureError

TITLE_200 = ("Completed: organising the inter-faculty charity marathon, " * 4)[:200]
ACCENTED_NAME = "Zoë Åsa Müller-Straße"


def content(data: bytes) -> bytes:
    """The PDF's page content streams, decoded (reportlab writes them ASCII85 over Flate)."""
    decoded = []
    for match in re.finditer(rb"<<([^>]*)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        filters, stream = match.group(1), match.group(2).strip()
        if b"/ASCII85Decode" in filters:
            stream = base64.a85decode(stream, adobe=True)
        if b"/FlateDecode" in filters:
            stream = zlib.decompress(stream)
        decoded.append(stream)
    return b"\n".join(decoded)


def drawn(text: str) -> bytes:
    """`text` as a content stream shows it in a built-in font: WinAnsi bytes, escaped."""
    shown = b""
    for byte in text.encode("cp1252"):
        if byte > 126:
            shown += b"\\%03o" % byte
        elif byte in b"()\\":
            shown += b"\\" + bytes([byte])
        else:
            shown += bytes([byte])
    return shown


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", data))  # \b: not /Pages, the page tree


def assert_well_formed(data: bytes) -> None:
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_certificate_pdf_carries_exactly_the_signed_certificate(certificate_document, sign, keys):
    signed = sign(certificate_document())

    data = pdf.certificate_pdf(signed)

    assert_well_formed(data)
    assert pages(data) == 1
    assert signing.find_in_pdf(data) == signed
    assert signing.verify(signing.find_in_pdf(data), keys) == signed["document"]


def test_transcript_pdf_carries_exactly_the_signed_transcript(transcript_document, sign, keys):
    signed = sign(transcript_document())

    data = pdf.transcript_pdf(signed)

    assert_well_formed(data)
    assert signing.find_in_pdf(data) == signed
    assert signing.verify(signing.find_in_pdf(data), keys) == signed["document"]


@pytest.mark.parametrize("where", [0, 1, 50, 500, 0.5, 0.9])
def test_one_changed_byte_of_the_embedded_document_fails_verification(
    certificate_document, sign, keys, where
):
    data = pdf.certificate_pdf(sign(certificate_document()))
    start = data.index(signing.PDF_MARKER.encode()) + len(signing.PDF_MARKER)
    length = len(signing.embed_marker(signing.find_in_pdf(data))) - len(signing.PDF_MARKER)
    # Not the last character: its low bits may be padding that decoding ignores.
    at = start + (int(where * length) if isinstance(where, float) else where)
    replacement = b"B" if data[at : at + 1] == b"A" else b"A"
    tampered = data[:at] + replacement + data[at + 1 :]

    with pytest.raises(SignatureError):
        signing.verify(signing.find_in_pdf(tampered), keys)


def test_an_edited_document_of_the_same_length_fails_verification(certificate_document, sign, keys):
    signed = sign(certificate_document(points=20))
    data = pdf.certificate_pdf(signed)
    edited = {**signed, "document": {**signed["document"], "points": 90}}
    tampered = data.replace(
        signing.embed_marker(signed).encode(), signing.embed_marker(edited).encode()
    )

    assert signing.find_in_pdf(tampered)["document"]["points"] == 90
    with pytest.raises(SignatureError, match="altered"):
        signing.verify(signing.find_in_pdf(tampered), keys)


def test_a_title_posing_as_a_marker_does_not_replace_the_signed_document(
    certificate_document, sign
):
    someone_elses = sign(certificate_document(holder={"name": "Mallory"}))
    signed = sign(certificate_document(title=signing.embed_marker(someone_elses)))

    data = pdf.certificate_pdf(signed)

    assert signing.find_in_pdf(data) == signed
    assert data.count(signing.PDF_MARKER.encode()) == 1


def test_pdfs_name_the_document_and_its_issuer_in_their_metadata(
    certificate_document, transcript_document, sign
):
    certificate = pdf.certificate_pdf(sign(certificate_document()))
    transcript = pdf.transcript_pdf(sign(transcript_document()))

    assert b"/Title (Certificate: Attended: AI Workshop)" in certificate
    assert b"/Author (University of Fjordland)" in certificate
    assert b"/Title (Co-curricular transcript: Alice Student)" in transcript
    assert b"/Author (University of Fjordland)" in transcript


def test_certificate_shows_holder_what_when_issuer_and_code(certificate_document, sign):
    signed = sign(certificate_document(holder={"name": ACCENTED_NAME}))

    page = content(pdf.certificate_pdf(signed))

    for text in (
        "University of Fjordland",
        "This is to certify that",
        ACCENTED_NAME,  # é, å, ü, ß in the built-in fonts' encoding, not dropped or replaced
        "Attended: AI Workshop",
        "on 12 March 2026",
        "Category: Workshops · 20 points",
        "Issued by Dr Faculty for University of Fjordland",
        "Issued on 13 March 2026",
        "Scan to verify",
        f"Signed with Ed25519 key {signed['signature']['kid']}",
    ):
        assert drawn(text) in page, text
    assert drawn(signed["document"]["code"]) in page
    assert drawn(signed["document"]["verify_url"]) in page


def test_certificate_leaves_out_category_points_and_issuer_person_when_there_are_none(
    certificate_document, sign
):
    page = content(
        pdf.certificate_pdf(sign(certificate_document(category="", points=None, issued_by="")))
    )

    assert drawn("Category") not in page
    assert page.count(b"point") == 1  # the host name in the verification URL
    assert drawn("Issued by University of Fjordland") in page


def test_certificate_with_a_200_character_title_and_long_accented_names_renders(
    certificate_document, sign
):
    assert len(TITLE_200) == 200
    signed = sign(
        certificate_document(
            title=TITLE_200,
            holder={"name": " ".join([ACCENTED_NAME, "Ødegård-Bjørnstad"] * 4)},
            description="Ø" * 300,  # one unbreakable word
            issued_by="Prof. Dr. Jean-François Ménard-Thériault de la Fontaine " * 3,
        )
    )

    data = pdf.certificate_pdf(signed)

    assert_well_formed(data)
    assert pages(data) == 1
    assert signing.find_in_pdf(data) == signed


@pytest.mark.parametrize(
    "text",
    [TITLE_200, "Ø" * 200, "word " * 400],
    ids=["200 characters", "one long word", "2000 characters"],
)
def test_long_texts_are_fitted_to_their_box(text):
    """What keeps the certificate's texts on the page: smaller, wrapped, then cut."""
    style = ParagraphStyle("title", fontName="Times-Roman", fontSize=21, leading=26)

    paragraph, height = pdf._fit(text, style, width=600, max_height=66, min_size=12)

    assert height <= 66
    assert paragraph.wrap(600, 66)[1] <= 66
    assert max(paragraph.getActualLineWidths0()) <= 600


def test_a_short_text_keeps_its_size():
    style = ParagraphStyle("title", fontName="Times-Roman", fontSize=21, leading=26)

    paragraph, height = pdf._fit("Attended: AI Workshop", style, 600, 66, 12)

    assert paragraph.style.fontSize == 21
    assert height == 26


def test_documents_are_issued_in_english_whatever_the_active_language(
    certificate_document, transcript_document, sign
):
    with translation.override("ar"):
        certificate = content(pdf.certificate_pdf(sign(certificate_document())))
        transcript = content(pdf.transcript_pdf(sign(transcript_document())))

    assert drawn("This is to certify that") in certificate
    assert drawn("Co-curricular transcript") in transcript


def test_transcript_shows_the_record(transcript_document, sign):
    signed = sign(transcript_document(events=2, activities=2))

    page = content(pdf.transcript_pdf(signed))

    for text in (
        "Co-curricular transcript",
        "Alice Student",
        "13 March 2026",
        "30 points",
        "Level 2: Silver",
        "Academic year 2025–26",
        "Events attended",
        "Event 1",
        "Approved activities",
        "Community service · 10 points",
        "Volunteering 1",
        "Activity claim",
        "Chess club",
        "Treasurer",
        "First steps",
        "Page 1 of 1",
    ):
        assert drawn(text) in page, text


def test_an_empty_transcript_says_so_in_each_section(transcript_document, sign):
    empty = transcript_document(
        events=0, activities=0, years=[], clubs=[], badges=[], level=None, total_points=0
    )

    data = pdf.transcript_pdf(sign(empty))

    assert_well_formed(data)
    page = content(data)
    for text in (
        "0 points",
        "No level yet",
        "No points recorded yet.",
        "No club memberships.",
        "No badges earned yet.",
    ):
        assert drawn(text) in page, text


def test_an_empty_year_says_so_for_events_and_activities(transcript_document, sign):
    page = content(pdf.transcript_pdf(sign(transcript_document(events=0, activities=0))))

    assert drawn("No events attended this year.") in page
    assert drawn("No approved activities this year.") in page


def test_a_60_item_transcript_runs_over_pages_each_with_its_footer(transcript_document, sign):
    signed = sign(transcript_document(events=40, activities=20))

    data = pdf.transcript_pdf(signed)

    count = pages(data)
    assert count >= 2
    page = content(data)
    for number in range(1, count + 1):
        assert drawn(f"Page {number} of {count}") in page
    document = signed["document"]
    footer = f"Transcript {document['code']} · verify at {document['verify_url']}"
    assert page.count(drawn(footer)) == count
    assert page.count(drawn(document["holder"]["name"])) == count + 1  # and in the header
    assert signing.find_in_pdf(data) == signed


def test_a_long_event_title_wraps_in_its_table_cell(transcript_document, sign):
    document = transcript_document(events=1, activities=0)
    document["years"][0]["events"][0]["title"] = TITLE_200

    page = content(pdf.transcript_pdf(sign(document)))

    assert drawn(TITLE_200) not in page  # not on one line: wrapped
    assert drawn(TITLE_200[:30]) in page
