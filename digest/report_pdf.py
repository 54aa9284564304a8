"""The period report as PDF (fpdf2), in matplotlib's DejaVu Sans so Vietnamese prints and extracts intact."""

from __future__ import annotations

import io

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from digest.charts import FONT, FONT_BOLD, FONT_DIR
from digest.numbers import vn_int
from digest.report import Cell, Chart, Link, Report, Section, Table

FAMILY = "DejaVu"
LINK_COLOR = (5, 99, 193)
HEADER_FILL = (235, 235, 235)


class _Pages(FPDF):
    """A4 pages numbered "Trang n/N" at the foot."""

    def footer(self) -> None:
        """The page number, centred at the bottom."""
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


def _keep(text: str) -> str:
    """A percentage never broken from its sign at a line end: "12,5 %" with a no-break space."""
    return text.replace(" %", "\u00a0%")


def _text(value: Cell) -> str:
    """A cell as text: counts in Vietnamese format."""
    if value is None:
        return ""
    if isinstance(value, int):
        return vn_int(value)
    return value.text if isinstance(value, Link) else _keep(value)


def _numeric(value: Cell) -> bool:
    """A count or a percentage (aligned right)."""
    return isinstance(value, int) or (isinstance(value, str) and value.endswith(" %"))


def _document(report: Report) -> _Pages:
    """An A4 document with the DejaVu fonts and the report's metadata, on its first page."""
    pdf = _Pages(orientation="P", unit="mm", format="A4")
    pdf.add_font(FAMILY, "", str(FONT))
    pdf.add_font(FAMILY, "B", str(FONT_BOLD))
    pdf.add_font(FAMILY, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_margins(25, 20, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(report.subtitle)
    pdf.set_author(report.office)
    pdf.set_creator("hdmonitor")
    pdf.set_lang("vi")
    pdf.add_page()
    return pdf


def _masthead(pdf: _Pages, report: Report) -> None:
    """Office name on the left, the national motto on the right, then the place and date, then the title."""
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font(FAMILY, "B", 9)
    pdf.multi_cell(half - 4, 5, report.office.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "BU", 9)
    pdf.multi_cell(half, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_end, pdf.get_y()) + 3)
    pdf.set_font(FAMILY, "I", 10)
    pdf.multi_cell(0, 5, report.dated, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 7, report.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, report.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _table(pdf: _Pages, table: Table) -> None:
    """A captioned grid table, its header repeated on each page."""
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(0, 6, table.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 8)
    heading = FontFace(emphasis="BOLD", fill_color=HEADER_FILL)
    link_style = FontFace(color=LINK_COLOR)
    with pdf.table(col_widths=table.widths, width=pdf.epw, line_height=4.2, text_align="LEFT",
                   headings_style=heading, repeat_headings=1, padding=1) as grid:
        head = grid.row()
        for name in table.header:
            head.cell(name)
        for values in table.rows:
            row = grid.row()
            for value in values:
                if isinstance(value, Link):
                    row.cell(value.text, link=value.url, style=link_style)
                else:
                    row.cell(_text(value), align="RIGHT" if _numeric(value) else None)
    if not table.rows:
        pdf.set_font(FAMILY, "I", 8)
        pdf.multi_cell(0, 5, "(không có)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _section(pdf: _Pages, section: Section) -> None:
    """A heading, its paragraphs, then its tables and charts in order."""
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 6, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    for text in section.paragraphs:
        pdf.multi_cell(0, 5, _keep(text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for block in section.blocks:
        if isinstance(block, Chart):
            pdf.image(io.BytesIO(block.png), x=pdf.l_margin, w=pdf.epw)
            pdf.ln(2)
        else:
            _table(pdf, block)


def write_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    pdf = _document(report)
    _masthead(pdf, report)
    for section in report.sections:
        _section(pdf, section)
    pdf.set_font(FAMILY, "I", 8)
    pdf.multi_cell(0, 4, report.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
