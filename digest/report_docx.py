"""The period report as a Word document (python-docx): the office's heading block, headings, tables, charts."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from digest.numbers import vn_int
from digest.report import Cell, Chart, Link, Report, Section, Table

FONT = "Times New Roman"  # the font of Vietnamese administrative documents; covers Vietnamese
BODY_PT = 13
TABLE_PT = 10
TEXT_WIDTH_CM = 16.0  # A4 portrait, 3 cm left and 2 cm right margins
LINK_COLOR = "0563C1"


def _fonts(document: Any) -> None:
    """Times New Roman, black, for the body and the headings."""
    for name, size in (("Normal", BODY_PT), ("Heading 1", BODY_PT), ("Heading 2", BODY_PT), ("Title", 15)):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)  # a theme font would win over the named one
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)


def _page(document: Any) -> None:
    """A4 portrait with the margins of an administrative document."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)


def _line(container: Any, text: str, bold: bool = False, italic: bool = False, size: float | None = None,
          align: Any = WD_ALIGN_PARAGRAPH.CENTER) -> Any:
    """A one-run paragraph (centred unless told)."""
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(2)
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return paragraph


def _masthead(document: Any, report: Report) -> None:
    """Office name on the left, the national motto on the right, then the place and date, then the title."""
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run(report.office.upper()).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True)
    motto.runs[0].underline = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(12)
    _line(document, report.dated, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _line(document, report.title, bold=True, size=15)
    _line(document, report.subtitle, bold=True)


def _hyperlink(paragraph: Any, link: Link) -> None:
    """A clickable link run (python-docx has no public API for it)."""
    rel = paragraph.part.relate_to(link.url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    element = OxmlElement("w:hyperlink")
    element.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), LINK_COLOR)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(TABLE_PT * 2))  # half-points
    props.extend([color, size, underline])  # the schema's order: color, sz, u
    text = OxmlElement("w:t")
    text.text = link.text
    text.set(qn("xml:space"), "preserve")
    run.extend([props, text])
    element.append(run)
    paragraph._p.append(element)


def _fill(cell: Any, value: Cell, bold: bool = False) -> None:
    """A table cell's text or link; counts and percentages aligned right."""
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if isinstance(value, Link):
        _hyperlink(paragraph, value)
    else:
        run = paragraph.add_run(_text(value))
        run.bold = bold
        if isinstance(value, int) or (isinstance(value, str) and value.endswith(" %")):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _text(value: Cell) -> str:
    """A cell as text: counts in Vietnamese format."""
    if value is None:
        return ""
    if isinstance(value, int):
        return vn_int(value)
    return value.text if isinstance(value, Link) else value


def _repeat_header(row: Any) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _table(document: Any, table: Table) -> None:
    """A captioned grid table, the header repeated on every page, font a size smaller."""
    _line(document, table.caption, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    unit = TEXT_WIDTH_CM / sum(table.widths)
    for cell, name in zip(grid.rows[0].cells, table.header, strict=True):
        _fill(cell, name, bold=True)
    _repeat_header(grid.rows[0])
    for values in table.rows:
        for cell, value in zip(grid.add_row().cells, values, strict=True):
            _fill(cell, value)
    for column, weight in zip(grid.columns, table.widths, strict=True):
        for cell in column.cells:
            cell.width = Cm(unit * weight)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_PT)
    if not table.rows:
        _line(document, "(không có)", italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)


def _section(document: Any, section: Section) -> None:
    """A heading, its paragraphs, then its tables and charts in order."""
    document.add_heading(section.title, level=1)
    for text in section.paragraphs:
        paragraph = document.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for block in section.blocks:
        if isinstance(block, Chart):
            document.add_picture(io.BytesIO(block.png), width=Cm(TEXT_WIDTH_CM))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            _table(document, block)


def write_docx(report: Report) -> bytes:
    """The report as DOCX bytes."""
    document = Document()
    _fonts(document)
    _page(document)
    document.core_properties.title = report.subtitle
    document.core_properties.author = report.office
    _masthead(document, report)
    for section in report.sections:
        _section(document, section)
    _line(document, report.note, italic=True, size=10, align=WD_ALIGN_PARAGRAPH.LEFT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
