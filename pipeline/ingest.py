"""The Scrapy item pipeline that stores what the spiders yield: one transaction per record."""

from __future__ import annotations

import logging
import zlib
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crawlers.canonical import canonical_url, url_hash
from crawlers.records import FetchedPage, FetchProblem, KnownUrl
from nlp.normalise import clean_text
from pipeline.extract import content_hash, decode_html, extract
from store import repo
from store.db import make_engine, session_scope

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80


class IngestRefused(ValueError):
    """A fetched page that cannot become an article (the message is the recorded reason)."""


def article_values(page: FetchedPage, run_id: str | None) -> dict[str, Any]:
    """The Article columns for a fetched page; raises IngestRefused with a reason."""
    if page.status != 200:
        raise IngestRefused(f"HTTP {page.status}")
    html = decode_html(page.body, page.encoding)
    found = extract(html, page.final_url)
    entry = page.entry
    title = clean_text((entry.title if entry and entry.title else "") or found.title)
    if not title:
        raise IngestRefused("trang không có tiêu đề / page has no title")
    if len(found.text) < MIN_TEXT_CHARS:
        raise IngestRefused(f"trang không có nội dung / page has no text ({len(found.text)} chars)")
    canonical = canonical_url(found.canonical or page.final_url)
    published = found.published_at or (entry.published if entry else None)
    author = found.author or (entry.author if entry else None)
    return {
        "source_id": page.source_id,
        "url": page.url,
        "canonical_url": canonical,
        "url_hash": url_hash(canonical),
        "title": title,
        "text": found.text,
        "lang": found.lang,
        "author": clean_text(author)[:300] if author else None,
        "published_at": published,
        "fetched_at": page.fetched_at,
        "content_hash": content_hash(title, found.text),
        "http_status": page.status,
        "raw_html": zlib.compress(page.body, 6),
        "raw_encoding": "zlib",
        "status": "new",
        "run_id": run_id,
    }


def store_record(session: Session, item: Any, run_id: str) -> str:
    """Store one spider record in the session; returns what happened (new, duplicate, known, error)."""
    if isinstance(item, KnownUrl):
        repo.count_crawl(session, run_id, item.source_id, duplicates=1)
        return "known"
    if isinstance(item, FetchProblem):
        repo.quarantine(session, item.url, f"{item.stage}: {item.reason}", run_id, item.source_id, item.status)
        repo.count_crawl(session, run_id, item.source_id, errors=1)
        return "error"
    if isinstance(item, FetchedPage):
        try:
            values = article_values(item, run_id)
        except IngestRefused as exc:
            repo.quarantine(session, item.url, str(exc), run_id, item.source_id, item.status)
            repo.count_crawl(session, run_id, item.source_id, fetched=1, errors=1)
            return "error"
        new_id = repo.insert_article(session, values)
        outcome = "new" if new_id is not None else "duplicate"
        repo.count_crawl(session, run_id, item.source_id, fetched=1,
                         **({"new": 1} if new_id is not None else {"duplicates": 1}))
        return outcome
    raise TypeError(f"unexpected record {type(item).__name__}")


class StoreItems:
    """Scrapy item pipeline: each record is stored in its own committed transaction."""

    def __init__(self, database_url: str, run_id: str) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self.engine: Engine | None = None
        self.crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreItems:
        pipeline = cls(crawler.settings.get("HDM_DATABASE_URL"), crawler.settings.get("HDM_RUN_ID"))
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.engine = make_engine(self.database_url)
        sources = getattr(spider, "sources", None) or getattr(getattr(self.crawler, "spider", None),
                                                              "sources", [])
        with session_scope(self.engine) as session:
            for source in sources:
                repo.start_crawl_run(session, self.run_id, source["id"])

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.engine is not None
        try:
            with session_scope(self.engine) as session:
                outcome = store_record(session, item, self.run_id)
        except Exception as exc:  # noqa: BLE001 - one bad record must not end the crawl
            logger.exception("could not store %s", getattr(item, "url", item))
            with session_scope(self.engine) as session:
                source_id = getattr(item, "source_id", None)
                repo.quarantine(session, getattr(item, "url", "?"), f"store failed: {exc}", self.run_id,
                                source_id)
                if source_id:
                    repo.count_crawl(session, self.run_id, source_id, errors=1)
            outcome = "error"
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"hdm/{outcome}")
        return item
