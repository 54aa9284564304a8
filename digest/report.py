"""Period reports as a provincial office files them with its superiors: XLSX, DOCX or PDF from one outline.

compose() turns a period's Figures into a Report (sections of paragraphs, tables and charts, all Vietnamese,
local times, Vietnamese number format); one writer per format lays it out (write_xlsx below, report_docx,
report_pdf). Counts stay whole numbers in the outline so the spreadsheet can sum them; percentages are text.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from digest.charts import breakdown_chart, daily_chart
from digest.labels import Labels
from digest.numbers import vn_change, vn_date, vn_decimal, vn_int, vn_percent, vn_time
from digest.query import STORIES, CaseLine, Figures, FlaggedItem, Item

REPORT_FORMATS = ("xlsx", "docx", "pdf")
PROVINCE = "Hải Dương"
PRINTED_DAYS = 31  # longer periods: the day-by-day table only in XLSX, DOCX and PDF show the chart
PLACE = "Hải Phòng"  # where the office sits since the merger of 1 July 2025
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENGLISH = re.compile(r" / [^:]*")  # the English half of a bilingual label, up to a note after ":"


@dataclass(frozen=True)
class Link:
    """Text that links into the web app."""

    text: str
    url: str


Cell = str | int | Link | None


@dataclass(frozen=True)
class Table:
    """A captioned table; `widths` are the columns' relative widths in DOCX and PDF."""

    caption: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A captioned PNG chart (DOCX and PDF only)."""

    caption: str
    png: bytes


Block = Table | Chart


@dataclass(frozen=True)
class Section:
    """A numbered part of the report (one sheet in XLSX)."""

    title: str
    sheet: str
    paragraphs: tuple[str, ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    """The whole report, ready for a writer."""

    office: str
    title: str
    subtitle: str
    dated: str
    sections: tuple[Section, ...]
    note: str


@dataclass(frozen=True)
class SourceCount:
    """How many of the period's items one source carried."""

    source_id: str
    name: str
    kind: str
    articles: int
    flagged: int


def clean(text: str | None) -> str:
    """Text safe for every format: control characters (invalid in XML) removed."""
    return _CONTROL.sub("", text or "")


def vi(text: str | None) -> str:
    """A bilingual "tiếng Việt / English[: note]" text in Vietnamese only: "tiếng Việt[: note]"."""
    return _ENGLISH.sub("", clean(text), count=1)


def source_counts(items: Iterable[Item]) -> list[SourceCount]:
    """Items and flagged items per source, most first (then by name)."""
    seen: dict[str, Item] = {}
    articles: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for item in items:
        seen.setdefault(item.source_id, item)
        articles[item.source_id] += 1
        flagged[item.source_id] += int(item.flagged)
    out = [SourceCount(sid, first.source_name, first.source_kind, articles[sid], flagged[sid])
           for sid, first in seen.items()]
    return sorted(out, key=lambda s: (-s.articles, s.name, s.source_id))


def _change(now: int, before: int) -> str:
    """vn_change in Vietnamese only ("mới", not "mới / new")."""
    return vi(vn_change(now, before))


def _span(first: date, last: date) -> str:
    """Two local dates as "dd/mm/yyyy – dd/mm/yyyy"."""
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def _ranked(counts: Mapping[str, int], known: Iterable[str]) -> list[tuple[str, int]]:
    """Codes with their counts, most first; known codes without any follow in their own order."""
    order = {code: i for i, code in enumerate(known)}
    codes = set(counts) | set(order)
    return sorted(((c, int(counts.get(c, 0))) for c in codes),
                  key=lambda pair: (-pair[1], order.get(pair[0], len(order)), pair[0]))


def _breakdown(caption: str, counts: Mapping[str, int], kind: str, labels: Labels, known: Iterable[str]) -> Table:
    """One breakdown (label, count, share of the total) with a total row."""
    total = sum(counts.values())
    rows: list[tuple[Cell, ...]] = [(labels.of(kind, code), n, vn_percent(n, total))
                                    for code, n in _ranked(counts, known)]
    rows.append(("Tổng cộng", total, vn_percent(total, total)))
    return Table(caption, ("Phân loại", "Số bài", "Tỷ lệ"), rows, (6, 2, 2))


def _summary(f: Figures, tz: ZoneInfo) -> Section:
    """Section I: the headline figures against the period before."""
    t, b = f.totals, f.before
    here, before = _span(f.period.first, f.period.last), _span(f.previous.first, f.previous.last)
    paragraphs = (
        f"Từ ngày {f.period.first:%d/%m/%Y} đến ngày {f.period.last:%d/%m/%Y}, hệ thống đã thu thập "
        f"{vn_int(t.articles)} bài; trong đó {vn_int(t.relevant)} bài có nội dung liên quan đến {PROVINCE} "
        f"({vn_percent(t.relevant, t.articles)}).",
        f"Trong số bài liên quan: {vn_int(t.flagged)} bài bị gắn cờ cần xem xét ({vn_percent(t.flagged, t.relevant)}), "
        f"{vn_int(t.negative)} bài có sắc thái tiêu cực ({vn_percent(t.negative, t.relevant)}).",
        f"So với kỳ trước ({before}): bài liên quan {_change(t.relevant, b.relevant)}, bài bị gắn cờ "
        f"{_change(t.flagged, b.flagged)}, bài tiêu cực {_change(t.negative, b.negative)}.",
        f"Công tác phản bác: mở mới {vn_int(len(f.opened))} hồ sơ, đóng {vn_int(len(f.closed))} hồ sơ, "
        f"{vn_int(len(f.overdue))} hồ sơ quá hạn xử lý.",
    )
    rows: list[tuple[Cell, ...]] = [("Kỳ báo cáo", here, before, "")]
    for name, now_n, before_n in (("Tổng số bài thu thập", t.articles, b.articles),
                                  (f"Bài liên quan đến {PROVINCE}", t.relevant, b.relevant),
                                  ("Trong đó: bị gắn cờ", t.flagged, b.flagged),
                                  ("Trong đó: sắc thái tiêu cực", t.negative, b.negative)):
        rows.append((name, now_n, before_n, _change(now_n, before_n)))
    rows += [("Hồ sơ phản bác mở mới", len(f.opened), None, ""), ("Hồ sơ phản bác đã đóng", len(f.closed), None, ""),
             ("Hồ sơ phản bác quá hạn", len(f.overdue), None, "")]
    table = Table("Số liệu chung", ("Chỉ tiêu", "Kỳ này", "Kỳ trước", "So với kỳ trước"), rows, (5, 3, 3, 2))
    return Section("I. TÌNH HÌNH CHUNG", "I. Tổng hợp", paragraphs, (table,))


def _figures(f: Figures, labels: Labels, printed: bool) -> Section:
    """Section II; printed (DOCX, PDF) it has charts, and a long period's day table is left to the spreadsheet."""
    groups: tuple[tuple[str, Counter[str], str, list[str]], ...] = (
        ("1. Theo chủ đề", f.by_topic, "topics", list(labels.topics)),
        ("2. Theo sắc thái", f.by_sentiment, "sentiments", list(labels.sentiments)),
        ("3. Theo loại nguồn", f.by_kind, "source_kinds", list(labels.source_kinds)),
        ("4. Theo ngôn ngữ", f.by_lang, "langs", []))
    blocks: list[Block] = []
    for caption, counts, kind, known in groups:
        blocks.append(_breakdown(caption, counts, kind, labels, known))
        if printed:
            names = {code: labels.of(kind, code) for code in counts}
            blocks.append(Chart(caption, breakdown_chart(counts, names, f"Bài liên quan {caption[3:].lower()}")))
    days: list[tuple[Cell, ...]] = [(day, relevant, flagged) for day, relevant, flagged in f.by_day]
    if not printed or len(days) <= PRINTED_DAYS:
        blocks.append(Table("5. Diễn biến theo ngày", ("Ngày", "Bài liên quan", "Bị gắn cờ"), days, (4, 3, 3)))
    if printed:
        blocks.append(Chart("5. Diễn biến theo ngày", daily_chart(f.by_day, f"Bài về {PROVINCE} theo ngày")))
    text = (f"Số liệu tính trên {vn_int(f.totals.relevant)} bài liên quan đến {PROVINCE} trong kỳ; "
            "tỷ lệ là phần trăm của tổng số bài liên quan.",)
    return Section("II. SỐ LIỆU THEO CHỦ ĐỀ, SẮC THÁI, LOẠI NGUỒN VÀ NGÔN NGỮ", "II. Số liệu", text, tuple(blocks))


def _stories(f: Figures, app_url: str, tz: ZoneInfo) -> Section:
    """Section III: the stories carried by the most outlets."""
    rows: list[tuple[Cell, ...]] = [
        (i, Link(clean(s.title) or f"Bài #{s.article_id}", f"{app_url}/articles/{s.article_id}"),
         clean(", ".join(s.sources)), s.outlets, s.articles, vn_time(s.first, tz), s.flagged)
        for i, s in enumerate(f.stories, 1)]
    header = ("STT", "Tiêu đề", "Nguồn đăng tải", "Số nguồn", "Số bài", "Xuất hiện lần đầu", "Bị gắn cờ")
    text = (f"Các vấn đề về {PROVINCE} được nhiều nguồn đăng tải nhất trong kỳ (tối đa {STORIES} vấn đề)."
            if f.stories else f"Trong kỳ không có vấn đề nổi bật về {PROVINCE}.",)
    return Section("III. CÁC VẤN ĐỀ NỔI BẬT", "III. Vấn đề nổi bật", text,
                   (Table("Vấn đề nổi bật", header, rows, (1.5, 7, 5, 2, 2, 3, 2)),))


def _decision(labels: Labels, f: FlaggedItem) -> str:
    """What the analyst decided, by whom and (dismissed) why, in Vietnamese."""
    text = labels.of("cases", f.status)
    if f.decided_by:
        text += f" ({clean(f.decided_by)})"
    if f.status == "dismissed" and f.decision_reason:
        text += f": {vi(f.decision_reason)}"
    return text


def _flagged_row(i: int, f: FlaggedItem, labels: Labels, app_url: str, tz: ZoneInfo) -> tuple[Cell, ...]:
    """One flagged item with its decision and rebuttal cases."""
    item = f.item
    rebuttal: Cell = None
    if f.rebuttals:
        rebuttal = Link(", ".join(f"#{cid}" for cid, _ in f.rebuttals), f"{app_url}/rebuttals/{f.rebuttals[0][0]}")
    states = "; ".join(labels.of("rebuttals", status) for _, status in f.rebuttals)
    risk = "" if item.risk is None else vn_decimal(item.risk, 2)
    return (i, Link(clean(item.title) or f"Bài #{item.id}", f"{app_url}/articles/{item.id}"), clean(item.source_name),
            vn_time(item.when, tz), risk, _decision(labels, f), rebuttal, states)


def _case_rows(group: str, lines: list[CaseLine], labels: Labels, app_url: str, tz: ZoneInfo
               ) -> list[tuple[Cell, ...]]:
    """Rebuttal cases as rows of one group (opened, closed, overdue)."""
    return [(group, Link(f"#{c.id}", f"{app_url}/rebuttals/{c.id}"), clean(c.title), labels.of("rebuttals", c.status),
             clean(c.assignee), vn_date(c.opened_at, tz), vn_date(c.due_at, tz),
             vn_date(c.closed_at or c.published_at, tz)) for c in lines]


def _handled(f: Figures, labels: Labels, app_url: str, tz: ZoneInfo) -> Section:
    """Section IV: flagged items, the decisions and the rebuttal cases."""
    decided = Counter(x.status for x in f.flagged)
    text = (f"Trong kỳ có {vn_int(len(f.flagged))} bài bị gắn cờ đưa vào xem xét: {vn_int(decided['confirmed'])} bài "
            f"được xác nhận có nội dung sai lệch, {vn_int(decided['dismissed'])} bài được bác bỏ, "
            f"{vn_int(decided['open'])} bài đang chờ xử lý.",
            f"Hồ sơ phản bác: {vn_int(len(f.opened))} mở trong kỳ, {vn_int(len(f.closed))} đóng trong kỳ, "
            f"{vn_int(len(f.overdue))} quá hạn xử lý.")
    items = Table("1. Bài bị gắn cờ và kết quả xử lý",
                  ("STT", "Tiêu đề", "Nguồn", "Thời gian", "Mức rủi ro", "Quyết định", "Hồ sơ phản bác", "Tình trạng"),
                  [_flagged_row(i, x, labels, app_url, tz) for i, x in enumerate(f.flagged, 1)],
                  (1.5, 7, 3, 3, 2, 4, 2, 3))
    cases = Table("2. Hồ sơ phản bác",
                  ("Nhóm", "Mã hồ sơ", "Tiêu đề", "Tình trạng", "Phụ trách", "Ngày mở", "Hạn xử lý", "Ngày đóng"),
                  _case_rows("Mở trong kỳ", f.opened, labels, app_url, tz)
                  + _case_rows("Đóng trong kỳ", f.closed, labels, app_url, tz)
                  + _case_rows("Quá hạn", f.overdue, labels, app_url, tz), (3, 2, 7, 3, 3, 3, 3, 3))
    return Section("IV. THÔNG TIN SAI LỆCH ĐÃ XỬ LÝ VÀ KẾT QUẢ PHẢN BÁC", "IV. Thông tin sai lệch", text,
                   (items, cases))


def _sources(f: Figures, labels: Labels) -> Section:
    """Section V: relevant articles per source kind and per source, and sources in trouble."""
    counts = source_counts(f.items)
    total = sum(c.articles for c in counts)
    per_kind = Counter(c.kind for c in counts)
    kinds: list[tuple[Cell, ...]] = [(labels.of("source_kinds", kind), per_kind[kind], n, vn_percent(n, total))
                                     for kind, n in _ranked(f.by_kind, labels.source_kinds)]
    kinds.append(("Tổng cộng", len(counts), total, vn_percent(total, total)))
    sources: list[tuple[Cell, ...]] = [
        (i, clean(c.name), labels.of("source_kinds", c.kind), c.articles, c.flagged, vn_percent(c.articles, total))
        for i, c in enumerate(counts, 1)]
    problems: list[tuple[Cell, ...]] = [(clean(p.name), p.source_id, labels.of("health", p.state), vi(p.reason))
                                        for p in f.problems]
    text = (f"{vn_int(len(counts))} nguồn có bài liên quan đến {PROVINCE} trong kỳ (tổng số bài thu thập từ mọi "
            f"nguồn: {vn_int(f.totals.articles)}).",
            f"{vn_int(len(f.problems))} nguồn cần kiểm tra việc thu thập (lỗi, không có bài mới hoặc chưa "
            "thu thập được)."
            if f.problems else "Mọi nguồn đang bật đều thu thập bình thường.")
    return Section("V. NGUỒN TIN VÀ TÌNH TRẠNG THU THẬP", "V. Nguồn tin", text, (
        Table("1. Theo loại nguồn", ("Loại nguồn", "Số nguồn", "Bài liên quan", "Tỷ lệ"), kinds, (6, 2, 3, 2)),
        Table("2. Theo nguồn", ("STT", "Nguồn", "Loại nguồn", "Bài liên quan", "Bị gắn cờ", "Tỷ lệ"), sources,
              (1.5, 6, 4, 3, 2, 2)),
        Table("3. Nguồn có vấn đề khi thu thập", ("Nguồn", "Mã nguồn", "Tình trạng", "Chi tiết"), problems,
              (5, 3, 3, 6))))


def _grouped(blocks: Iterable[Block]) -> list[Table]:
    """The section's tables; neighbours with the same columns become one table with a "Nhóm" column."""
    groups: list[list[Table]] = []
    for table in (b for b in blocks if isinstance(b, Table)):
        if groups and groups[-1][0].header == table.header:
            groups[-1].append(table)
        else:
            groups.append([table])
    return [g[0] if len(g) == 1 else Table(g[0].caption, ("Nhóm", *g[0].header),
                                           [(t.caption, *row) for t in g for row in t.rows], (3, *g[0].widths))
            for g in groups]


def _put(sheet: Any, row: int, column: int, cell: Cell, bold: bool = False) -> int:
    """Write one cell (text stays text, whatever it starts with); returns its width in characters."""
    target = sheet.cell(row=row, column=column)
    value = clean(cell.text if isinstance(cell, Link) else cell) if isinstance(cell, str | Link) else cell
    target.value = value[:32000] if isinstance(value, str) else value
    if isinstance(value, str):
        target.data_type = "s"  # a scraped "=HYPERLINK(…)" is a title, never a formula
    if isinstance(cell, Link):
        target.hyperlink = cell.url
        target.style = "Hyperlink"
    if bold:
        target.font = Font(bold=True)
    return len(str(value)) if value is not None else 0


def _sheet(book: Any, section: Section, notes: tuple[str, ...]) -> None:
    """One section as one sheet: the first table's header on row 1 (frozen), further tables below."""
    sheet = book.create_sheet(section.sheet)
    widths: Counter[int] = Counter()
    row = 1
    for index, table in enumerate(_grouped(section.blocks)):
        if index:
            _put(sheet, row + 1, 1, table.caption, bold=True)
            row += 2
        for column, name in enumerate(table.header, 1):
            widths[column] = max(widths[column], _put(sheet, row, column, name, bold=True))
        for values in table.rows:
            row += 1
            for column, cell in enumerate(values, 1):
                widths[column] = max(widths[column], _put(sheet, row, column, cell))
        row += 1
    for text in (*section.paragraphs, *notes):
        row += 1
        _put(sheet, row, 1, text)
    sheet.freeze_panes = "A2"
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def write_xlsx(report: Report) -> bytes:
    """The report as a workbook: one sheet per section."""
    book = Workbook()
    book.remove(book.active)
    for index, section in enumerate(report.sections):
        _sheet(book, section, (report.subtitle, report.dated, report.note) if index == 0 else ())
    book.properties.title = report.subtitle
    book.properties.creator = report.office
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def compose(figures: Figures, labels: Labels, office_name: str, app_url: str, tz: ZoneInfo,
            generated: datetime | None = None, printed: bool = True) -> Report:
    """The report's outline: heading lines and sections I–V."""
    app_url = app_url.rstrip("/")
    made = (generated or datetime.now(tz)).astimezone(tz)
    period = figures.period
    return Report(
        office=clean(office_name), title="BÁO CÁO",
        subtitle=(f"Tình hình thông tin báo chí về {PROVINCE}, "
                  f"từ {period.first:%d/%m/%Y} đến {period.last:%d/%m/%Y}"),
        dated=f"{PLACE}, ngày {made:%d} tháng {made:%m} năm {made:%Y}",
        sections=(_summary(figures, tz), _figures(figures, labels, printed), _stories(figures, app_url, tz),
                  _handled(figures, labels, app_url, tz), _sources(figures, labels)),
        note=(f"Báo cáo do hệ thống hdmonitor lập lúc {made:%H:%M %d/%m/%Y}; thời gian theo giờ Việt Nam "
              f"({tz}); chi tiết từng bài và hồ sơ: {app_url}"),
    )


def build_report(figures: Figures, labels: Labels, fmt: str, office_name: str, app_url: str, tz: ZoneInfo,
                 generated: datetime | None = None) -> bytes:
    """The period report as XLSX, DOCX or PDF bytes."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"định dạng không hỗ trợ / unsupported format {fmt!r} ({', '.join(REPORT_FORMATS)})")
    report = compose(figures, labels, office_name, app_url, tz, generated, printed=fmt != "xlsx")
    if fmt == "xlsx":
        return write_xlsx(report)
    if fmt == "docx":
        from digest.report_docx import write_docx

        return write_docx(report)
    from digest.report_pdf import write_pdf

    return write_pdf(report)
