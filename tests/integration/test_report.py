"""Period reports on a real SQLite file: the figures in XLSX, DOCX and PDF equal what the database holds,
in Vietnamese and Vietnamese number format; a scraped formula stays text; the CLI writes the file and
refuses bad dates with one line."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from config.settings import load_settings
from digest.labels import Labels, load_labels
from digest.period import between
from digest.query import figures
from digest.report import REPORT_FORMATS, build_report
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, RebuttalArticle, RebuttalCase, ReviewCase, Source

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)
APP = "https://giamsat.example.vn"
HOSTILE = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
PERCENT = re.compile(r"^\d{1,3},\d %$")
SOURCES = (("baohd", "Báo Hải Dương", "domestic", "vi"), ("vnexpress", "VnExpress", "domestic", "vi"),
           ("reuters", "Reuters", "foreign", "en"), ("rfa", "RFA Tiếng Việt", "overseas_vietnamese", "vi"),
           ("blogx", "Blog Tự Do", "blog", "vi"))
# source, title, lang, day of March 2026, local hour, (relevance, topic, sentiment, flagged, risk) or None
ARTICLES: tuple[tuple[str, str, str, int, int, tuple[str, str, str, bool, float] | None], ...] = (
    ("baohd", "Hải Dương thu hút 300 triệu USD vốn FDI", "vi", 2, 8, ("focus", "economy", "positive", False, 0.1)),
    ("vnexpress", "Kinh tế Hải Dương tăng trưởng cao nhất vùng", "vi", 3, 9,
     ("mention", "economy", "positive", False, 0.1)),
    ("baohd", "Vải thiều Thanh Hà được mùa, được giá", "vi", 3, 14, ("focus", "agriculture", "positive", False, 0.1)),
    ("reuters", "Factory fire in Hai Duong injures three workers", "en", 4, 10,
     ("focus", "society", "negative", False, 0.3)),
    ("rfa", HOSTILE, "vi", 5, 20, ("focus", "rights_religion", "negative", True, 0.91)),
    ("blogx", "Tin đồn thất thiệt về thị xã Chí Linh", "vi", 6, 7, ("mention", "politics", "negative", True, 0.74)),
    ("vnexpress", "Giá lúa ở miền Tây tăng nhẹ", "vi", 6, 11, ("none", "economy", "neutral", False, 0.0)),
    ("blogx", "Bình luận về giá đất ở Kinh Môn", "vi", 7, 15, ("mention", "economy", "negative", True, 0.62)),
    ("baohd", "Khai mạc lễ hội mùa xuân Côn Sơn – Kiếp Bạc", "vi", 7, 9,
     ("focus", "culture_tourism", "positive", False, 0.05)),
    ("baohd", "Bài chưa phân tích về Nam Sách", "vi", 8, 23, None),  # 23:00 local on the last day: still in
    ("baohd", "Bài của kỳ trước về Gia Lộc", "vi", 1, 23, ("focus", "society", "neutral", False, 0.1)),  # before
    ("baohd", "Bài của kỳ sau về Tứ Kỳ", "vi", 9, 0, ("focus", "society", "neutral", False, 0.1)),  # after
)


@dataclass
class Seeded:
    """The database and what the test put in it."""

    url: str
    ids: dict[str, int]  # title → article id
    rebuttal_id: int


def _local(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=TZ).astimezone(UTC)


def _article(source: str, title: str, lang: str, when: datetime) -> Article:
    url = f"https://{source}.example/{hashlib.sha1(title.encode()).hexdigest()[:12]}"
    return Article(source_id=source, url=url, canonical_url=url, url_hash=hashlib.sha256(url.encode()).hexdigest(),
                   title=title, text=f"{title}. Nội dung bài.", lang=lang, published_at=when, fetched_at=when,
                   content_hash=hashlib.sha256(title.encode()).hexdigest(), status="analysed")


def _analysis(article_id: int, lang: str, values: tuple[str, str, str, bool, float], at: datetime) -> Analysis:
    relevance, topic, sentiment, flagged, risk = values
    return Analysis(article_id=article_id, model_version="test-1", created_at=at, lang=lang, relevance=relevance,
                    relevance_score=0.9, topic=topic, sentiment=sentiment, sentiment_score=0.8, risk=risk,
                    flagged=flagged, reasons=["nguồn hải ngoại / overseas outlet"] if flagged else [])


def _seed(url: str) -> Seeded:
    engine = make_engine(url)
    upgrade(engine)
    ids: dict[str, int] = {}
    end = _local(8, 20)
    with session_scope(engine, write=True) as s:
        for sid, name, kind, lang in SOURCES:
            s.add(Source(id=sid, name=name, kind=kind, lang=lang, config={}, last_success_at=end, last_new_at=end,
                         consecutive_failures=4 if sid == "blogx" else 0))
        s.flush()
        for source, title, lang, day, hour, values in ARTICLES:
            article = _article(source, title, lang, _local(day, hour))
            s.add(article)
            s.flush()
            ids[title] = article.id
            if values:
                s.add(_analysis(article.id, lang, values, _local(day, hour)))
        # re-analysed: the first analysis said politics, the latest says economy (the latest counts)
        reanalysed = ids["Kinh tế Hải Dương tăng trưởng cao nhất vùng"]
        s.add(_analysis(reanalysed, "vi", ("mention", "politics", "negative", False, 0.2), _local(3, 9)))
        s.flush()
        s.add(_analysis(reanalysed, "vi", ("mention", "economy", "positive", False, 0.1), _local(3, 10)))
        rebuttal_id = _cases(s, ids)
    engine.dispose()
    return Seeded(url, ids, rebuttal_id)


def _cases(s: Any, ids: dict[str, int]) -> int:
    """A confirmed review case with a rebuttal case in drafting, a dismissed one and one still open."""
    for title, status, reason in (
            (HOSTILE, "confirmed", None), ("Tin đồn thất thiệt về thị xã Chí Linh", "open", None),
            ("Bình luận về giá đất ở Kinh Môn", "dismissed", "Thông tin chính xác / accurate reporting: đã hỏi Sở")):
        analysis = s.scalar(select(Analysis).where(Analysis.article_id == ids[title]))
        decided = status != "open"
        s.add(ReviewCase(article_id=ids[title], analysis_id=analysis.id, status=status, opened_at=_local(7, 16),
                         decided_by="lan" if decided else None, decided_at=_local(7, 17) if decided else None,
                         closed_at=_local(7, 17) if decided else None, decision_reason=reason))
    case = RebuttalCase(title="Phản bác thông tin xuyên tạc về Hải Dương", status="drafting", assignee="minh",
                        opened_by="lan", opened_at=_local(6, 10), due_at=_local(9, 10))
    s.add(case)
    s.flush()
    s.add(RebuttalArticle(case_id=case.id, article_id=ids[HOSTILE], added_by="lan", added_at=_local(6, 10)))
    return int(case.id)


@dataclass
class Expected:
    """Counts read from the database without digest.query."""

    articles: int
    relevant: int
    flagged: int
    negative: int
    before_articles: int
    before_relevant: int
    topics: Counter[str]
    sentiments: Counter[str]
    per_source: Counter[str]  # source name → relevant articles


def _expected(url: str) -> Expected:
    """The period's counts, from the ORM, each article with its latest analysis."""
    period = between(FIRST, LAST, TZ)
    previous = period.previous(TZ)
    engine = make_engine(url)
    with session_scope(engine) as s:
        rows = []
        for article in s.scalars(select(Article)):
            latest = max(article.analyses, key=lambda a: a.id, default=None)
            when = article.published_at or article.fetched_at
            rows.append((when, latest, article.source.name))
    engine.dispose()
    inside = [(a, name) for when, a, name in rows if period.start <= when < period.end]
    relevant = [(a, name) for a, name in inside if a is not None and a.relevance in ("focus", "mention")]
    before = [a for when, a, _ in rows if previous.start <= when < previous.end]
    return Expected(len(inside), len(relevant), sum(a.flagged for a, _ in relevant),
                    sum(a.sentiment == "negative" for a, _ in relevant), len(before),
                    sum(1 for a in before if a is not None and a.relevance in ("focus", "mention")),
                    Counter(a.topic for a, _ in relevant), Counter(a.sentiment for a, _ in relevant),
                    Counter(name for _, name in relevant))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return _seed(f"sqlite:///{tmp_path_factory.mktemp('report') / 'hdm.db'}")


@pytest.fixture(scope="module")
def labels() -> Labels:
    return load_labels(load_settings().config_file("taxonomy.yaml"))


@pytest.fixture(scope="module")
def reports(seeded: Seeded, labels: Labels) -> dict[str, bytes]:
    period = between(FIRST, LAST, TZ)
    engine = make_engine(seeded.url)
    with session_scope(engine) as s:
        found = figures(s, period, TZ, now=period.end)
    engine.dispose()
    return {fmt: build_report(found, labels, fmt, "Sở Ngoại vụ Hải Dương", APP + "/", TZ) for fmt in REPORT_FORMATS}


@pytest.fixture(scope="module")
def expected(seeded: Seeded) -> Expected:
    return _expected(seeded.url)


def test_the_seed_is_what_the_test_expects(expected: Expected) -> None:
    assert (expected.articles, expected.relevant, expected.flagged, expected.negative) == (10, 8, 3, 4)
    assert expected.topics["economy"] == 3 and expected.topics["politics"] == 1 and expected.before_relevant == 1


def test_an_empty_period_still_gives_every_format(seeded: Seeded, labels: Labels) -> None:
    period = between(date(2025, 1, 1), date(2025, 3, 31), TZ)  # nothing collected then; 90 days
    engine = make_engine(seeded.url)
    with session_scope(engine) as s:
        found = figures(s, period, TZ, now=period.end)
    engine.dispose()
    assert found.totals.articles == 0
    book = openpyxl.load_workbook(io.BytesIO(build_report(found, labels, "xlsx", "VP", APP, TZ)))
    assert {row[0]: row[1] for row in _sheet_rows(book, "I. Tổng hợp")}["Tổng số bài thu thập"] == 0
    assert len([r for r in _sheet_rows(book, "II. Số liệu") if re.match(r"\d\d/\d\d$", str(r[0]))]) == 90
    assert docx.Document(io.BytesIO(build_report(found, labels, "docx", "VP", APP, TZ))).inline_shapes
    assert "Trong kỳ không có vấn đề nổi bật" in _pdf_text(build_report(found, labels, "pdf", "VP", APP, TZ))


def test_the_cli_offers_every_report_format() -> None:
    from pipeline.cli import report

    assert report.FORMATS == REPORT_FORMATS


# ------------------------------------------------------------------------------------------------- XLSX

def _sheet_rows(book: Any, name: str) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row) for row in book[name].iter_rows()]


def test_xlsx_figures_labels_and_formats(reports: dict[str, bytes], expected: Expected, labels: Labels) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reports["xlsx"]))
    assert book.sheetnames == ["I. Tổng hợp", "II. Số liệu", "III. Vấn đề nổi bật", "IV. Thông tin sai lệch",
                               "V. Nguồn tin"]
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)
    summary = {row[0]: row[1:] for row in _sheet_rows(book, "I. Tổng hợp")}
    assert summary["Tổng số bài thu thập"][:2] == (expected.articles, expected.before_articles)
    assert summary["Bài liên quan đến Hải Dương"][:2] == (expected.relevant, expected.before_relevant)
    assert summary["Trong đó: bị gắn cờ"][0] == expected.flagged
    assert summary["Trong đó: sắc thái tiêu cực"][0] == expected.negative
    assert summary["Hồ sơ phản bác mở mới"][0] == 1
    figures_rows = _sheet_rows(book, "II. Số liệu")
    topics = {r[1]: r[2] for r in figures_rows if r[0] == "1. Theo chủ đề" and r[1] != "Tổng cộng"}
    assert topics == {labels.of("topics", code): expected.topics.get(code, 0) for code in labels.topics}
    assert topics["Kinh tế"] == 3
    sentiments = {r[1]: r[2] for r in figures_rows if r[0] == "2. Theo sắc thái" and r[1] != "Tổng cộng"}
    assert sentiments == {labels.of("sentiments", c): expected.sentiments.get(c, 0) for c in labels.sentiments}
    percents = [r[3] for r in figures_rows if r[0] == "1. Theo chủ đề"]
    assert all(PERCENT.match(p) for p in percents), percents
    assert "37,5 %" in percents  # Kinh tế: 3 of 8
    sources = {r[1]: r[3] for r in _sheet_rows(book, "V. Nguồn tin") if isinstance(r[0], int)}
    assert sources == dict(expected.per_source)


def test_xlsx_keeps_a_scraped_formula_as_text_and_links_into_the_app(reports: dict[str, bytes],
                                                                      seeded: Seeded) -> None:
    book = openpyxl.load_workbook(io.BytesIO(reports["xlsx"]))
    cells = [c for row in book["IV. Thông tin sai lệch"].iter_rows() for c in row if c.value == HOSTILE]
    assert cells and all(c.data_type == "s" for c in cells)
    assert cells[0].hyperlink.target == f"{APP}/articles/{seeded.ids[HOSTILE]}"
    with zipfile.ZipFile(io.BytesIO(reports["xlsx"])) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)  # no formula anywhere
    links = [c.hyperlink.target for row in book["IV. Thông tin sai lệch"].iter_rows() for c in row if c.hyperlink]
    assert f"{APP}/rebuttals/{seeded.rebuttal_id}" in links


# ------------------------------------------------------------------------------------------------- DOCX

def _docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_docx_has_the_heading_the_figures_and_the_charts(reports: dict[str, bytes], expected: Expected,
                                                         labels: Labels, seeded: Seeded) -> None:
    document = docx.Document(io.BytesIO(reports["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text
    assert "Tình hình thông tin báo chí về Hải Dương, từ 02/03/2026 đến 08/03/2026" in text
    for heading in ("I. TÌNH HÌNH CHUNG", "III. CÁC VẤN ĐỀ NỔI BẬT", "V. NGUỒN TIN VÀ TÌNH TRẠNG THU THẬP"):
        assert heading in text
    assert len(document.inline_shapes) == 5  # four breakdowns and the daily chart
    tables = _docx_tables(reports["docx"])
    topic_table = next(t for t in tables if t[0] == ["Phân loại", "Số bài", "Tỷ lệ"] and
                       any(r[0] == "Kinh tế" for r in t))
    topics = {r[0]: r[1] for r in topic_table[1:] if r[0] != "Tổng cộng"}
    assert topics == {labels.of("topics", c): str(expected.topics.get(c, 0)) for c in labels.topics}
    assert all(PERCENT.match(r[2]) for r in topic_table[1:])
    summary = next(t for t in tables if t[0][0] == "Chỉ tiêu")
    assert ["Bài liên quan đến Hải Dương", str(expected.relevant), str(expected.before_relevant)] == \
        next(r for r in summary if r[0] == "Bài liên quan đến Hải Dương")[:3]
    assert any(HOSTILE in cell for t in tables for r in t for cell in r)
    targets = {rel.target_ref for rel in document.part.rels.values() if "hyperlink" in rel.reltype}
    assert f"{APP}/articles/{seeded.ids[HOSTILE]}" in targets and f"{APP}/rebuttals/{seeded.rebuttal_id}" in targets


# -------------------------------------------------------------------------------------------------- PDF

def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    return re.sub(r"\s+", " ", text)


def test_pdf_text_keeps_vietnamese_and_the_figures(reports: dict[str, bytes], expected: Expected) -> None:
    assert reports["pdf"].startswith(b"%PDF-")
    text = _pdf_text(reports["pdf"])
    assert "Tình hình thông tin báo chí về Hải Dương, từ 02/03/2026 đến 08/03/2026" in text
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Kinh tế", "Nhân quyền – Tôn giáo",
                   "Báo tiếng Việt ở nước ngoài", "Vải thiều Thanh Hà được mùa", "Đang soạn", "Đã xác nhận (lan)",
                   "Chờ xử lý", "Lỗi liên tiếp"):
        assert phrase in text, phrase
    assert f"Tổng số bài thu thập {expected.articles} " in text
    assert f"Bài liên quan đến Hải Dương {expected.relevant} {expected.before_relevant} " in text
    assert f"Kinh tế {expected.topics['economy']} 37,5 %" in text
    assert "Đã bác bỏ (lan): Thông tin chính xác: đã hỏi Sở" in text  # the analyst's note, Vietnamese only
    assert re.search(r"\b\d{1,3},\d %", text)


def test_pdf_links_into_the_app(reports: dict[str, bytes], seeded: Seeded) -> None:
    uris = set()
    for page in PdfReader(io.BytesIO(reports["pdf"])).pages:
        annotations: Any = page.get("/Annots") or []
        for annotation in annotations:
            action: Any = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.add(str(action["/URI"]))
    assert f"{APP}/articles/{seeded.ids[HOSTILE]}" in uris
    assert f"{APP}/rebuttals/{seeded.rebuttal_id}" in uris


# -------------------------------------------------------------------------------------------------- CLI

def hdmonitor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`hdmonitor ARGS` as a user runs it: the installed console script, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDM_")}
    command = [str(Path(sys.executable).parent / "hdmonitor")]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("cli")


def test_cli_writes_the_report_atomically(seeded: Seeded, expected: Expected, workdir: Path) -> None:
    out = workdir / "bao-cao.pdf"
    done = hdmonitor("--database", seeded.url, "report", "--from", "02/03/2026", "--to", "2026-03-08",
                     "--output", str(out), cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() == f"đã ghi báo cáo / report written: {out} ({expected.articles} bài / articles)"
    assert out.read_bytes().startswith(b"%PDF-")  # the format follows the file's extension
    assert not list(workdir.glob("*.tmp"))
    default = hdmonitor("--database", seeded.url, "report", "--from", "2026-03-02", "--to", "2026-03-08",
                        "--format", "xlsx", cwd=workdir)
    assert default.returncode == 0, default.stderr
    book = openpyxl.load_workbook(workdir / "bao-cao-2026-03-02-2026-03-08.xlsx")
    assert book.sheetnames[0] == "I. Tổng hợp"


@pytest.mark.parametrize(("first", "last", "needle"), [
    ("31/02/2026", "2026-03-08", "DD/MM/YYYY"),
    ("tuần trước", "2026-03-08", "YYYY-MM-DD"),
    ("2026-03-08", "2026-03-02", "trước ngày bắt đầu"),
])
def test_cli_refuses_bad_dates_with_one_line(seeded: Seeded, workdir: Path, first: str, last: str,
                                             needle: str) -> None:
    before = set(workdir.iterdir())
    done = hdmonitor("--database", seeded.url, "report", "--from", first, "--to", last, "--output",
                     str(workdir / "x.docx"), cwd=workdir)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lỗi / error:") and needle in lines[0], done.stderr
    assert set(workdir.iterdir()) == before
