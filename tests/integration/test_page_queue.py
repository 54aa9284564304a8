"""The page queue between the crawl and the extraction workers, on SQLite and on PostgreSQL.

Pages are queued compressed; a worker keeps the very bytes it was given as the article's evidence;
a page queued before compression (no encoding) still reads; a body that cannot be read is quarantined
with the reason, never lost silently; the downgrade gives the old queue its bodies back as fetched.
"""

import zlib
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text

from crawlers.records import FeedEntry, FetchedPage
from pipeline.queued import fetched_page, page_values
from pipeline.units import extract_batch
from store import repo
from store.db import session_scope
from store.migrate import alembic_config, upgrade
from store.models import Article, Page, Quarantine
from tests.conftest import engine_with_source, test_settings

_PAGE = """<html><head><meta charset="utf-8"><title>Hội chợ nông sản mở cửa</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/kt">Kinh tế</a></nav>
<article><h1>Hội chợ nông sản mở cửa</h1>
<p>Hội chợ nông sản năm nay quy tụ hơn hai trăm gian hàng của các hợp tác xã trong vùng.</p>
<p>Ban tổ chức cho biết lượng khách ngày đầu tăng gần gấp đôi so với cùng kỳ năm trước.</p>
<p>Các sản phẩm được giới thiệu gồm rau quả, thủy sản và đặc sản chế biến theo tiêu chuẩn an toàn.</p>
</article><footer>Bản quyền thuộc về tòa soạn</footer></body></html>"""


_engine = engine_with_source


def _fetched(n: int, body: bytes = _PAGE.encode()) -> FetchedPage:
    url = f"http://bao.example.vn/kinh-te/hoi-cho-{n}/"
    return FetchedPage(source_id="src", url=url, final_url=url, status=200, body=body, encoding="utf-8",
                       content_type="text/html; charset=utf-8", fetched_at=datetime.now(UTC),
                       entry=FeedEntry(link=url, title=f"Hội chợ nông sản mở cửa {n}"))


def test_pages_are_queued_compressed_and_kept_as_evidence_unchanged(db_url, tmp_path):
    engine = _engine(db_url)
    with session_scope(engine) as s:
        assert repo.queue_pages(s, [page_values(_fetched(1), "run"), page_values(_fetched(2), "run")]) == [True, True]
    with session_scope(engine) as s:
        rows = list(s.scalars(select(Page).order_by(Page.id)))
        queued = {row.url: (row.id, row.body) for row in rows}
        assert {row.body_encoding for row in rows} == {"zlib"}
        assert all(len(row.body) < len(_PAGE.encode()) for row in rows)
        assert zlib.decompress(rows[0].body) == _PAGE.encode()
        assert fetched_page(rows[0]).body == _PAGE.encode()
        # the worker keeps the bytes it was given, whatever level made them, and compresses nothing again
        rows[1].body = zlib.compress(_PAGE.encode(), 9)
        assert rows[1].body != rows[0].body
        queued = {row.url: (row.id, row.body) for row in rows}
    outcome = extract_batch(db_url, [page_id for page_id, _ in queued.values()], test_settings(db_url, tmp_path))
    assert len(outcome.new_ids) == 2 and outcome.errors == 0
    with session_scope(engine) as s:
        articles = list(s.scalars(select(Article)))
        assert {a.raw_encoding for a in articles} == {"zlib"}
        assert {a.url: a.raw_html for a in articles} == {url: body for url, (_, body) in queued.items()}
        assert s.scalar(select(Page.id)) is None
    engine.dispose()


def test_an_uncompressed_page_still_reads_and_a_broken_body_is_quarantined(db_url, tmp_path):
    engine = _engine(db_url)
    old = {**page_values(_fetched(1), "run"), "body": _PAGE.encode(), "body_encoding": None}
    broken = {**page_values(_fetched(2), "run"), "body": b"not zlib at all"}
    unknown = {**page_values(_fetched(3), "run"), "body_encoding": "brotli"}
    with session_scope(engine) as s:
        assert repo.queue_pages(s, [old, broken, unknown]) == [True, True, True]
        ids = list(s.scalars(select(Page.id).order_by(Page.id)))
    outcome = extract_batch(db_url, ids, test_settings(db_url, tmp_path))
    assert len(outcome.new_ids) == 1 and outcome.errors == 2
    with session_scope(engine) as s:
        article = s.scalars(select(Article)).one()
        assert article.url.endswith("hoi-cho-1/") and zlib.decompress(article.raw_html) == _PAGE.encode()
        reasons = {q.url: q.reason for q in s.scalars(select(Quarantine))}
        assert "does not decompress" in reasons[broken["url"]]
        assert "unknown encoding 'brotli'" in reasons[unknown["url"]]
        assert s.scalar(select(Page.id)) is None  # nothing left behind, nothing silently dropped
    engine.dispose()


def test_downgrade_gives_the_queue_its_bodies_as_fetched(db_url):
    engine = _engine(db_url)
    with session_scope(engine) as s:
        repo.queue_pages(s, [page_values(_fetched(1), "run")])
    command.downgrade(alembic_config(engine), "0019")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM pages")).scalar_one() == _PAGE.encode()
    upgrade(engine)
    with session_scope(engine) as s:
        row = s.scalars(select(Page)).one()
        assert row.body_encoding is None and fetched_page(row).body == _PAGE.encode()
    engine.dispose()


def test_a_batch_is_stored_as_if_page_by_page(db_url):
    """Multi-row inserts keep the one-by-one outcome: a title seen earlier in the batch is a duplicate
    only if that earlier page was stored; a URL twice in the batch goes in once."""
    from collections import Counter
    from types import SimpleNamespace

    from pipeline.ingest import StoryIndex, article_values, store_articles

    engine = _engine(db_url)

    def item(n: int, title: str, url_n: int | None = None):
        page = _fetched(url_n if url_n is not None else n)
        page.entry = FeedEntry(link=page.url, title=title)
        body = _PAGE.replace("Hội chợ nông sản năm nay", f"Hội chợ số {n} năm nay").encode()
        page.body = body
        row = SimpleNamespace(run_id="run", source_id="src", url=page.url, http_status=200)
        return row, article_values(page, "run"), None

    with session_scope(engine) as s:  # stored before: an article at the address of page 4
        stored = article_values(_fetched(40), "run")
        stored.pop("_search_words")
        stored["url_hash"] = article_values(_fetched(4), "run")["url_hash"]
        assert repo.insert_articles(s, [stored]) != [None]
    items = [item(1, "Tin một"), item(2, "Tin một"), item(3, "Tin hai", url_n=1), item(4, "Tin ba"),
             item(5, "Tin ba"), item(6, "Tin bốn"), (SimpleNamespace(run_id="run", source_id="src", url="http://x/7",
                                                                     http_status=404), None, "HTTP 404")]
    counts: Counter = Counter()
    with session_scope(engine) as s:
        results = store_articles(s, items, StoryIndex(), {}, counts)
    outcomes = [outcome for outcome, _ in results]
    assert outcomes == ["new", "duplicate", "duplicate", "duplicate", "new", "new", "error"]
    assert len({article_id for _, article_id in results if article_id is not None}) == 3
    assert counts == Counter({("run", "src", "new"): 3, ("run", "src", "duplicates"): 3, ("run", "src", "errors"): 1})
    with session_scope(engine) as s:
        assert {a.title for a in s.scalars(select(Article))} >= {"Tin một", "Tin ba", "Tin bốn"}
        assert len(list(s.scalars(select(Article)))) == 4
    engine.dispose()
