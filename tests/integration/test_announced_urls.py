"""Articles are fetched at the address they were announced under; the canonical form is only a key.

Three fixture sites where fetching the canonical form instead loses the article: a WordPress blog whose
posts exist only with the trailing slash, a site that answers only on its www. host, and a site that
announces AMP pages whose rel=canonical is another path. Plus a feed entry that redirects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from config.settings import Settings
from crawlers.canonical import canonical_url
from pipeline.collect import CrawlReport, crawl
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, Quarantine
from tests.conftest import test_settings
from tests.fixtures.hostile_web import AMP_ARTICLES, WP_POSTS, WP_REDIRECTED, WWW_ARTICLES, WWW_HOST, HostileWeb

RESOLVER = "tests.fixtures.resolver.LoopbackTestResolver"


@pytest.fixture(scope="module")
def web() -> Iterator[HostileWeb]:
    """The fixture web, shared by the module (request counts only grow: tests compare before and after)."""
    with HostileWeb() as server:
        yield server


def settings_for(url: str) -> Settings:
    """Local crawl settings with `*.test` names resolved to the fixture web."""
    settings = test_settings(url)
    scrapy = dict(settings.scrapy)
    # DNS_RESOLVER as the deployment's Scrapy knows it; TWISTED_DNS_RESOLVER for the versions that deprecate it
    scrapy.update({"DNS_RESOLVER": RESOLVER, "TWISTED_DNS_RESOLVER": RESOLVER, "DOWNLOAD_TIMEOUT": 5,
                   "RETRY_TIMES": 0, "ROBOTSTXT_OBEY": True})
    return settings.model_copy(update={"scrapy": scrapy, "crawl_timeout_seconds": 180})


def run(url: str, sources: list[dict[str, Any]]) -> tuple[Engine, CrawlReport]:
    """Migrate the database and crawl the sources once."""
    engine = make_engine(url)
    upgrade(engine)
    return engine, crawl(settings_for(url), engine, sources)


def source(sid: str, feeds: Sequence[str] = (), sitemaps: Sequence[str] = (),
           listings: Sequence[str] = ()) -> dict[str, Any]:
    """A source configuration with the given entry points."""
    return {"id": sid, "name": sid, "kind": "blog", "lang": "vi", "feeds": list(feeds), "sitemaps": list(sitemaps),
            "listings": list(listings)}


# ---------------------------------------------------------------- the three sites

def wp_paths() -> list[str]:
    """Paths of the blog's posts (with the slash they need)."""
    return [f"/wp/2022/09/{slug}/" for slug, _, _ in WP_POSTS]


def wp_source(web: HostileWeb) -> dict[str, Any]:
    """The WordPress blog: listing, feed (which also has the redirecting entry) and sitemap."""
    b = web.base
    return source("wp", [f"{b}/wp/feed/"], [f"{b}/wp/sitemap.xml"], [f"{b}/wp/"])


def www_paths() -> list[str]:
    """Paths of the www-only site's articles."""
    return [f"/www-site/tin/{slug}.html" for slug, _, _ in WWW_ARTICLES]


def www_source(web: HostileWeb) -> dict[str, Any]:
    """The www-only site, every entry point on its www. host."""
    w = web.www_base
    return source("www", [f"{w}/www-site/feed.rss"], [f"{w}/www-site/sitemap.xml"], [f"{w}/www-site/"])


def amp_paths() -> list[str]:
    """The AMP addresses the AMP site announces."""
    return [f"/amp-site/amp/{slug}.html" for slug, _, _ in AMP_ARTICLES]


def news_paths() -> list[str]:
    """The canonical (full page) addresses of the AMP site's articles."""
    return [f"/amp-site/news/{slug}.html" for slug, _, _ in AMP_ARTICLES]


def amp_source(web: HostileWeb, sid: str = "amp") -> dict[str, Any]:
    """The AMP site: listing, feed and sitemap all announce the AMP addresses."""
    b = web.base
    return source(sid, [f"{b}/amp-site/feed.xml"], [f"{b}/amp-site/sitemap.xml"], [f"{b}/amp-site/"])


def news_source(web: HostileWeb, sid: str = "amp") -> dict[str, Any]:
    """The AMP site's articles announced at their canonical address (a news sitemap)."""
    return source(sid, sitemaps=[f"{web.base}/amp-site/sitemap-news.xml"])


# ---------------------------------------------------------------- helpers

def stored(engine: Engine) -> list[Article]:
    """Every stored article (detached, columns loaded)."""
    with session_scope(engine) as s:
        rows = list(s.scalars(select(Article)))
        s.expunge_all()
    return rows


def distinct_canonical(engine: Engine) -> int:
    """How many distinct canonical URLs are stored."""
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(func.distinct(Article.canonical_url)))) or 0)


def quarantined(engine: Engine) -> list[tuple[str, str]]:
    """(url, reason) of every quarantine row."""
    with session_scope(engine) as s:
        return [(q.url, q.reason) for q in s.scalars(select(Quarantine))]


def hits(web: HostileWeb, paths: list[str]) -> dict[str, int]:
    """Requests so far for each path."""
    return {path: web.count(path) for path in paths}


def assert_clean(engine: Engine, report: CrawlReport, expected_new: int) -> None:
    """The crawl finished, stored `expected_new` articles once each, and recorded no error."""
    assert report.status == "ok", report.message
    row = report.rows[0]
    assert quarantined(engine) == [], quarantined(engine)
    assert row["errors"] == 0 and row["entry_errors"] == 0, row
    assert row["new"] == expected_new, row
    articles = stored(engine)
    assert len(articles) == expected_new == distinct_canonical(engine)
    assert len({a.url_hash for a in articles}) == expected_new


# ---------------------------------------------------------------- trailing slash only (WordPress)

def test_wordpress_posts_are_fetched_with_their_trailing_slash(db_url, web):
    before = hits(web, wp_paths())
    engine, report = run(db_url, [wp_source(web)])
    assert_clean(engine, report, len(WP_POSTS) + 1)  # the posts and the feed's redirecting entry
    urls = {a.url for a in stored(engine)}
    expected = {web.base + p for p in wp_paths()}
    assert expected <= urls, urls
    for article in stored(engine):
        if article.url in expected:
            assert article.canonical_url == canonical_url(article.url) == article.url.rstrip("/")
    for path in wp_paths():
        assert web.count(path.rstrip("/")) == 0, f"{path.rstrip('/')} was requested (it is a 404)"
        assert web.count(path) - before[path] == 1  # announced three times, fetched once
    assert web.count(f"/wp/2022/10/{WP_REDIRECTED[1]}") == 0


def test_a_redirected_feed_entry_keeps_the_announced_url_and_the_final_url(sqlite_url, web):
    post_id, slug, title, _ = WP_REDIRECTED
    engine, report = run(sqlite_url, [source("wp-feed", [f"{web.base}/wp/feed/"])])
    assert_clean(engine, report, len(WP_POSTS) + 1)
    article = {a.url: a for a in stored(engine)}[f"{web.base}/wp/archives/{post_id}"]
    target = f"{web.base}/wp/2022/10/{slug}/"
    assert article.title == title
    assert article.canonical_url == canonical_url(target)
    assert article.final_url == target
    assert web.count(f"/wp/2022/10/{slug}") == 0


# ---------------------------------------------------------------- www-only host

def test_www_only_site_is_fetched_on_its_www_host(db_url, web):
    bare = f"{WWW_HOST.removeprefix('www.')}:{web.port}"
    before = hits(web, www_paths())
    engine, report = run(db_url, [www_source(web)])
    assert_clean(engine, report, len(WWW_ARTICLES))
    assert {a.url for a in stored(engine)} == {web.www_base + p for p in www_paths()}
    for article in stored(engine):
        assert article.canonical_url == canonical_url(article.url)
        assert "://www." not in article.canonical_url  # the key folds www. away; the fetch did not
    assert web.count_host(bare) == 0, "the bare host was asked (it answers 404)"
    with web.lock:
        wrong = [(p, h.get("Host")) for p, _, h in web.hits
                 if p.startswith("/www-site") and h.get("Host") != web.www_host]
    assert wrong == []
    for path in www_paths():
        assert web.count_host(web.www_host, path) - before[path] == 1


# ---------------------------------------------------------------- AMP page with another canonical path

def test_amp_pages_are_fetched_as_announced_and_stored_under_their_canonical_page(db_url, web):
    before = hits(web, amp_paths() + news_paths())
    engine, report = run(db_url, [amp_source(web)])
    assert_clean(engine, report, len(AMP_ARTICLES))
    by_url = {a.url: a for a in stored(engine)}
    assert set(by_url) == {web.base + p for p in amp_paths()}
    for (_, title, _), amp, news in zip(AMP_ARTICLES, amp_paths(), news_paths(), strict=True):
        article = by_url[web.base + amp]
        assert article.title == title
        assert article.canonical_url == canonical_url(web.base + news)  # rel=canonical, not the AMP address
        assert web.count(amp) - before[amp] == 1  # listing, feed and sitemap: fetched once
        assert web.count(news) == before[news]  # the canonical page is not fetched as well


@pytest.mark.parametrize("first,second", [("news", "amp"), ("amp", "news")])
def test_an_amp_article_is_stored_once_whichever_address_came_first(sqlite_url, web, first, second):
    sources = {"news": news_source, "amp": amp_source}
    engine, report = run(sqlite_url, [sources[first](web)])
    assert_clean(engine, report, len(AMP_ARTICLES))
    before = hits(web, amp_paths() + news_paths())
    again = crawl(settings_for(sqlite_url), engine, [sources[second](web)])
    assert again.status == "ok" and again.rows[0]["new"] == 0 and again.rows[0]["errors"] == 0, again.rows
    articles = stored(engine)
    assert len(articles) == len(AMP_ARTICLES) == distinct_canonical(engine)
    first_paths = news_paths() if first == "news" else amp_paths()
    assert {a.url for a in articles} == {web.base + p for p in first_paths}
    assert quarantined(engine) == []
    if first == "amp":  # the canonical addresses are stored keys: announced again, they are not fetched
        assert hits(web, news_paths()) == {p: before[p] for p in news_paths()}


def test_amp_and_canonical_addresses_in_one_run_store_each_article_once(sqlite_url, web):
    both = amp_source(web)
    both["sitemaps"] = both["sitemaps"] + news_source(web)["sitemaps"]
    engine, report = run(sqlite_url, [both])
    assert report.status == "ok" and report.rows[0]["errors"] == 0, report.rows
    articles = stored(engine)
    assert len(articles) == len(AMP_ARTICLES) == distinct_canonical(engine)
    assert {a.canonical_url for a in articles} == {canonical_url(web.base + p) for p in news_paths()}
    assert quarantined(engine) == []


# ---------------------------------------------------------------- each entry point on its own

@pytest.mark.parametrize("kind", ["feeds", "sitemaps", "listings"])
@pytest.mark.parametrize("site", ["wp", "www", "amp"])
def test_each_entry_point_alone_gets_the_announced_address_fetched(sqlite_url, web, site, kind):
    # together, the first entry point read decides which spelling is fetched; alone, each one must be right
    make, paths, base, wrong = {
        "wp": (wp_source, wp_paths(), web.base, [p.rstrip("/") for p in wp_paths()]),
        "www": (www_source, www_paths(), web.www_base, []),
        "amp": (amp_source, amp_paths(), web.base, news_paths()),
    }[site]
    full = make(web)
    alone = source(f"{site}-{kind}", **{kind: full[kind]})
    bare = f"{WWW_HOST.removeprefix('www.')}:{web.port}"
    before = hits(web, wrong) | {"bare": web.count_host(bare)}
    engine, report = run(sqlite_url, [alone])
    redirected = 1 if (site, kind) == ("wp", "feeds") else 0
    assert_clean(engine, report, len(paths) + redirected)
    assert {base + p for p in paths} <= {a.url for a in stored(engine)}
    assert hits(web, wrong) | {"bare": web.count_host(bare)} == before


# ---------------------------------------------------------------- a second run

@pytest.mark.parametrize("site", ["wp", "www", "amp"])
def test_a_second_run_stores_nothing_new_and_fetches_no_article_again(sqlite_url, web, site):
    prefix = {"wp": "/wp/", "www": "/www-site/", "amp": "/amp-site/"}[site]
    make, paths, expected = {
        "wp": (wp_source, [*wp_paths(), f"/wp/archives/{WP_REDIRECTED[0]}", f"/wp/2022/10/{WP_REDIRECTED[1]}/"],
               len(WP_POSTS) + 1),
        "www": (www_source, www_paths(), len(WWW_ARTICLES)),
        "amp": (amp_source, amp_paths() + news_paths(), len(AMP_ARTICLES)),
    }[site]
    engine, first = run(sqlite_url, [make(web)])
    assert_clean(engine, first, expected)
    entry_points = web.count_prefix(prefix)
    before = hits(web, paths)
    second = crawl(settings_for(sqlite_url), engine, [make(web)])
    assert second.status == "ok", second.message
    row = second.rows[0]
    assert row["new"] == 0 and row["errors"] == 0, row
    assert hits(web, paths) == before, "an article was fetched again"
    assert web.count_prefix(prefix) > entry_points  # the listing, feed and sitemap were read again
    assert len(stored(engine)) == expected
