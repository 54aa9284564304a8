"""Search on SQLite FTS5 and on PostgreSQL full-text: the same articles for 36 queries (with and without
diacritics, NFD, phrases, exclusions) over the demo sites, and exactly the ones a plain reading finds."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from nlp.query import QueryError, parse_query, search_words
from pipeline.collect import crawl
from store import search
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article
from store.queue import QueueFilter
from tests.conftest import test_settings
from tests.fixtures.review import add_flagged_article

QUERIES = [
    "hai duong", "Hải Dương", unicodedata.normalize("NFD", "Hải Dương"), "HAI DUONG", "haiduong", "Hai Duong",
    '"hai duong"', '"duong hai"', "kinh mon", "Kinh Môn", '"kinh môn"', "cẩm giàng", "cam giang -chay",
    "chí linh", "đất", "dat dai", '"sổ đỏ"', "so do -\"hai phong\"", "sông sặt", "song sat ô nhiễm",
    "công nhân", '"công nhân" -cháy', "lễ hội", "giáo xứ", "tự do tôn giáo", "fdi", "khu công nghiệp",
    "factory", "Hai Duong fire", '"hai duong" -"kinh mon" -"chi linh"', "nông dân", "vải thiều",
    "thanh hà vải", "2026", "người dân bức xúc", "sáp nhập",
]


def _oracle(engine, query: str) -> set[str]:  # type: ignore[no-untyped-def]
    """What a plain reading of every article finds: required words, phrases in order, nothing excluded."""
    parsed = parse_query(query)
    found = set()
    with session_scope(engine) as s:
        for url, title, text in s.execute(select(Article.url, Article.title, Article.text)):
            words = f"{search_words(title)} {search_words(text)}".split()
            joined = f" {' '.join(words)} "

            def has(seq: list[str], joined: str = joined) -> bool:
                return f" {' '.join(seq)} " in joined

            if all(has([t]) for t in parsed.terms) and all(has(p) for p in parsed.phrases) \
                    and not any(has(x) for x in parsed.excluded):
                found.add(url)
    return found


def _found(engine, query: str) -> set[str]:  # type: ignore[no-untyped-def]
    """What search finds, read off the full-text index alone and through the joins a filter needs: the same."""
    parsed = parse_query(query)
    with session_scope(engine) as s:
        hits, total = search.search(s, parsed.terms, parsed.phrases, parsed.excluded, per_page=500)
        assert total == len(hits)
        joined, joined_total = search.search(s, parsed.terms, parsed.phrases, parsed.excluded, per_page=500,
                                             f=QueueFilter(status="all", since=datetime(1990, 1, 1, tzinfo=UTC)))
        assert joined_total == total and [h.article.id for h in joined] == [h.article.id for h in hits]
        return {h.article.url for h in hits}


@pytest.mark.postgres
def test_the_same_results_on_sqlite_and_postgresql_as_a_plain_reading(sqlite_url, pg_url, demo_web):
    engines = []
    for url in (sqlite_url, pg_url):
        engine = make_engine(url)
        upgrade(engine)
        sources = [s.source_config(demo_web.base_url) for s in demo_web.sites.values()]
        report = crawl(test_settings(url), engine, sources)
        assert report.status == "ok"
        engines.append(engine)
    sqlite_engine, pg_engine = engines
    non_empty = 0
    for query in QUERIES:
        expected = _oracle(sqlite_engine, query)
        assert _found(sqlite_engine, query) == expected, f"SQLite: {query!r}"
        assert _found(pg_engine, query) == expected, f"PostgreSQL: {query!r}"
        non_empty += bool(expected)
    assert non_empty >= 25  # the queries do find things
    assert _found(sqlite_engine, "Hải Dương") == _found(sqlite_engine, "hai duong") == _found(
        sqlite_engine, unicodedata.normalize("NFD", "HẢI DƯƠNG"))
    assert _found(sqlite_engine, '"hai duong"') <= _found(sqlite_engine, "hai duong")
    for engine in engines:
        engine.dispose()


def test_filters_sorting_pages_and_bad_queries(sqlite_url, demo_web):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    crawl(test_settings(sqlite_url), engine, [s.source_config(demo_web.base_url) for s in demo_web.sites.values()])
    parsed = parse_query("hai duong")
    with session_scope(engine) as s:
        everything, total = search.search(s, parsed.terms, per_page=500)
        english, n_en = search.search(s, parsed.terms, f=QueueFilter(status="all", lang="en"), per_page=500)
        assert 0 < n_en < total and all(h.article.lang == "en" for h in english)
        newest, _ = search.search(s, parsed.terms, sort="newest", per_page=500)
        moments = [h.article.published_at or h.article.fetched_at for h in newest]
        assert moments == sorted(moments, reverse=True)
        first, _ = search.search(s, parsed.terms, sort="newest", per_page=3)
        second, _ = search.search(s, parsed.terms, sort="newest", page=2, per_page=3)
        assert [h.article.id for h in first + second] == [h.article.id for h in newest[:6]]
        ranked = [h.score for h in everything]
        assert ranked == sorted(ranked, reverse=True)
    for bad in ("", "   ", "-hai", '-"hai duong"', "!!! ???"):
        with pytest.raises(QueryError):
            parse_query(bad)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_ranks_a_broad_search_among_its_newest_matches(pg_url, monkeypatch):
    engine = make_engine(pg_url)
    upgrade(engine)
    ids = [add_flagged_article(engine, title=f"Tin {i} về đê điều", text="Kè đê điều mùa lũ. " * (6 - i))[0]
           for i in range(6)]
    monkeypatch.setattr(search, "RANK_NEWEST", 3)
    everything = QueueFilter(status="all")
    with session_scope(engine) as s:
        hits, total = search.search(s, ["de", "dieu"], per_page=3)
        assert total == 6  # the count is of every match
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert {h.article.id for h in hits} == set(ids[3:])  # the three newest, the most repetitive left out
        assert search.ranks_newest_only(s, total, everything, "relevance", 1, 3) == 3
        assert search.ranks_newest_only(s, total, everything, "newest", 1, 3) is None
        exported, _ = search.search(s, ["de", "dieu"], per_page=500)  # an export: every match, fully ranked
        assert {h.article.id for h in exported} == set(ids)
        dated = QueueFilter(status="all", since=datetime(1990, 1, 1, tzinfo=UTC))
        assert {h.article.id for h in search.search(s, ["de", "dieu"], f=dated)[0]} == set(ids)  # filtered: all
    engine.dispose()
