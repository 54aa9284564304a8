"""What the crawl process loads by dotted path: the item pipelines and the known-URL lookup.

The reactor only downloads: StoreItems hands each record to a writer thread that puts fetched pages
on the page queue (many records per transaction), and extraction workers take them from there.
PreviewItems extracts inline for `sources check` and stores nothing.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import select, union
from sqlalchemy.engine import Engine
from twisted.internet.defer import Deferred

from crawlers.canonical import url_hash
from crawlers.records import EntryPointState, FetchedPage, FetchProblem, KnownUrl
from pipeline.queued import page_values
from store import repo
from store.db import DatabaseUnavailable, make_engine, wait_for_database, write_unit
from store.models import Article, Page

logger = logging.getLogger(__name__)

LOOKUP_CHUNK = 500
WRITE_BATCH = 200  # records per transaction at most
MAX_WAITING = 1000  # records handed to the writer and not written yet before Scrapy is made to wait
DEFAULT_WAIT_S = 900.0  # HDM_DATABASE_WAIT_SECONDS: how long a write waits for a locked or unreachable database
SWITCH_INTERVAL_S = 0.0005  # how long the reactor may keep the GIL from the writer thread


class KnownUrls:
    """Which announced URLs need no fetch: stored articles (by canonical or announced key) and queued pages.

    Asked once per feed, sitemap or listing response with all its keys: indexed `IN (...)` lookups,
    never a load of every stored URL.
    """

    def __init__(self, database_url: str, wait_s: float = DEFAULT_WAIT_S) -> None:
        self.engine: Engine = make_engine(database_url, check=False)
        self.wait_s = wait_s

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownUrls:
        lookup = cls(crawler.settings.get("HDM_DATABASE_URL"),
                     crawler.settings.getfloat("HDM_DATABASE_WAIT_SECONDS", DEFAULT_WAIT_S))
        crawler.signals.connect(lookup.close, signal=signals.spider_closed)
        return lookup

    def known(self, keys: Iterable[str]) -> set[str]:
        """The keys (canonical-URL hashes) among these that are already stored or queued."""
        wanted = list(dict.fromkeys(keys))

        def look() -> set[str]:
            found: set[str] = set()
            with self.engine.connect() as conn:
                for start in range(0, len(wanted), LOOKUP_CHUNK):
                    chunk = wanted[start:start + LOOKUP_CHUNK]
                    query: Any = union(
                        select(Article.url_hash).where(Article.url_hash.in_(chunk)),
                        select(Article.announced_hash).where(Article.announced_hash.in_(chunk)),
                        select(Page.url_hash).where(Page.url_hash.in_(chunk)),
                    )
                    found.update(str(k) for k in conn.execute(query).scalars())
            return found

        # the crawl pauses while the database is unreachable rather than fetching everything again
        return wait_for_database(look, "crawl: known URLs", self.wait_s, logger)

    def close(self) -> None:
        self.engine.dispose()


class StoreItems:
    """Scrapy item pipeline that writes records from one writer thread, many per transaction.

    The reactor never waits for the database: each record is handed to the writer thread. Only when
    the writer is far behind (the database is locked for a while) does Scrapy get a Deferred that
    fires once the backlog has shrunk, so memory stays bounded. A batch that fails is written again
    record by record, so one bad record is quarantined with its reason and the others are kept. A
    record lost to a kill before its commit is fetched again next run: the feed's state is saved
    only after every record was written.

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
        self.waiting: list[Any] = []  # records not written yet
        self.resume: list[tuple[Any, Deferred[Any]]] = []  # records whose callers wait for the writer
        self.wake = threading.Condition()
        self.closing = False
        self.writer: threading.Thread | None = None
        self.wait_s = DEFAULT_WAIT_S

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreItems:
        pipeline = cls(crawler.settings.get("HDM_DATABASE_URL"), crawler.settings.get("HDM_RUN_ID"))
        pipeline.crawler = crawler
        pipeline.wait_s = crawler.settings.getfloat("HDM_DATABASE_WAIT_SECONDS", DEFAULT_WAIT_S)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.engine = make_engine(self.database_url)
        sources = getattr(spider, "sources", None) or getattr(getattr(self.crawler, "spider", None),
                                                              "sources", None) or []

        def start_runs(session: Any) -> None:
            for source in sources:
                repo.start_crawl_run(session, self.run_id, source["id"])

        write_unit(self.engine, start_runs, "crawl: start", self.wait_s, logger)
        # The writer thread holds the database's write lock while it writes, and every step of SQLite
        # gives the GIL away: with the default 5 ms switch interval, getting it back from the busy
        # reactor stretched each write transaction (and the extraction workers waiting on it) many times.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.writer = threading.Thread(target=self._write_loop, name="hdm-store", daemon=True)
        self.writer.start()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.engine is None:
            return
        with self.wake:
            self.closing = True
            self.wake.notify()
        if self.writer is not None:
            self.writer.join()
        if reason == "finished":
            def save_states(session: Any) -> None:
                for state in self.states.values():
                    if state.url not in self.dirty:
                        repo.save_entry_state(session, state.source_id, state.url, url_hash(state.url),
                                              state.changed, state.etag, state.last_modified, state.body_hash,
                                              state.entries)

            try:
                write_unit(self.engine, save_states, "crawl: feed states", self.wait_s, logger)
            except DatabaseUnavailable as exc:  # the feeds are read in full again next time: nothing is lost
                logger.error("feed states not saved: %s", exc)
        self.engine.dispose()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Hand the record to the writer; wait only when the writer is far behind (bounded memory)."""
        with self.wake:
            self.waiting.append(item)
            self.wake.notify()
            if len(self.waiting) < MAX_WAITING:
                return item
            done: Deferred[Any] = Deferred()
            self.resume.append((item, done))
            return done

    # ------------------------------------------------------------------ the writer thread

    def _write_loop(self) -> None:
        from twisted.internet import reactor

        while True:
            with self.wake:
                while not self.waiting and not self.closing:
                    self.wake.wait()
                if not self.waiting:
                    return
                batch, self.waiting = self.waiting[:WRITE_BATCH], self.waiting[WRITE_BATCH:]
            outcomes = self._write(batch)
            if self.crawler is not None and self.crawler.stats is not None:
                for outcome in outcomes:
                    self.crawler.stats.inc_value(f"hdm/{outcome}")
            with self.wake:
                resume = self.resume if len(self.waiting) < MAX_WAITING // 2 else []
                if resume:
                    self.resume = []
            for item, done in resume:
                reactor.callFromThread(done.callback, item)  # type: ignore[attr-defined]

    def _write(self, items: list[Any]) -> list[str]:
        assert self.engine is not None
        # the queue rows (bodies compressed) are made before the transaction, not while it holds the lock
        rows = {i: page_values(item, self.run_id) for i, item in enumerate(items) if isinstance(item, FetchedPage)}

        def write(session: Any) -> list[str]:
            counts: Counter[tuple[str, str]] = Counter()
            pages: list[tuple[int, FetchedPage]] = []
            outcomes = [self._record(session, item, counts, pages, i) for i, item in enumerate(items)]
            if pages:  # the pages of the batch go on the queue in multi-row statements
                queued = repo.queue_pages(session, [rows[i] for i, _ in pages])
                for (i, page), went_in in zip(pages, queued, strict=True):
                    if not went_in:
                        counts[page.source_id, "duplicates"] += 1
                        outcomes[i] = "duplicate"
            repo.count_crawl_many(session, {(self.run_id, *key): n for key, n in counts.items()})
            return outcomes

        try:
            # a locked or unreachable database is waited for (Scrapy waits too once MAX_WAITING records pile up)
            return write_unit(self.engine, write, "crawl: store", self.wait_s, logger)
        except DatabaseUnavailable as exc:
            return self._unrecorded(items, exc)
        except Exception as exc:  # noqa: BLE001 - find the record at fault: write one by one
            if len(items) > 1:
                logger.warning("writing %d records failed; writing them one by one", len(items), exc_info=True)
                return [outcome for item in items for outcome in self._write([item])]
            failure = f"store failed: {type(exc).__name__}: {exc}"[:500]
        item = items[0]
        logger.error("could not store %s: %s", getattr(item, "url", item), failure)
        origin = getattr(item, "origin", None)
        if origin:
            self.dirty.add(origin)
        source_id = getattr(item, "source_id", None)

        def quarantine(session: Any) -> None:
            repo.quarantine(session, getattr(item, "url", "?"), failure, self.run_id, source_id)
            if source_id:
                repo.count_crawl(session, self.run_id, source_id, errors=1)

        try:
            write_unit(self.engine, quarantine, "crawl: quarantine", self.wait_s, logger)
        except DatabaseUnavailable as exc:  # the writer thread must live on, or Scrapy waits for it forever
            return self._unrecorded(items, exc)
        return ["error"]

    def _unrecorded(self, items: list[Any], exc: DatabaseUnavailable) -> list[str]:
        """Records that cannot be written, not even as quarantine rows: the feeds that announced them are
        not marked as read, so the next run fetches them again and nothing is lost."""
        logger.error("could not store %d records: %s", len(items), exc)
        for item in items:
            self.dirty.add(str(getattr(item, "origin", None) or getattr(item, "url", "")))
        return ["error"] * len(items)

    def _record(self, session: Any, item: Any, counts: Counter[tuple[str, str]],
                pages: list[tuple[int, FetchedPage]], index: int) -> str:
        if isinstance(item, KnownUrl):
            counts[item.source_id, "duplicates"] += 1
            return "known"
        if isinstance(item, EntryPointState):
            self.states[item.url] = item
            if not item.changed:
                counts[item.source_id, "unchanged"] += 1
            return "entry_point"
        if isinstance(item, FetchProblem):
            repo.quarantine(session, item.url, f"{item.stage}: {item.reason}", self.run_id, item.source_id,
                            item.status)
            counts[item.source_id, "errors"] += 1
            counts[item.source_id, "entry_errors"] += int(item.stage != "article")
            if item.transient and item.origin:
                self.dirty.add(item.origin)
            return "error"
        if isinstance(item, FetchedPage):
            counts[item.source_id, "fetched"] += 1
            pages.append((index, item))  # queued with the rest of the batch; "duplicate" if it was there
            return "queued"
        raise TypeError(f"unexpected record {type(item).__name__}")


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
        from pipeline.ingest import IngestRefused, article_values  # the extraction libraries: preview only

        line: dict[str, Any]
        if isinstance(item, FetchedPage):
            try:
                values = article_values(item, None, self.overrides.get(item.source_id))
                line = {"type": "article", "stage": "article", "url": item.url, "final_url": item.final_url,
                        "via": item.via, "title": values["title"],
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
