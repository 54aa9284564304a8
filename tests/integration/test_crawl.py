"""Collecting the demo sites through the real Scrapy subprocess, on SQLite and PostgreSQL."""

from sqlalchemy import func, select

from pipeline.analyse import analyse_pending
from pipeline.collect import crawl
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, EntryPoint, Quarantine, ReviewCase
from tests.conftest import test_settings


def _sources(web):
    return [site.source_config(web.base_url) for site in web.sites.values()]


def test_demo_crawl_stores_every_article_once_and_a_rerun_stores_nothing(db_url, demo_web, analyser):
    settings = test_settings(db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    expected = sum(len(s.articles) for s in demo_web.sites.values())

    first = crawl(settings, engine, _sources(demo_web))
    assert first.status == "ok"
    assert sum(r["new"] for r in first.rows) == expected
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Article.id))) == expected
        sample = s.scalars(select(Article).where(Article.source_id == "demo-xudong")).first()
        assert sample.published_at is not None and sample.raw_html and sample.http_status == 200
        assert "utm_source" not in sample.canonical_url and "utm_source" in sample.url
        assert sample.lang == "vi"

    second = crawl(settings, engine, _sources(demo_web))
    assert sum(r["new"] for r in second.rows) == 0
    assert sum(r["unchanged"] for r in second.rows) == len(demo_web.sites)  # same feed bytes: not parsed
    assert sum(r["fetched"] for r in second.rows) == 0

    with session_scope(engine) as s:  # forget the feed states: every entry is now a known URL
        s.query(EntryPoint).delete()
    third = crawl(settings, engine, _sources(demo_web))
    assert sum(r["new"] for r in third.rows) == 0
    assert sum(r["duplicates"] for r in third.rows) == expected
    assert sum(r["fetched"] for r in third.rows) == 0  # known URLs are not fetched again

    report = analyse_pending(engine, analyser, batch_size=20)
    assert report.analysed == expected and report.failed == 0 and report.flagged >= 1
    assert analyse_pending(engine, analyser).analysed == 0
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Analysis.id))) == expected
        assert s.scalar(select(func.count(ReviewCase.id))) == report.flagged
        assert s.scalar(select(func.count(Article.id)).where(Article.status != "analysed")) == 0


def test_a_source_on_a_private_address_is_refused_without_the_override(sqlite_url, demo_web):
    settings = test_settings(sqlite_url).model_copy(update={"allow_private_hosts": False})
    engine = make_engine(sqlite_url)
    upgrade(engine)
    report = crawl(settings, engine, _sources(demo_web)[:1])
    assert report.status == "ok" and report.rows[0]["errors"] >= 1 and report.rows[0]["new"] == 0
    with session_scope(engine) as s:
        reasons = s.scalars(select(Quarantine.reason)).all()
    assert any("private address refused" in r for r in reasons)


def test_broken_feeds_are_recorded_not_silent(sqlite_url, demo_web):
    settings = test_settings(sqlite_url)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    base = demo_web.base_url
    sources = [
        {"id": "html-not-feed", "name": "x", "kind": "blog", "lang": "vi", "feeds": [f"{base}/xudong/"]},
        {"id": "missing-feed", "name": "y", "kind": "blog", "lang": "vi", "feeds": [f"{base}/xudong/nope.xml"]},
    ]
    report = crawl(settings, engine, sources)
    assert {r["source_id"]: r["errors"] for r in report.rows} == {"html-not-feed": 1, "missing-feed": 1}
    with session_scope(engine) as s:
        reasons = sorted(s.scalars(select(Quarantine.reason)).all())
    assert any("HTML page where a feed should be" in r for r in reasons)
    assert any("HTTP 404" in r for r in reasons)


def test_a_crawl_that_cannot_start_is_a_failure_not_an_empty_run(sqlite_url, demo_web, monkeypatch):
    import pipeline.collect

    monkeypatch.setattr(pipeline.collect, "STORE_PIPELINE", "pipeline.no_such_module.Store")
    engine = make_engine(sqlite_url)
    upgrade(engine)
    report = crawl(test_settings(sqlite_url), engine, _sources(demo_web)[:1])
    assert report.status == "failed" and report.exit_code == 1
    assert "no_such_module" in (report.message or "")
    assert report.rows[0]["status"] == "failed"


def test_the_same_article_by_feed_sitemap_index_and_listing_is_stored_once(sqlite_url, demo_web):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    base = demo_web.base_url
    site = demo_web.sites["xudong"]
    source = site.source_config(base)
    source.update(sitemaps=[f"{base}/sitemap-index.xml"], listings=[f"{base}/xudong/"], max_pages=5)
    report = crawl(test_settings(sqlite_url), engine, [source])
    row = report.rows[0]
    # the index also lists the other sites' sitemaps: everything it announces is collected, each once
    total = sum(len(s.articles) for s in demo_web.sites.values())
    assert row["new"] == total and row["errors"] == 0, row
    with session_scope(engine) as s:
        urls = s.scalars(select(Article.canonical_url)).all()
    assert len(urls) == len(set(urls)) == total
    assert all("utm_" not in u for u in urls)


def test_listing_pages_follow_next_links_within_the_bound(sqlite_url, demo_web):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    site = demo_web.sites["mekongledger"]
    source = site.source_config(demo_web.base_url)
    source.update(feeds=[], listings=[f"{demo_web.base_url}/mekongledger/"], max_pages=2)
    report = crawl(test_settings(sqlite_url), engine, [source])
    assert report.rows[0]["new"] == 20  # two pages of ten, not the third
