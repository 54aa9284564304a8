"""The page queue's rows: what the crawl process writes and extraction reads back.

Kept apart from pipeline.ingest so that the crawl process, which only downloads and queues, does not load
the extraction libraries.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from crawlers.canonical import url_hash
from crawlers.records import FeedEntry, FetchedPage
from store.models import Page

COMPRESS_LEVEL = 3  # a quarter of an HTML page's size at half the CPU of level 6


def entry_json(entry: FeedEntry | None) -> dict[str, Any]:
    """What the feed said about a page, as JSON for the queue row."""
    if entry is None:
        return {}
    data = asdict(entry)
    data["published"] = entry.published.isoformat() if entry.published else None
    return data


def entry_of(data: dict[str, Any] | None) -> FeedEntry | None:
    """The feed entry back from its JSON form."""
    if not data:
        return None
    values = dict(data)
    published = values.get("published")
    values["published"] = datetime.fromisoformat(published) if published else None
    return FeedEntry(**values)


def page_values(page: FetchedPage, run_id: str) -> dict[str, Any]:
    """The queue row for a fetched page, the body compressed.

    Compressed here, in the crawl process and outside its write transaction (zlib lets the reactor run
    meanwhile): a quarter of the bytes are written, read and deleted, and the worker keeps the same
    bytes as the article's evidence."""
    return {
        "url_hash": url_hash(page.url), "source_id": page.source_id, "run_id": run_id, "url": page.url,
        "final_url": page.final_url, "http_status": page.status, "encoding": page.encoding,
        "content_type": page.content_type[:200], "fetched_at": page.fetched_at, "via": page.via,
        "origin": page.origin, "entry": entry_json(page.entry),
        "body": zlib.compress(page.body, COMPRESS_LEVEL), "body_encoding": "zlib",
    }


def fetched_page(row: Page) -> FetchedPage:
    """A queued page as the fetched record extraction reads (the compressed body kept beside the page).

    Raises ValueError for an encoding this code does not know or a body that does not decompress."""
    if row.body_encoding == "zlib":
        try:
            body, compressed = zlib.decompress(row.body), row.body
        except zlib.error as exc:
            raise ValueError(f"queued page body does not decompress: {exc}") from exc
    elif row.body_encoding is None:
        body, compressed = row.body, None
    else:
        raise ValueError(f"queued page body has an unknown encoding {row.body_encoding!r}")
    return FetchedPage(
        source_id=row.source_id, url=row.url, final_url=row.final_url, status=row.http_status,
        body=body, encoding=row.encoding, content_type=row.content_type,
        fetched_at=row.fetched_at, entry=entry_of(row.entry), via=row.via, origin=row.origin,
        compressed=compressed,
    )
