"""The certificate and transcript PDFs, drawn from the signed object alone.

A PDF is one view of the signed JSON, not a record of its own: it carries that JSON in its
metadata (`signing.embed_marker`, in the Keywords entry), so a downloaded file verifies with
no database, and whatever the page shows can be checked against what was signed.

Both documents are issued in English: they render under `translation.override("en")`, whatever
the requester's language. reportlab's built-in Helvetica and Times fonts have no Arabic glyphs,
and reportlab neither shapes Arabic letters nor reorders right-to-left text, so an Arabic
rendering would print unjoined letters in the wrong order (or boxes). Latin names with accents
(é, ø, ß) are in those fonts' encoding and print as written. The built-in fonts also keep font
files out of the repository and embedding out of each PDF (a certificate is about 7 KiB).

Every text that comes from the record (names, titles, descriptions, URLs) is fitted to its box:
it shrinks, wraps, and as a last resort is cut with an ellipsis, so nothing runs off the page."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portal.domain import signing
from portal.phrases import points_phrase

INK = colors.HexColor("#1f2a44")
GOLD = colors.HexColor("#a8884e")
MUTED = colors.HexColor("#5b6472")
RULE = colors.HexColor("#cfd4dc")
ZEBRA = colors.HexColor("#f3f5f8")
QR_SIZE = 3.6 * cm  # scanned off paper: at least 3 cm, the quiet zone included
QR_QUIET_ZONE = 2  # modules; the white page around the code makes up the standard's four
CREATOR = "UPAS"

BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9.5, leading=12.5, textColor=INK)


def _style(name: str, **overrides: Any) -> ParagraphStyle:
    return ParagraphStyle(name, parent=BASE, **overrides)


def certificate_pdf(signed: dict[str, Any]) -> bytes:
    """One A4 landscape page for a signed certificate document, `signed` in its metadata."""
    with translation.override("en"):
        return _certificate(signed)


def transcript_pdf(signed: dict[str, Any]) -> bytes:
    """The A4 portrait pages of a signed transcript document, `signed` in their metadata."""
    with translation.override("en"):
        return _transcript(signed)


# Shared pieces


def _inert(text: str) -> str:
    """Record text for the metadata, where the marker must be the only one: a title written as
    "UPAS-SIGNED:<another document>" must not make the PDF carry someone else's record."""
    return text.replace(signing.PDF_MARKER, signing.PDF_MARKER[:-1] + " :")


def _metadata(signed: dict[str, Any], title: str) -> dict[str, str]:
    document = signed["document"]
    return {
        "title": _inert(title),
        "author": _inert(document["issuer"]["name"]),
        "subject": _inert(_("Verify at %(url)s") % {"url": document["verify_url"]}),
        # base64url: no character a PDF string escapes, so find_in_pdf reads the bytes as written
        "keywords": signing.embed_marker(signed),
        "creator": CREATOR,
    }


def _day(iso: str, style: str = "j F Y") -> str:
    """A document date ("2026-03-12", or the date part of "2026-03-12T09:30:00Z") in words."""
    return date_format(date.fromisoformat(iso[:10]), style)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of `url` in a `size` square at (x, y), quiet zone included.

    reportlab's own encoder (the one QrCodeWidget wraps), drawn as a single filled path: the
    widget encodes twice (once to measure) and draws each run of dark modules as a separate
    shape, which made a certificate three times slower than everything else on it together."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    module = size / (code.getModuleCount() + 2 * QR_QUIET_ZONE)
    path = canvas.beginPath()
    for row_number, row in enumerate(code.modules):
        bottom = y + size - (QR_QUIET_ZONE + row_number + 1) * module
        column = QR_QUIET_ZONE
        for dark, run in itertools.groupby(row):
            length = len(list(run))
            if dark:
                path.rect(x + column * module, bottom, length * module, module)
            column += length
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


class _QrCode(Flowable):
    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.url = url
        self.width = self.height = size

    def draw(self) -> None:
        _draw_qr(self.canv, self.url, 0, 0, self.width)


def _fit(
    text: str, style: ParagraphStyle, width: float, max_height: float, min_size: float
) -> tuple[Paragraph, float]:
    """`text` as a paragraph at the largest size, from the style's down to `min_size`, whose
    wrapped height fits `max_height`; still too tall at `min_size`, it is cut with an ellipsis."""
    ratio = style.leading / style.fontSize
    size = style.fontSize

    def laid_out(markup: str) -> tuple[Paragraph, float]:
        fitted = ParagraphStyle("fitted", parent=style, fontSize=size, leading=size * ratio)
        paragraph = Paragraph(markup, fitted)
        return paragraph, paragraph.wrap(width, max_height)[1]

    paragraph, height = laid_out(escape(text))
    while height > max_height and size > min_size:
        size = max(min_size, size - 1.5)
        paragraph, height = laid_out(escape(text))
    if height <= max_height:
        return paragraph, height
    fits, too_long = 0, len(text)  # prefix lengths: "…" alone fits, the whole text does not
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if laid_out(escape(text[:middle].rstrip() + "…"))[1] <= max_height:
            fits = middle
        else:
            too_long = middle
    prefix = text[:fits]
    if " " in prefix[-24:]:  # end on a whole word when one is near
        prefix = prefix.rsplit(" ", 1)[0]
    return laid_out(escape(prefix.rstrip() + "…"))


def _line(text: str, font: str, size: float, width: float, min_size: float) -> tuple[str, float]:
    """One line of `text` no wider than `width`: a smaller size, then cut with an ellipsis."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return text, size
    size = max(min_size, size * width / natural)
    while stringWidth(text, font, size) > width and len(text) > 1:
        text = text[: max(1, len(text) - 4)].rstrip("…") + "…"
    return text, size


# The certificate

CERT_UNIVERSITY = _style(
    "university", fontName="Times-Bold", fontSize=19, leading=23, alignment=TA_CENTER
)
CERT_LEAD = _style(
    "lead", fontName="Times-Italic", fontSize=14, leading=17, textColor=MUTED, alignment=TA_CENTER
)
CERT_HOLDER = _style(
    "holder", fontName="Times-BoldItalic", fontSize=34, leading=40, alignment=TA_CENTER
)
CERT_WHAT = _style("what", fontName="Times-Roman", fontSize=21, leading=26, alignment=TA_CENTER)
CERT_WHEN = _style("when", fontSize=11, leading=14, textColor=MUTED, alignment=TA_CENTER)
CERT_DETAILS = _style(
    "details", fontName="Helvetica-Bold", fontSize=10.5, leading=13.5, alignment=TA_CENTER
)
CERT_ISSUER = _style("issuer", fontSize=10, leading=12.5)
CERT_DESCRIPTION = _style(
    "description", fontSize=9.5, leading=12, textColor=MUTED, alignment=TA_CENTER
)


@dataclass
class _Block:
    paragraph: Paragraph | None  # None: a short gold rule
    height: float
    space_before: float


def _certificate(signed: dict[str, Any]) -> bytes:
    document = signed["document"]
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1, lang="en")
    for key, value in _metadata(
        signed, _("Certificate: %(title)s") % {"title": document["title"]}
    ).items():
        getattr(canvas, f"set{key.capitalize()}")(value)

    _frame(canvas, width, height)
    text_width = width - 2 * 80
    university, university_height = _fit(
        document["issuer"]["name"], CERT_UNIVERSITY, text_width, max_height=27, min_size=11
    )
    university.drawOn(canvas, 80, height - 56 - university_height)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(width / 2 - 50, height - 94, width / 2 + 50, height - 94)
    _spaced(canvas, _("Certificate").upper(), "Times-Roman", 44, 7, width / 2, height - 146)

    # The middle, what and for whom, is centred in the band between the heading and the footer.
    when = _("on %(date)s") % {"date": _day(document["activity_date"])}
    blocks = [
        _block(_("This is to certify that"), CERT_LEAD, text_width, 17, 14, space_before=0),
        _block(document["holder"]["name"], CERT_HOLDER, text_width, 46, 17, space_before=6),
        _Block(None, 0.8, space_before=8),
        _block(document["title"], CERT_WHAT, text_width - 60, 66, 12, space_before=12),
        _block(when, CERT_WHEN, text_width, 14, 8, space_before=4),
    ]
    details = []
    if document.get("category"):
        details.append(_("Category: %(category)s") % {"category": document["category"]})
    if document.get("points") is not None:
        details.append(points_phrase(document["points"], grouped=True))
    if details:
        blocks.append(_block(" · ".join(details), CERT_DETAILS, text_width, 14, 7, space_before=4))
    if document.get("description"):
        blocks.append(
            _block(
                document["description"], CERT_DESCRIPTION, text_width - 120, 36, 8, space_before=8
            )
        )
    band_top, band_bottom = height - 176, 182
    used = sum(block.space_before + block.height for block in blocks)
    y = band_top - max(0.0, (band_top - band_bottom - used) / 2)
    for block in blocks:
        y -= block.space_before + block.height
        if block.paragraph is None:
            canvas.setStrokeColor(GOLD)
            canvas.line(width / 2 - 80, y, width / 2 + 80, y)
        else:
            block.paragraph.drawOn(canvas, (width - block.paragraph.width) / 2, y)

    _certificate_footer(canvas, signed, width)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _block(
    text: str,
    style: ParagraphStyle,
    width: float,
    max_height: float,
    min_size: float,
    *,
    space_before: float,
) -> _Block:
    paragraph, height = _fit(text, style, width, max_height, min_size)
    return _Block(paragraph, height, space_before)


def _frame(canvas: Canvas, width: float, height: float) -> None:
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(2.6)
    canvas.rect(20, 20, width - 40, height - 40)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.rect(28, 28, width - 56, height - 56)
    canvas.setFillColor(GOLD)
    for x, y in ((28, 28), (28, height - 28), (width - 28, 28), (width - 28, height - 28)):
        path = canvas.beginPath()
        path.moveTo(x, y - 5)
        path.lineTo(x + 5, y)
        path.lineTo(x, y + 5)
        path.lineTo(x - 5, y)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)


def _spaced(
    canvas: Canvas, text: str, font: str, size: float, space: float, centre: float, baseline: float
) -> None:
    text, size = _line(text, font, size, 600, 20)
    text_width = stringWidth(text, font, size) + space * (len(text) - 1)
    lettering = canvas.beginText(centre - text_width / 2, baseline)
    lettering.setFont(font, size)
    lettering.setCharSpace(space)
    lettering.setFillColor(INK)
    lettering.textOut(text)
    canvas.saveState()  # the character spacing is graphics state: keep it to this line
    canvas.drawText(lettering)
    canvas.restoreState()


def _certificate_footer(canvas: Canvas, signed: dict[str, Any], width: float) -> None:
    document = signed["document"]
    left = 72
    university = document["issuer"]["name"]
    if document.get("issued_by"):
        issued_by = _("Issued by %(person)s for %(university)s") % {
            "person": document["issued_by"],
            "university": university,
        }
    else:
        issued_by = _("Issued by %(university)s") % {"university": university}
    paragraph, paragraph_height = _fit(issued_by, CERT_ISSUER, 380, 26, 7)
    paragraph.drawOn(canvas, left, 96)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(left, 96 + paragraph_height + 6, left + 220, 96 + paragraph_height + 6)

    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(left, 80, _("Issued on %(date)s") % {"date": _day(document["issued_at"])})
    label = _("Certificate code:")
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(left, 65, label)
    code, code_size = _line(
        document["code"], "Courier", 8.5, 380 - stringWidth(label, "Helvetica", 8.5), 5
    )
    canvas.setFont("Courier", code_size)
    canvas.setFillColor(INK)
    canvas.drawString(left + stringWidth(label, "Helvetica", 8.5) + 2, 65, code)
    canvas.setFillColor(MUTED)
    kid_line, kid_size = _line(
        _("Signed with Ed25519 key %(kid)s") % {"kid": signed["signature"]["kid"]},
        "Helvetica",
        6.5,
        380,
        4.5,
    )
    canvas.setFont("Helvetica", kid_size)
    canvas.drawString(left, 44, kid_line)

    qr_left = width - 72 - QR_SIZE
    _draw_qr(canvas, document["verify_url"], qr_left, 64, QR_SIZE)
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 7.5)
    canvas.drawCentredString(qr_left + QR_SIZE / 2, 56, _("Scan to verify"))
    url, url_size = _line(document["verify_url"], "Helvetica", 6.5, 330, 4.5)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", url_size)
    canvas.drawRightString(width - 72, 44, url)


# The transcript

TITLE = _style("title", fontName="Times-Roman", fontSize=24, leading=28, spaceAfter=4)
UNIVERSITY = _style(
    "university", fontName="Times-Bold", fontSize=13, leading=16, textColor=GOLD, spaceAfter=6
)
HOLDER = _style("holder", fontName="Helvetica-Bold", fontSize=14, leading=17, spaceAfter=8)
LABEL = _style("label", fontSize=8, leading=10, textColor=MUTED)
VALUE = _style("value", fontSize=10, leading=12.5)
H2 = _style("h2", fontName="Helvetica-Bold", fontSize=12.5, leading=15)
H3 = _style(
    "h3",
    fontName="Helvetica-Bold",
    fontSize=9.5,
    leading=12,
    spaceBefore=8,
    spaceAfter=4,
    textColor=MUTED,
)
GROUP = _style(
    "group", fontName="Helvetica-Bold", fontSize=9, leading=11.5, spaceBefore=5, spaceAfter=2
)
MUTED_LINE = _style(
    "muted", fontName="Helvetica-Oblique", fontSize=9, textColor=MUTED, spaceAfter=2
)
CELL = _style("cell", fontSize=8.5, leading=10.5)
CELL_PADDING = 4
CAPTION = _style("caption", fontName="Helvetica-Bold", fontSize=7.5, leading=9, alignment=TA_CENTER)
MARGIN = 2 * cm
POINTS_COLUMNS = [2.2 * cm, None, 3.8 * cm, 1.6 * cm]  # date, title, category or type, points


def _transcript(signed: dict[str, Any]) -> bytes:
    document = signed["document"]
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=1.7 * cm,
        bottomMargin=2.4 * cm,
        pageCompression=1,
        lang="en",
        **_metadata(
            signed,
            _("Co-curricular transcript: %(name)s") % {"name": document["holder"]["name"]},
        ),
    )
    width = template.width - 12  # the frame keeps 6 pt of padding on each side
    story = _transcript_header(document, width)
    years = document["years"]
    if not years:
        story += _section(_("Academic years"))
        story.append(Paragraph(escape(_("No points recorded yet.")), MUTED_LINE))
    for year in years:
        story += _section(
            _("Academic year %(year)s") % {"year": year["year"]},
            points_phrase(year["points"], grouped=True),
        )
        story += _year(year, width)
    story += _section(_("Clubs"))
    if document["clubs"]:
        story.append(
            _table(
                [_("Club"), _("Position"), _("Since")],
                [
                    [club["name"], club["position"], _day(club["since"], "j M Y")]
                    for club in document["clubs"]
                ],
                [None, 5 * cm, 2.4 * cm],
                width,
            )
        )
    else:
        story.append(Paragraph(escape(_("No club memberships.")), MUTED_LINE))
    story += _section(_("Badges"))
    if document["badges"]:
        story.append(
            _table(
                [_("Badge"), _("Earned on")],
                [
                    [badge["name"], _day(badge["earned_on"], "j M Y")]
                    for badge in document["badges"]
                ],
                [None, 2.4 * cm],
                width,
            )
        )
    else:
        story.append(Paragraph(escape(_("No badges earned yet.")), MUTED_LINE))
    template.build(story, canvasmaker=_numbered_canvas(_transcript_footer(document)))
    return buffer.getvalue()


def _transcript_header(document: dict[str, Any], width: float) -> list:
    level = document.get("level")
    facts = [
        (_("Issued on"), _day(document["issued_at"])),
        (_("Total points"), points_phrase(document["total_points"], grouped=True)),
        (
            _("Level"),
            _("Level %(number)s: %(name)s") % {"number": level["number"], "name": level["name"]}
            if level
            else _("No level yet"),
        ),
    ]
    text_width = width - QR_SIZE - 12
    facts_table = Table(
        [
            [Paragraph(escape(label), LABEL) for label, _value in facts],
            [Paragraph(escape(value), VALUE) for _label, value in facts],
        ],
        colWidths=[text_width / len(facts)] * len(facts),
        hAlign="LEFT",
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 18),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    left = [
        Paragraph(escape(document["issuer"]["name"]), UNIVERSITY),
        Paragraph(escape(_("Co-curricular transcript")), TITLE),
        Paragraph(escape(document["holder"]["name"]), HOLDER),
        facts_table,
    ]
    right = [
        _QrCode(document["verify_url"], QR_SIZE),
        Paragraph(escape(_("Scan to verify")), CAPTION),
    ]
    header = Table([[left, right]], colWidths=[text_width, QR_SIZE + 12])
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    return [header, Spacer(1, 6), HRFlowable(width="100%", thickness=1.2, color=INK)]


def _section(title: str, aside: str = "") -> list:
    heading = escape(title)
    if aside:
        heading += f' <font name="Helvetica" color="#{MUTED.hexval()[2:]}">· {escape(aside)}</font>'
    return [
        # A heading never ends a page. (keepWithNext would move a whole year's table with it.)
        CondPageBreak(4 * cm),
        Spacer(1, 14),
        Paragraph(heading, H2),
        HRFlowable(width="100%", thickness=0.6, color=GOLD, spaceBefore=2, spaceAfter=2),
    ]


def _year(year: dict[str, Any], width: float) -> list:
    flowables: list = [Paragraph(escape(_("Events attended")), H3)]
    if year["events"]:
        flowables.append(
            _table(
                [_("Date"), _("Event"), _("Category"), _("Points")],
                [
                    [
                        _day(event["date"], "j M Y"),
                        event["title"],
                        event["category"],
                        _number(event["points"]),
                    ]
                    for event in year["events"]
                ],
                POINTS_COLUMNS,
                width,
                points_last=True,
            )
        )
    else:
        flowables.append(Paragraph(escape(_("No events attended this year.")), MUTED_LINE))
    flowables += [CondPageBreak(2.5 * cm), Paragraph(escape(_("Approved activities")), H3)]
    if not year["activities"]:
        flowables.append(Paragraph(escape(_("No approved activities this year.")), MUTED_LINE))
    kinds = {"claim": _("Activity claim"), "task": _("Task")}
    for group in year["activities"]:
        flowables.append(CondPageBreak(2 * cm))
        flowables.append(
            Paragraph(
                escape(
                    _("%(category)s · %(points)s")
                    % {
                        "category": group["category"] or _("Uncategorised"),
                        "points": points_phrase(group["points"], grouped=True),
                    }
                ),
                GROUP,
            )
        )
        flowables.append(
            _table(
                [_("Date"), _("Activity"), _("Type"), _("Points")],
                [
                    [
                        _day(item["date"], "j M Y"),
                        item["title"],
                        kinds.get(item["kind"], item["kind"]),
                        _number(item["points"]),
                    ]
                    for item in group["items"]
                ],
                POINTS_COLUMNS,
                width,
                points_last=True,
            )
        )
    return flowables


def _number(points: int | None) -> str:
    return "—" if points is None else number_format(points, force_grouping=True)


def _cell(text: str, width: float) -> str | Paragraph:
    """Text that fits its column stays a plain string; a longer one wraps as a paragraph (a
    paragraph per cell made the transcript twice as slow)."""
    text = text or "—"
    if stringWidth(text, CELL.fontName, CELL.fontSize) <= width - 2 * CELL_PADDING:
        return text
    return Paragraph(escape(text), CELL)


def _table(
    header: list[str],
    rows: list[list[str]],
    widths: list[float | None],
    width: float,
    *,
    points_last: bool = False,
) -> Table:
    """A ruled table, its header repeated on each page; the None column takes what is left."""
    fixed = sum(w for w in widths if w is not None)
    col_widths = [width - fixed if w is None else w for w in widths]
    body = [[_cell(text, w) for text, w in zip(row, col_widths, strict=True)] for row in rows]
    table = Table([header, *body], colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
            ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
            ("FONT", (0, 1), (-1, -1), CELL.fontName, CELL.fontSize, CELL.leading),
            ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            ("LINEBELOW", (0, 0), (-1, 0), 0.7, INK),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, RULE),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    if points_last:
        style.add("ALIGN", (-1, 0), (-1, -1), "RIGHT")
    table.setStyle(style)
    return table


def _transcript_footer(document: dict[str, Any]) -> Callable[[Canvas, int, int], None]:
    """Each page names its holder and carries the code and where to verify it, so a page
    separated from the others can still be checked."""
    holder = document["holder"]["name"]
    code_and_url = _("Transcript %(code)s · verify at %(url)s") % {
        "code": document["code"],
        "url": document["verify_url"],
    }

    def draw(canvas: Canvas, number: int, total: int) -> None:
        right = canvas._pagesize[0] - MARGIN
        page = _("Page %(number)s of %(total)s") % {"number": number, "total": total}
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, 1.7 * cm, right, 1.7 * cm)
        canvas.setFillColor(MUTED)
        canvas.setFont("Helvetica-Bold", 7.5)
        canvas.drawRightString(right, 1.3 * cm, page)
        room = right - MARGIN - stringWidth(page, "Helvetica-Bold", 7.5) - 12
        text, size = _line(holder, "Helvetica-Bold", 7.5, room, 6)
        canvas.setFont("Helvetica-Bold", size)
        canvas.drawString(MARGIN, 1.3 * cm, text)
        text, size = _line(code_and_url, "Helvetica", 7.5, right - MARGIN, 5)
        canvas.setFont("Helvetica", size)
        canvas.drawString(MARGIN, 0.95 * cm, text)
        canvas.restoreState()

    return draw


def _numbered_canvas(footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each footer can say "of N"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for page in self._held_pages:
                self.__dict__.update(page)
                footer(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas
