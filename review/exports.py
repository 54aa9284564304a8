"""What the queue or a search shows, as CSV or XLSX: the same rows, filters respected, cells made safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

COLUMNS = [("article_id", "Mã bài / Article id"), ("title", "Tiêu đề / Title"), ("source", "Nguồn / Source"),
           ("source_kind", "Loại nguồn / Source kind"), ("lang", "Ngôn ngữ / Language"),
           ("published", "Đăng lúc (giờ VN) / Published (Vietnam time)"), ("url", "Địa chỉ / URL"),
           ("relevance", "Liên quan / Relevance"), ("topic", "Chủ đề / Topic"), ("sentiment", "Sắc thái / Sentiment"),
           ("risk", "Rủi ro / Risk"), ("reasons", "Lý do / Reasons"), ("case_id", "Hồ sơ / Case"),
           ("case_status", "Trạng thái / Status"), ("assignee", "Người xử lý / Assignee")]
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A scraped title such as '=HYPERLINK(…)' stays text in a spreadsheet (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def row_of(article: Any, analysis: Any, case: Any, tz: ZoneInfo) -> dict[str, Any]:
    """One exported row from an article, its latest analysis and its case (either may be None)."""
    when: datetime | None = article.published_at or article.fetched_at
    return {
        "article_id": article.id, "title": article.title,
        "source": article.source.name if article.source else article.source_id,
        "source_kind": article.source.kind if article.source else "", "lang": article.lang,
        "published": when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "", "url": article.url,
        "relevance": analysis.relevance if analysis else "", "topic": analysis.topic if analysis else "",
        "sentiment": analysis.sentiment if analysis else "", "risk": round(analysis.risk, 3) if analysis else "",
        "reasons": "; ".join(analysis.reasons) if analysis else "", "case_id": case.id if case else "",
        "case_status": case.status if case else "", "assignee": (case.assignee or "") if case else "",
    }


def to_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(row[key]) for key, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[dict[str, Any]], title: str) -> bytes:
    """One sheet, a header row, frozen; numbers stay numbers, text stays text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([label for _, label in COLUMNS])
    for row in rows:
        sheet.append([safe_cell(row[key]) for key, _ in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
