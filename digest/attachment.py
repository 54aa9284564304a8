"""The week's items as an XLSX attachment: one row per article about the province, every text cell kept as text."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from digest.labels import Labels
from digest.numbers import vn_time
from digest.query import Figures

HEADERS = ("Mã bài", "Tiêu đề", "Nguồn", "Loại nguồn", "Ngôn ngữ", "Thời gian (giờ VN)", "Mức liên quan",
           "Chủ đề", "Sắc thái", "Rủi ro", "Gắn cờ", "Lý do", "Liên kết")


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a scraped title such as '=HYPERLINK(…)' stays text, never a formula
    return cell


def items_workbook(figures: Figures, labels: Labels, app_url: str, tz: Any) -> bytes:
    """One sheet of the period's items about the province, newest first, header frozen."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"Tin {figures.period.label}"[:31].replace("/", "-"))
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, h) for h in HEADERS])
    for item in sorted(figures.items, key=lambda i: (i.when, i.id), reverse=True):
        sheet.append([_cell(sheet, v) for v in (
            item.id, item.title, item.source_name, labels.of("source_kinds", item.source_kind),
            labels.of("langs", item.lang), vn_time(item.when, tz), labels.of("relevance", item.relevance),
            labels.of("topics", item.topic), labels.of("sentiments", item.sentiment),
            round(item.risk, 3) if item.risk is not None else None, "có" if item.flagged else "không",
            "; ".join(item.reasons), f"{app_url.rstrip('/')}/articles/{item.id}")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
