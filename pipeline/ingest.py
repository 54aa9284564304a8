"""The Scrapy item pipelines: StoreItems (one transaction per record) and PreviewItems (no storage)."""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crawlers.canonical import canonical_url, url_hash
from crawlers.records import EntryPointState, FetchedPage, FetchProblem, KnownUrl
from nlp.normalise import clean_text
from pipeline.dates import plausible
from pipeline.dedup import STORY_MAX_DISTANCE, STORY_WINDOW_DAYS, TITLE_WINDOW_DAYS, hamming, simhash, title_key
from pipeline.extract import content_hash, decode_html, extract
from store import repo
from store.db import make_engine, session_scope

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80


class IngestRefused(ValueError):
    """A fetched page that cannot become an article (the message is the recorded reason)."""


def article_values(page: FetchedPage, run_id: str | None,
                   overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """The Article columns for a fetched page; raises IngestRefused with a reason."""
    if page.status != 200:
        raise IngestRefused(f"HTTP {page.status}")
    html = decode_html(page.body, page.encoding)
    found = extract(html, page.final_url, overrides)
    entry = page.entry
    title = clean_text((entry.title if entry and entry.title else "") or found.title)
    if not title:
        raise IngestRefused("trang không có tiêu đề / page has no title")
    if len(found.text) < MIN_TEXT_CHARS:
        raise IngestRefused(f"trang không có nội dung / page has no text ({len(found.text)} chars)")
    canonical = canonical_url(found.canonical or page.final_url)
    published = found.published_at or plausible(entry.published if entry else None)
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
        "title_hash": title_key(title),
        "simhash": simhash(found.text),
        "http_status": page.status,
        "raw_html": zlib.compress(page.body, 6),
        "raw_encoding": "zlib",
        "status": "new",
        "run_id": run_id,
    }


class StoryIndex:
    """SimHashes of recent articles: a near-copy of one joins its story, otherwise a new story starts."""

    def __init__(self, keys: list[tuple[int, str]]) -> None:
        self.keys = keys

    def story_for(self, value: int, own_id: str) -> str:
        best = min(((hamming(value, h), story) for h, story in self.keys), default=None)
        story = best[1] if best is not None and best[0] <= STORY_MAX_DISTANCE else own_id
        self.keys.append((value, story))
        return story


def store_page(session: Session, page: FetchedPage, run_id: str, stories: StoryIndex | None,
               overrides: dict[str, str] | None = None) -> str:
    """Store one fetched page in the session; 'new', 'duplicate' or 'error'."""
    try:
        values = article_values(page, run_id, overrides)
    except IngestRefused as exc:
        repo.quarantine(session, page.url, str(exc), run_id, page.source_id, page.status)
        repo.count_crawl(session, run_id, page.source_id, fetched=1, errors=1)
        return "error"
    when = values["published_at"] or values["fetched_at"]
    if repo.same_title_recently(session, page.source_id, values["title_hash"], when, TITLE_WINDOW_DAYS):
        repo.count_crawl(session, run_id, page.source_id, fetched=1, duplicates=1)
        return "duplicate"
    if stories is not None:
        values["story_id"] = stories.story_for(values["simhash"], values["content_hash"][:32])
    new_id = repo.insert_article(session, values)
    repo.count_crawl(session, run_id, page.source_id, fetched=1,
                     **({"new": 1} if new_id is not None else {"duplicates": 1}))
    return "new" if new_id is not None else "duplicate"


class StoreItems:
    """Scrapy item pipeline: each record is stored in its own committed transaction.

    Feed and sitemap states (for conditional GET) are written only when the crawl finished and
    nothing their entries pointed to failed for a reason that may pass; otherwise the next run
    reads them again, so no article is lost to an "unchanged" feed.
    """

    def __init__(self, database_url: str, run_id: str) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self.engine: Engine | None = None
        self.crawler: Crawler | None = None
        self.states: dict[str, EntryPointState] = {}
        self.dirty: set[str] = set()
        self.stories: StoryIndex | None = None
        self.overrides: dict[str, dict[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreItems:
        pipeline = cls(crawler.settings.get("HDM_DATABASE_URL"), crawler.settings.get("HDM_RUN_ID"))
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.engine = make_engine(self.database_url)
        sources = getattr(spider, "sources", None) or getattr(getattr(self.crawler, "spider", None),
                                                              "sources", None) or []
        self.overrides = {s["id"]: s["extract"] for s in sources if s.get("extract")}
        with session_scope(self.engine) as session:
            for source in sources:
                repo.start_crawl_run(session, self.run_id, source["id"])
            since = datetime.now(UTC) - timedelta(days=STORY_WINDOW_DAYS)
            self.stories = StoryIndex(repo.recent_story_keys(session, since))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.engine is None:
            return
        if reason == "finished":
            with session_scope(self.engine) as session:
                for state in self.states.values():
                    if state.url in self.dirty:
                        continue
                    repo.save_entry_state(session, state.source_id, state.url, url_hash(state.url),
                                          state.changed, state.etag, state.last_modified, state.body_hash,
                                          state.entries)
        self.engine.dispose()

    def _record(self, session: Session, item: Any) -> str:
        if isinstance(item, KnownUrl):
            repo.count_crawl(session, self.run_id, item.source_id, duplicates=1)
            return "known"
        if isinstance(item, EntryPointState):
            self.states[item.url] = item
            if not item.changed:
                repo.count_crawl(session, self.run_id, item.source_id, unchanged=1)
            return "entry_point"
        if isinstance(item, FetchProblem):
            repo.quarantine(session, item.url, f"{item.stage}: {item.reason}", self.run_id, item.source_id,
                            item.status)
            entry = item.stage != "article"
            repo.count_crawl(session, self.run_id, item.source_id, errors=1, entry_errors=int(entry))
            if item.transient and item.origin:
                self.dirty.add(item.origin)
            return "error"
        if isinstance(item, FetchedPage):
            return store_page(session, item, self.run_id, self.stories, self.overrides.get(item.source_id))
        raise TypeError(f"unexpected record {type(item).__name__}")

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        assert self.engine is not None
        try:
            with session_scope(self.engine) as session:
                outcome = self._record(session, item)
        except Exception as exc:  # noqa: BLE001 - one bad record must not end the crawl
            logger.exception("could not store %s", getattr(item, "url", item))
            origin = getattr(item, "origin", None)
            if origin:
                self.dirty.add(origin)
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


class PreviewItems:
    """Item pipeline for `sources check`: extract like the real thing, write JSON lines, store nothing."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.overrides: dict[str, dict[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PreviewItems:
        return cls(crawler.settings.get("HDM_PREVIEW_FILE"))

    def open_spider(self, spider: Spider | None = None) -> None:
        sources = getattr(spider, "sources", None) or []
        self.overrides = {s["id"]: s["extract"] for s in sources if s.get("extract")}

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        line: dict[str, Any]
        if isinstance(item, FetchedPage):
            try:
                values = article_values(item, None, self.overrides.get(item.source_id))
                line = {"type": "article", "stage": "article", "url": item.url, "via": item.via,
                        "title": values["title"],
                        "published_at": values["published_at"].isoformat() if values["published_at"] else None,
                        "lang": values["lang"], "chars": len(values["text"])}
            except IngestRefused as exc:
                line = {"type": "problem", "stage": "article", "url": item.url, "reason": str(exc)}
        elif isinstance(item, FetchProblem):
            line = {"type": "problem", "stage": item.stage, "url": item.url, "reason": f"{item.stage}: {item.reason}"}
        elif isinstance(item, EntryPointState):
            line = {"type": "entry_point", **asdict(item)}
        else:
            return item
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        return item
