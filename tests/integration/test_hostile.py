"""The crawler against a hostile web: every bad response ends with a recorded reason, the run goes on."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pipeline.collect import crawl
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, Quarantine
from tests.conftest import test_settings
from tests.fixtures.hostile_web import HostileWeb


@pytest.fixture(scope="module")
def web() -> Iterator[HostileWeb]:
    with HostileWeb() as server:
        yield server


def settings_for(url: str, **scrapy: object):
    settings = test_settings(url)
    merged = dict(settings.scrapy)
    merged.update({"DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.1, "ROBOTSTXT_OBEY": True})
    merged.update(scrapy)
    return settings.model_copy(update={"scrapy": merged, "crawl_timeout_seconds": 180})


def source(web: HostileWeb, sid: str, *feeds: str, **extra: object) -> dict:
    return {"id": sid, "name": sid, "kind": "blog", "lang": "vi",
            "feeds": [web.base + f for f in feeds], **extra}


def run(url: str, sources: list[dict], **scrapy: object):
    engine = make_engine(url)
    upgrade(engine)
    report = crawl(settings_for(url, **scrapy), engine, sources)
    return engine, report


def articles(engine) -> dict[str, Article]:
    with session_scope(engine) as s:
        return {a.url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Article))}


def reasons(engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {q.url.split("//", 1)[-1].split("/", 1)[-1]: q.reason for q in s.scalars(select(Quarantine))}


def test_every_hostile_page_ends_with_a_reason_and_the_good_ones_are_stored(sqlite_url, web):
    engine, report = run(sqlite_url, [source(web, "hostile", "/feed/mixed.xml")])
    assert report.status == "ok"  # finished by itself, well inside the crawl timeout
    stored = articles(engine)
    why = reasons(engine)
    expected_reasons = {
        "hang": "TimeoutError", "drip": "TimeoutError", "reset": "", "truncated": "",
        "status/500": "HTTP 500", "status/404": "HTTP 404", "bomb/gzip": "", "bomb/br": "",
        "redirect-loop": "", "big": "", "pages/no-title.html": "no title", "pages/no-text.html": "no text",
        "x.html": "DNS lookup failed",
    }
    for path, needle in expected_reasons.items():
        assert path in why, f"{path}: no recorded reason (have {sorted(why)})"
        assert needle in why[path], (path, why[path])
    for name in ("good.html", "cp1258.html", "meta-cp1258.html", "conflicting-charset.html", "bom.html",
                 "nfd.html", "english.html", "script.html", "vn-date.html", "future-date.html"):
        assert name in stored, f"{name} not stored; reasons: {why}"
    row = report.rows[0]
    assert row["new"] == len(stored) and row["errors"] == len(why)

    # the timeouts may pass: the feed is not remembered as unchanged, so they are tried again
    hangs = web.count("/hang")
    again = crawl(settings_for(sqlite_url), engine, [source(web, "hostile", "/feed/mixed.xml")])
    assert again.rows[0]["unchanged"] == 0 and again.rows[0]["new"] == 0
    assert web.count("/hang") > hangs


def test_a_feed_whose_articles_all_ended_for_good_is_remembered(sqlite_url, web):
    engine, _ = run(sqlite_url, [source(web, "same", "/feed/same-title.xml")])
    _, again = run(sqlite_url, [source(web, "same", "/feed/same-title.xml")])
    assert again.rows[0]["unchanged"] == 1


def test_encodings_are_decoded_and_text_is_nfc(sqlite_url, web):
    engine, _ = run(sqlite_url, [source(web, "hostile", "/feed/mixed.xml")])
    stored = articles(engine)
    for name in ("cp1258.html", "meta-cp1258.html", "conflicting-charset.html", "bom.html", "nfd.html"):
        article = stored[name]
        assert "\ufffd" not in article.text + article.title, name
        assert unicodedata.is_normalized("NFC", article.text), name
        assert "UBND tỉnh Hải Dương" in article.text, (name, article.text[:80])
        assert article.lang == "vi" and article.raw_html and article.http_status == 200
    assert stored["english.html"].lang == "en"


def test_dates_scripts_and_evidence(sqlite_url, web):
    engine, _ = run(sqlite_url, [source(web, "hostile", "/feed/mixed.xml")])
    stored = articles(engine)
    assert stored["vn-date.html"].published_at == datetime(2021, 10, 25, 1, 30, tzinfo=UTC)
    assert stored["future-date.html"].published_at is None  # a date in 2099 is refused, not stored
    script = stored["script.html"]
    assert "__pwned" not in script.text and "<script" not in script.text and "onerror" not in script.text


@pytest.mark.parametrize("feed,needle", [
    ("/feed/billion-laughs.xml", "entities"), ("/feed/xxe.xml", "entities"),
    ("/feed/empty.xml", "no entries"), ("/feed/html", "HTML page where a feed should be"),
    ("/status/503", "HTTP 503"),
])
def test_bad_feeds_are_errors_not_no_news(sqlite_url, web, feed, needle):
    engine, report = run(sqlite_url, [source(web, "bad", feed), source(web, "good", "/feed/etag.xml")])
    rows = {r["source_id"]: r for r in report.rows}
    assert rows["bad"]["entry_errors"] == 1 and rows["bad"]["new"] == 0
    assert rows["good"]["new"] == 1  # the rest of the run goes on
    assert any(needle in r for r in reasons(engine).values()), reasons(engine)
    with session_scope(engine) as s:
        from store.models import Source

        assert s.get(Source, "bad").consecutive_failures == 1 and s.get(Source, "bad").last_error
        assert s.get(Source, "good").consecutive_failures == 0


def test_conditional_get_and_lying_servers(sqlite_url, web):
    engine, first = run(sqlite_url, [source(web, "etag", "/feed/etag.xml"), source(web, "liar", "/feed/liar.xml")])
    assert sum(r["new"] for r in first.rows) == 1  # both feeds announce the same page: stored once
    before = web.count("/feed/etag.xml")
    _, second = run(sqlite_url, [source(web, "etag", "/feed/etag.xml"), source(web, "liar", "/feed/liar.xml")])
    assert {r["source_id"]: r["unchanged"] for r in second.rows} == {"etag": 1, "liar": 1}
    last = [h for p, _, h in web.hits if p == "/feed/etag.xml"][-1]
    assert web.count("/feed/etag.xml") == before + 1 and last.get("If-None-Match") == '"v1"'
    assert last.get("If-Modified-Since") == "Thu, 20 Nov 2026 01:00:00 GMT"


def test_changing_guids_and_dates_store_nothing_twice(sqlite_url, web):
    engine, first = run(sqlite_url, [source(web, "changing", "/feed/changing.xml")])
    _, second = run(sqlite_url, [source(web, "changing", "/feed/changing.xml")])
    assert first.rows[0]["new"] == 2 and second.rows[0]["new"] == 0 and second.rows[0]["duplicates"] == 2
    assert len(articles(engine)) == 2


def test_same_title_from_one_source_within_a_week_is_one_article(sqlite_url, web):
    engine, report = run(sqlite_url, [source(web, "same", "/feed/same-title.xml")])
    assert report.rows[0]["new"] == 1 and report.rows[0]["duplicates"] == 1


def test_syndicated_copies_share_a_story_and_are_both_kept(sqlite_url, web):
    engine, report = run(sqlite_url, [source(web, "paper-a", "/feed/syndicated-a.xml"),
                                      source(web, "paper-b", "/feed/syndicated-b.xml")])
    stored = articles(engine)
    a, b = stored["a.html"], stored["b.html"]
    assert a.source_id != b.source_id and a.story_id and a.story_id == b.story_id
    assert stored["a.html"].content_hash != stored["b.html"].content_hash


def test_retry_after_robots_and_private_redirects(sqlite_url, web):
    settings = settings_for(sqlite_url, RETRY_TIMES=2, RETRY_AFTER_MAX=30)
    settings = settings.model_copy(update={"allow_private_hosts": False,
                                           "private_host_allowlist": [web.base.split("//")[1]]})
    engine = make_engine(sqlite_url)
    upgrade(engine)
    report = crawl(settings, engine, [source(web, "patience", "/feed/patience.xml")])
    stored, why = articles(engine), reasons(engine)
    assert "flaky-429" in stored  # retried after waiting as asked
    times = [t for p, t, _ in web.hits if p == "/flaky-429"]
    assert len(times) == 2 and times[1] - times[0] >= 0.9
    assert "HTTP 503" in why["too-patient"] and web.count("/too-patient") == 1  # a day's wait is not waited
    assert "private address refused" in why["redirect-private"]
    assert "robots.txt" in why["private/secret.html"].lower()
    assert report.rows[0]["new"] == 1


def test_a_robots_override_needs_a_reason_and_then_fetches(sqlite_url, web):
    from config.settings import SettingsError
    from config.sources import parse_sources

    with pytest.raises(SettingsError, match="robots_override_reason"):
        parse_sources({"sources": [{**source(web, "xx", "/feed/patience.xml"), "robots_override_reason": "ok"}]})
    engine, _ = run(sqlite_url, [source(web, "override", "/feed/patience.xml",
                                        robots_override_reason="văn bản cho phép của tòa soạn số 12/2026")])
    assert "secret.html" in articles(engine)
