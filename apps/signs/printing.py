"""QR codes and the printable poster (A4) and flyer (A5) of a group, in Dutch, French or English.

The group's code leads straight to its application page. The code of a sign leads to
``/b/<token>/``, which counts the scan and goes on to the group's page. The QR code is drawn as
vector squares (segno's matrix), so it stays sharp at any print size.

segno and fpdf2 are imported when a code or a PDF is made, not with this module (which the staff
views import): every web process loads the views, few of them ever print.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.groups.models import Group

from .models import StreetSign

if TYPE_CHECKING:
    from fpdf import FPDF

# Paper sizes in mm (portrait).
FORMATS = {"poster": (210, 297), "flyer": (148, 210)}
BLUE = (11, 83, 148)
DARK = (27, 31, 36)


def group_url(group: Group) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:apply", args=[group.slug])


def sign_url(sign: StreetSign) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("sign_scan", args=[sign.token])


def shown(url: str) -> str:
    """The address as printed: without the scheme, nothing else to type."""
    return url.split("://", 1)[-1]


def qr_svg(url: str) -> str:
    """The QR code as SVG text (for the desk page)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")


# fpdf2's built-in fonts know Latin-1 (every letter of Dutch and French); other characters are
# replaced by their nearest plain letter, or a question mark.
_PLAIN = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}


def latin1(text: str) -> str:
    out = []
    for char in text:
        char = _PLAIN.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            char = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1") or "?"
        out.append(char)
    return "".join(out)


def texts(group: Group) -> dict[str, str]:
    """The printable's words in the active language."""
    municipality = group.municipality
    return {
        "title": _("WhatsApp neighbourhood watch"),
        "group": group.name,
        "municipality": _("Municipality of %(municipality)s") % {"municipality": municipality.name},
        "call": _(
            "Do you live here? Join your neighbours' WhatsApp group: together we keep an eye on the street. "
            "Scan the code or go to the address below."
        ),
        "rules": _(
            "Alerts only, no chat: call the police first (%(police)s, emergency %(emergency)s), then warn the group."
        )
        % {
            "police": municipality.police_non_urgent_number or municipality.police_emergency_number,
            "emergency": municipality.police_emergency_number,
        },
    }


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    import segno

    qr = segno.make(url, error="m")
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix)
    quiet = 4
    step = size / (modules + 2 * quiet)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < modules:
            if row[c]:
                start = c
                while c < modules and row[c]:
                    c += 1
                pdf.rect(x + (quiet + start) * step, y + (quiet + r) * step, (c - start) * step, step, style="F")
            else:
                c += 1


def _fit(pdf: FPDF, text: str, style: str, largest: float, width: float) -> None:
    """Set the font size so that ``text`` fits on one line of ``width`` mm."""
    size = largest
    pdf.set_font("helvetica", style, size)
    while size > 7 and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font("helvetica", style, size)


def printable_pdf(group: Group, *, kind: str, language: str, sign: StreetSign | None = None) -> bytes:
    """The poster (``kind="poster"``, A4) or flyer (``"flyer"``, A5) of ``group`` in
    ``language``, with the code of ``sign`` when given (else the group's own code)."""
    if kind not in FORMATS:
        raise ValueError(kind)
    url = sign_url(sign) if sign is not None else group_url(group)
    a4 = kind == "poster"
    with translation.override(language):
        words = {key: latin1(value) for key, value in texts(group).items()}
    # Imported here, as apps/figures/report.py: fpdf2 costs every web process about 20 MB.
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format=FORMATS[kind])
    pdf.set_auto_page_break(False)
    pdf.set_title(latin1(f"{words['title']} - {group.name}"))
    pdf.set_lang(language)
    pdf.set_creator("Buurtwacht")
    pdf.add_page()
    margin = 18 if a4 else 12
    width = pdf.w - 2 * margin
    # A coloured band with the title.
    band = 36 if a4 else 26
    pdf.set_fill_color(*BLUE)
    pdf.rect(0, 0, pdf.w, band, style="F")
    pdf.set_text_color(255, 255, 255)
    _fit(pdf, words["title"], "B", 30 if a4 else 20, width)
    pdf.set_xy(margin, band / 2 - 6)
    pdf.cell(width, 12, words["title"], align="C")
    pdf.set_text_color(*DARK)
    y = band + (14 if a4 else 9)
    _fit(pdf, words["group"], "B", 34 if a4 else 24, width)
    pdf.set_xy(margin, y)
    pdf.cell(width, 14 if a4 else 10, words["group"], align="C")
    y += 16 if a4 else 11
    _fit(pdf, words["municipality"], "", 18 if a4 else 13, width)
    pdf.set_xy(margin, y)
    pdf.cell(width, 9, words["municipality"], align="C")
    y += 16 if a4 else 11
    pdf.set_font("helvetica", "", 16 if a4 else 11)
    pdf.set_xy(margin, y)
    pdf.multi_cell(width, 8 if a4 else 5.5, words["call"], align="C")
    y = pdf.get_y() + (8 if a4 else 5)
    qr_size = 95 if a4 else 62
    _draw_qr(pdf, url, (pdf.w - qr_size) / 2, y, qr_size)
    y += qr_size + (4 if a4 else 3)
    address = latin1(shown(url))
    _fit(pdf, address, "B", 20 if a4 else 14, width)
    pdf.set_xy(margin, y)
    pdf.cell(width, 10, address, align="C")
    y += 16 if a4 else 11
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.6)
    pdf.line(margin, y, pdf.w - margin, y)
    pdf.set_font("helvetica", "B", 13 if a4 else 9)
    pdf.set_xy(margin, y + 3)
    pdf.multi_cell(width, 6.5 if a4 else 4.5, words["rules"], align="C")
    return bytes(pdf.output())


def filename(group: Group, *, kind: str, language: str, sign: StreetSign | None = None) -> str:
    suffix = f"-bord-{sign.pk}" if sign is not None else ""
    return f"{group.slug}-{kind}-{language}{suffix}.pdf"
