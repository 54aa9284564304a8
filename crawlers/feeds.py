"""Feed bytes to typed entries: feedparser on bytes Scrapy fetched, refusing entity tricks."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from crawlers.records import FeedEntry

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF|RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(!doctype\s+html|html)[\s>]", re.IGNORECASE)


class FeedError(ValueError):
    """The bytes are not a usable feed; the message says why."""


@dataclass
class ParsedFeed:
    """Entries of a feed and what was odd about it."""

    title: str
    entries: list[FeedEntry]
    warnings: list[str] = field(default_factory=list)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes; raise FeedError for HTML, entities or garbage."""
    head = body[:4096].lstrip()
    if not head:
        raise FeedError("nguồn cấp rỗng / empty feed body")
    if _ENTITY_DECL.search(body[:65536]):
        raise FeedError("nguồn cấp khai báo thực thể XML, bị từ chối / feed declares XML entities: refused")
    if not _FEED_ROOT.search(body[:8192]) and (_HTML_ROOT.search(head) or "html" in content_type):
        raise FeedError("nhận được trang HTML thay vì nguồn cấp / an HTML page where a feed should be")
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    warnings: list[str] = []
    if parsed.get("bozo"):
        problem = str(parsed.get("bozo_exception", "malformed"))
        if not parsed.entries:
            raise FeedError(f"nguồn cấp hỏng / malformed feed: {problem}")
        warnings.append(f"malformed feed, parsed leniently: {problem}")
    entries: list[FeedEntry] = []
    for raw in parsed.entries:
        link = str(raw.get("link") or "").strip()
        if not link:
            warnings.append(f"entry without link: {raw.get('title', '')[:80]!r}")
            continue
        entries.append(FeedEntry(
            link=link,
            title=str(raw.get("title") or "").strip(),
            published=_when(raw.get("published_parsed") or raw.get("updated_parsed")),
            author=(str(raw.get("author")).strip() or None) if raw.get("author") else None,
            summary=str(raw.get("summary") or ""),
            guid=str(raw.get("id")) if raw.get("id") else None,
        ))
    return ParsedFeed(title=str(parsed.feed.get("title", "")), entries=entries, warnings=warnings)
