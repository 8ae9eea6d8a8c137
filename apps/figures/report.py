"""The yearly report as a PDF (fpdf2): the summary sentence, the figures and their tables, and
the note on the before-and-after comparison. Drawn with the PDF's built-in Helvetica, so text is
kept to Latin-1 (what Dutch and French need)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .services import Figures


def _latin1(value) -> str:
    text = "" if value is None else str(value)
    text = text.replace("–", "-").replace("—", "-").replace("…", "...").replace("’", "'")
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'")
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(figures: Figures, texts: dict) -> bytes:
    """``texts``: the translated title, headings and sentences, from the same view as the page;
    the period and the notes on when was counted come from ``figures``, as on the page."""
    # Imported here: fpdf2 brings fontTools and Pillow, about 20 MB of every web process that
    # loads the staff's URLs, for the few requests that ask for a PDF.
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(texts["title"]))
    pdf.set_author("Buurtwacht")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin1(texts["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    # The period and when the groups, members and coverage were counted, from the figures (as the
    # page shows them): dates in the reader's language, never "2025-01-01".
    pdf.multi_cell(0, 6, _latin1(figures.period_text()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    notes = [figures.stock_note(), figures.signs_note()]
    if not figures.exact:
        notes.append(_("Counts of fewer than 5 people are shown as “< 5”."))
    for note in notes:
        pdf.multi_cell(0, 5, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 6, _latin1(figures.sentence()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for heading, head, body in texts["tables"]:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        if not body:
            pdf.multi_cell(0, 5, _latin1(texts["nothing"]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            continue
        with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=5) as table:
            row = table.row()
            for cell in head:
                row.cell(_latin1(cell))
            for values in body:
                row = table.row()
                for cell in values:
                    row.cell(_latin1(cell))
        pdf.ln(3)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, _latin1(texts["not_proof"]), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
