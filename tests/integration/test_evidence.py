"""Evidence over time: the re-check of flagged articles' URLs against a real server on 127.0.0.1.

Each storage test runs on SQLite and on PostgreSQL (the db_url fixture).
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crawlers.canonical import url_hash
from pipeline.evidence import SOFT_DELETED, recheck_flagged
from pipeline.extract import content_hash, extract
from store import repo
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, ArticleCheck, ArticleSnapshot, ReviewCase
from tests.conftest import free_port, test_settings

PARAGRAPHS = [
    "Sáng 12/11, Ủy ban nhân dân tỉnh Hải Dương tổ chức hội nghị xúc tiến đầu tư vào các khu công nghiệp "
    "mới tại thị xã Kinh Môn và thành phố Chí Linh.",
    "Theo báo cáo của Sở Kế hoạch và Đầu tư, trong mười tháng đầu năm tỉnh đã thu hút thêm hơn 600 triệu "
    "USD vốn đầu tư trực tiếp nước ngoài.",
    "Một số ý kiến cho rằng việc giải phóng mặt bằng ở huyện Nam Sách còn chậm, ảnh hưởng đến quyền lợi "
    "của người dân có đất bị thu hồi.",
    "Lãnh đạo tỉnh khẳng định sẽ đối thoại trực tiếp với các hộ dân và công khai phương án bồi thường "
    "trước ngày 30/11.",
]
EDITED = ("Một số ý kiến cho rằng công tác giải phóng mặt bằng ở huyện Nam Sách đã được đẩy nhanh, bảo đảm "
          "đầy đủ quyền lợi của người dân có đất bị thu hồi.")
TITLE = "Hải Dương thu hút đầu tư vào khu công nghiệp"
ANALYSIS = dict(model_version="t", lang="vi", relevance="focus", relevance_score=0.9, topic="economy",
                topic_scores={"economy": 1.0}, sentiment="negative", sentiment_score=0.8, risk=0.7,
                flagged=True, reasons=["lý do"], places=["Hải Dương"], entities=[], risk_components={})


def page(title: str = TITLE, paragraphs: list[str] | None = None) -> bytes:
    """An article page as the outlet serves it."""
    body = "".join(f"<p>{p}</p>" for p in (PARAGRAPHS if paragraphs is None else paragraphs))
    return (f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='og:title' content='{title}'></head><body><header><nav><a href='/'>Trang chủ</a>"
            f"</nav></header><main><article><h1>{title}</h1>{body}</article></main>"
            f"<footer>Bản quyền</footer></body></html>").encode()


class Web:
    """A small site whose pages a test can change between checks; it remembers the paths asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                web.seen.append(self.path)
                status, headers, body = web.routes.get(self.path, (404, {}, b"<h1>Not found</h1>"))
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes, status: int = 200, **headers: str) -> str:
        self.routes[path] = (status, headers, body)
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web() -> Iterator[Web]:
    site = Web()
    yield site
    site.close()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    with session_scope(engine) as s:
        repo.upsert_sources(s, [{"id": "src", "name": "Báo mẫu", "kind": "foreign", "lang": "vi", "prior": 0.2}])
    yield engine
    engine.dispose()


NOW = datetime.now(UTC).replace(microsecond=0)


def add_article(engine: Engine, url: str, body: bytes | None = None, flagged: bool = True,
                title: str | None = None, fetched_at: datetime | None = None) -> int:
    """An article stored as the crawl would have stored the page, with an analysis (flagged or not)."""
    found = extract((body or page()).decode(), url)
    assert len(found.text) >= 300 and unicodedata.is_normalized("NFC", found.text)
    stored_title = title or found.title
    with session_scope(engine) as s:
        article_id = repo.insert_article(s, dict(
            source_id="src", url=url, final_url=url, canonical_url=url, url_hash=url_hash(url),
            title=stored_title, text=found.text, lang="vi", fetched_at=fetched_at or NOW - timedelta(days=1),
            content_hash=content_hash(stored_title, found.text), status="new", http_status=200,
            raw_html=zlib.compress(body or page(), 3), raw_encoding="zlib"))
        assert article_id is not None
        repo.save_analysis(s, s.get(Article, article_id), dict(ANALYSIS, flagged=flagged))
    return article_id


def checks(engine: Engine, article_id: int) -> list[ArticleCheck]:
    with session_scope(engine) as s:
        return list(s.scalars(select(ArticleCheck).where(ArticleCheck.article_id == article_id)
                              .order_by(ArticleCheck.id)))


def snapshots(engine: Engine, article_id: int) -> list[ArticleSnapshot]:
    with session_scope(engine) as s:
        return list(s.scalars(select(ArticleSnapshot).where(ArticleSnapshot.article_id == article_id)))


def article(engine: Engine, article_id: int) -> Article:
    with session_scope(engine) as s:
        row = s.get(Article, article_id)
        assert row is not None
        return row


def test_unchanged_then_edited_then_kept_edited(engine, db_url, web):
    settings = test_settings(db_url)
    url = web.serve("/tin/dau-tu.html", page())
    article_id = add_article(engine, url)

    report = recheck_flagged(settings, engine, now=NOW)
    assert (report.checked, report.unchanged, report.problems) == (1, 1, [])
    assert snapshots(engine, article_id) == []
    first = checks(engine, article_id)[0]
    assert (first.outcome, first.http_status, first.url, first.final_url) == ("unchanged", 200, url, url)
    assert (article(engine, article_id).evidence_status, article(engine, article_id).evidence_checked_at) == \
        (None, NOW)

    web.serve("/tin/dau-tu.html", page(paragraphs=[*PARAGRAPHS[:2], EDITED, PARAGRAPHS[3]]))
    later = NOW + timedelta(hours=21)
    report = recheck_flagged(settings, engine, now=later)
    assert (report.checked, report.edited) == (1, 1)
    [snapshot] = snapshots(engine, article_id)
    assert EDITED in snapshot.text and snapshot.http_status == 200 and snapshot.fetched_at == later
    assert zlib.decompress(snapshot.raw_html) == web.routes["/tin/dau-tu.html"][2]
    edit = checks(engine, article_id)[-1]
    assert edit.outcome == "edited" and edit.snapshot_id == snapshot.id
    assert f"-{PARAGRAPHS[2]}" in edit.diff and f"+{EDITED}" in edit.diff
    assert (NOW - timedelta(days=1)).isoformat() in edit.diff and later.isoformat() in edit.diff
    assert article(engine, article_id).evidence_status == "edited"

    # a restarted daily job inside the gap checks nothing again
    assert recheck_flagged(settings, engine, now=later + timedelta(hours=1)).checked == 0

    # after the gap the page is as last seen: no new snapshot, and the edit is not forgotten
    report = recheck_flagged(settings, engine, now=later + timedelta(hours=21))
    assert (report.checked, report.unchanged) == (1, 1)
    assert len(snapshots(engine, article_id)) == 1
    assert article(engine, article_id).evidence_status == "edited"

    # asked for by id, the gap does not count
    assert recheck_flagged(settings, engine, now=later + timedelta(hours=22), article_ids=[article_id]).checked == 1


def test_gone_pages_are_deleted_and_a_page_without_text_too(engine, db_url, web):
    settings = test_settings(db_url)
    ids = {
        404: add_article(engine, web.base + "/mat-404.html"),
        410: add_article(engine, web.serve("/mat-410.html", b"<h1>Gone</h1>", status=410)),
        200: add_article(engine, web.serve("/rong.html", page(paragraphs=["Bài viết không tồn tại."]))),
    }
    report = recheck_flagged(settings, engine, now=NOW)
    assert (report.checked, report.deleted) == (3, 3)
    for status, article_id in ids.items():
        [check] = checks(engine, article_id)
        assert (check.outcome, check.http_status) == ("deleted", status)
        assert article(engine, article_id).evidence_status == "deleted"
    assert checks(engine, ids[200])[0].detail == SOFT_DELETED
    assert all(snapshots(engine, i) == [] for i in ids.values())


def test_a_closed_port_is_unreachable_with_a_reason(engine, db_url):
    article_id = add_article(engine, f"http://127.0.0.1:{free_port()}/tin.html")
    report = recheck_flagged(test_settings(db_url), engine, now=NOW)
    assert (report.checked, report.unreachable) == (1, 1)
    [check] = checks(engine, article_id)
    assert check.outcome == "unreachable" and check.http_status is None
    assert check.detail and "network error" in check.detail
    assert article(engine, article_id).evidence_status == "unreachable"


def test_a_private_address_is_refused_before_any_request(engine, db_url, web):
    settings = test_settings(db_url).model_copy(update={"allow_private_hosts": False})
    article_id = add_article(engine, web.serve("/tin.html", page()))
    report = recheck_flagged(settings, engine, now=NOW)
    assert (report.checked, report.unreachable) == (1, 1)
    [check] = checks(engine, article_id)
    assert check.outcome == "unreachable"
    assert "private address refused" in check.detail and "127.0.0.1" in check.detail
    assert web.seen == []


def test_a_redirect_to_a_private_host_is_refused_at_the_hop(engine, db_url, web):
    settings = test_settings(db_url).model_copy(update={
        "allow_private_hosts": False, "private_host_allowlist": [f"127.0.0.1:{web.port}"]})
    target = f"http://localhost:{web.port}/noi-bo.html"
    web.serve("/noi-bo.html", page())
    moved = add_article(engine, web.serve("/chuyen.html", b"", status=302, Location=target))
    # a redirect on the allowed host is followed
    web.serve("/moi.html", page())
    renamed = add_article(engine, web.serve("/cu.html", b"", status=301, Location="/moi.html"))

    report = recheck_flagged(settings, engine, now=NOW)
    assert (report.checked, report.unreachable, report.unchanged) == (2, 1, 1)
    [check] = checks(engine, moved)
    assert check.outcome == "unreachable" and check.final_url == target
    assert "private address refused" in check.detail and "localhost" in check.detail
    assert "/noi-bo.html" not in web.seen and "/chuyen.html" in web.seen
    [check] = checks(engine, renamed)
    assert (check.outcome, check.final_url) == ("unchanged", web.base + "/moi.html")


def test_only_flagged_recent_articles_are_checked(engine, db_url, web):
    settings = test_settings(db_url)
    plain = add_article(engine, web.serve("/thuong.html", page()), flagged=False)
    dismissed = add_article(engine, web.serve("/bac-bo.html", page()))
    old = add_article(engine, web.serve("/cu.html", page()), fetched_at=NOW - timedelta(days=120))
    first = add_article(engine, web.serve("/mot.html", page()))
    second = add_article(engine, web.serve("/hai.html", page()))
    with session_scope(engine) as s:  # the case was dismissed and the article re-analysed as harmless
        s.scalars(select(ReviewCase).where(ReviewCase.article_id == dismissed)).one().status = "dismissed"
        repo.save_analysis(s, s.get(Article, dismissed), dict(ANALYSIS, flagged=False))
    # a case still open keeps an article watched whatever its latest analysis says
    case_open = add_article(engine, web.serve("/ho-so.html", page()))
    with session_scope(engine) as s:
        repo.save_analysis(s, s.get(Article, case_open), dict(ANALYSIS, flagged=False))

    assert recheck_flagged(settings, engine, now=NOW, article_ids=[first]).article_ids == [first]
    # never-checked first, then the longest unchecked
    report = recheck_flagged(settings, engine, now=NOW + timedelta(days=1), limit=2)
    assert report.article_ids == [second, case_open]
    report = recheck_flagged(settings, engine, now=NOW + timedelta(days=1))
    assert report.article_ids == [first]
    # an article asked for by id is checked whatever its age, but an unflagged one never
    report = recheck_flagged(settings, engine, now=NOW + timedelta(days=1), article_ids=[plain, dismissed, old])
    assert report.article_ids == [old]
    assert checks(engine, plain) == [] and checks(engine, dismissed) == []
    assert "/thuong.html" not in web.seen and "/bac-bo.html" not in web.seen


def test_a_feed_title_other_than_the_page_title_is_not_an_edit(engine, db_url, web):
    url = web.serve("/tin.html", page())
    article_id = add_article(engine, url, title="Tiêu đề trong RSS khác tiêu đề trên trang")
    report = recheck_flagged(test_settings(db_url), engine, now=NOW)
    assert (report.checked, report.unchanged) == (1, 1)
    web.serve("/tin.html", page(title="Tiêu đề đã bị sửa"))
    report = recheck_flagged(test_settings(db_url), engine, now=NOW + timedelta(days=1))
    assert report.edited == 1
    diff = checks(engine, article_id)[-1].diff
    assert f"-{TITLE}" in diff and "+Tiêu đề đã bị sửa" in diff


def test_one_failing_article_does_not_stop_the_run(engine, db_url, web, monkeypatch):
    import pipeline.evidence as unit

    broken = add_article(engine, web.serve("/hong.html", page()))
    fine = add_article(engine, web.serve("/tot.html", page()))
    real = unit.judge

    def judge(target, fetched, at):
        if target.article_id == broken:
            raise RuntimeError("trafilatura exploded")
        return real(target, fetched, at)

    monkeypatch.setattr(unit, "judge", judge)
    report = recheck_flagged(test_settings(db_url), engine, now=NOW)
    assert report.article_ids == [fine] and report.failed_ids == [broken]
    assert len(report.problems) == 1 and "trafilatura exploded" in report.problems[0]
    assert article(engine, broken).evidence_checked_at is None  # tried again on the next run


def _cli(monkeypatch, argv: list[str]) -> int:
    import pipeline.cli as cli
    from pipeline.cli import evidence as evidence_cli

    if evidence_cli not in cli._GROUPS:  # until pipeline/cli/__init__.py registers it
        monkeypatch.setattr(cli, "_GROUPS", (*cli._GROUPS, evidence_cli))
    monkeypatch.setenv("HDM_ALLOW_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("HDM_SCRAPY__DOWNLOAD_DELAY", "0")
    return cli.main(argv)


def test_the_cli_command_prints_a_summary(engine, db_url, web, monkeypatch, capsys):
    article_id = add_article(engine, web.serve("/tin.html", page()))
    gone = add_article(engine, web.base + "/khong-con.html")
    assert _cli(monkeypatch, ["--database", db_url, "evidence", "recheck", "--limit", "10"]) == 0
    out = capsys.readouterr().out
    assert "re-checked: 2" in out and "unchanged 1" in out and "deleted 1" in out
    assert _cli(monkeypatch, ["--database", db_url, "evidence", "recheck", "--article", str(article_id)]) == 0
    assert "re-checked: 1" in capsys.readouterr().out
    assert len(checks(engine, article_id)) == 2 and len(checks(engine, gone)) == 1

    import pipeline.evidence as unit

    def explode(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(unit, "judge", explode)
    assert _cli(monkeypatch, ["--database", db_url, "evidence", "recheck", "--article", str(gone)]) == 1
    assert "boom" in capsys.readouterr().err


def test_the_article_page_shows_the_history_escaped(engine, db_url, web):
    from fastapi.testclient import TestClient

    from review.app import create_app

    article_id = add_article(engine, web.serve("/tin.html", page()))
    recheck_flagged(test_settings(db_url), engine, now=NOW - timedelta(hours=1))
    with session_scope(engine) as s:
        s.add(ArticleCheck(article_id=article_id, checked_at=NOW, outcome="edited", http_status=200,
                           url=web.base + "/tin.html", diff="--- a\n+++ b\n+<script>alert('x')</script>"))
        s.get(Article, article_id).evidence_status = "edited"
    from tests.fixtures.review import add_role_users, login, review_settings

    add_role_users(engine)
    app = create_app(review_settings(db_url))
    try:
        with TestClient(app) as client:
            assert client.get(f"/articles/{article_id}", follow_redirects=False).status_code == 303  # login first
            login(client, "viewer")
            response = client.get(f"/articles/{article_id}")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 200
    html = response.text
    assert "Lịch sử kiểm tra lại" in html and "Re-check history" in html and "Đã bị sửa / Edited" in html
    assert "Không đổi / Unchanged" in html and "<details>" in html
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    local = NOW.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M")
    assert local in html
