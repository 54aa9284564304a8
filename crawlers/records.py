"""The typed records the spiders yield; the storing pipeline decides what to do with each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FeedEntry:
    """One feed entry, taken out of feedparser's untyped dict at once."""

    link: str
    title: str = ""
    published: datetime | None = None
    author: str | None = None
    summary: str = ""
    guid: str | None = None


@dataclass
class FetchedPage:
    """An article page as fetched, with what the feed said about it."""

    source_id: str
    url: str
    final_url: str
    status: int
    body: bytes
    encoding: str | None
    content_type: str
    fetched_at: datetime
    entry: FeedEntry | None = None
    via: str = "feed"
    origin: str | None = None
    compressed: bytes | None = None  # the body zlib-compressed, when the queue had it so (kept as evidence)


@dataclass
class KnownUrl:
    """An entry whose canonical URL is already stored: not fetched again."""

    source_id: str
    url: str


@dataclass
class FetchProblem:
    """A feed or page that could not be used, with the reason (kept, never silently dropped)."""

    source_id: str
    url: str
    reason: str
    status: int | None = None
    stage: str = "article"
    origin: str | None = None
    transient: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class EntryPointState:
    """What a feed or sitemap looked like this time, for conditional GET on the next run.

    The storing pipeline keeps it only if the crawl finished and every entry it announced was
    stored or refused for good; otherwise the next run reads the feed again.
    """

    source_id: str
    url: str
    changed: bool
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    entries: int = 0
