"""Feed spider: read each source's feeds, follow entries to article pages, yield typed records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawlers.canonical import url_hash
from crawlers.feeds import FeedError, parse_feed
from crawlers.records import FeedEntry, FetchedPage, FetchProblem, KnownUrl


def describe_failure(failure: Failure) -> tuple[str, int | None]:
    """A one-line reason and the HTTP status (if any) for a failed request."""
    value = failure.value
    response = getattr(value, "response", None)
    status = getattr(response, "status", None)
    if status is not None:
        return f"HTTP {status}", int(status)
    return f"{type(value).__name__}: {value}".strip().rstrip(":"), None


class FeedSpider(scrapy.Spider):
    """Collects articles announced in RSS/Atom feeds."""

    name = "feed"

    def __init__(self, sources: list[dict[str, Any]] | None = None, known_file: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = sources or []
        self.known: set[str] = set()
        if known_file and Path(known_file).exists():
            self.known = set(Path(known_file).read_text(encoding="ascii").split())

    async def start(self) -> Any:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for source in self.sources:
            for feed_url in source.get("feeds", []):
                yield scrapy.Request(
                    feed_url, callback=self.parse_feed, errback=self.feed_failed,
                    cb_kwargs={"source_id": source["id"]}, dont_filter=True,
                    meta={"source_id": source["id"]},
                )

    def parse_feed(self, response: Response, source_id: str) -> Iterator[Any]:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        try:
            feed = parse_feed(response.body, content_type)
        except FeedError as exc:
            yield FetchProblem(source_id, response.url, str(exc), response.status, stage="feed")
            return
        for warning in feed.warnings:
            self.logger.warning("%s %s: %s", source_id, response.url, warning)
        if not feed.entries:
            yield FetchProblem(source_id, response.url, "nguồn cấp không có mục nào / feed has no entries",
                               response.status, stage="feed")
            return
        for entry in feed.entries:
            link = response.urljoin(entry.link)
            entry.link = link
            if url_hash(link) in self.known:
                yield KnownUrl(source_id, link)
                continue
            yield scrapy.Request(
                link, callback=self.parse_article, errback=self.article_failed,
                cb_kwargs={"source_id": source_id, "entry": entry}, meta={"source_id": source_id},
            )

    def parse_article(self, response: Response, source_id: str, entry: FeedEntry) -> Iterator[Any]:
        encoding = response.encoding if isinstance(response, TextResponse) else None
        yield FetchedPage(
            source_id=source_id, url=entry.link, final_url=response.url, status=response.status,
            body=response.body, encoding=encoding,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            fetched_at=datetime.now(UTC), entry=entry,
        )

    def feed_failed(self, failure: Failure) -> Iterator[FetchProblem]:
        reason, status = describe_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        yield FetchProblem(request.meta["source_id"], request.url, reason, status, stage="feed")

    def article_failed(self, failure: Failure) -> Iterator[FetchProblem]:
        reason, status = describe_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        yield FetchProblem(request.meta["source_id"], request.url, reason, status, stage="article")
