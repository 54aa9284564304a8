"""The page queue's rows: what the crawl process writes and extraction reads back.

Kept apart from pipeline.ingest so that the crawl process, which only downloads and queues, does not load
the extraction libraries.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from crawlers.canonical import url_hash
from crawlers.records import FeedEntry, FetchedPage
from store.models import Page


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
    """The queue row for a fetched page (the body as fetched: the workers compress what they keep)."""
    return {
        "url_hash": url_hash(page.url), "source_id": page.source_id, "run_id": run_id, "url": page.url,
        "final_url": page.final_url, "http_status": page.status, "encoding": page.encoding,
        "content_type": page.content_type[:200], "fetched_at": page.fetched_at, "via": page.via,
        "origin": page.origin, "entry": entry_json(page.entry), "body": page.body,
    }


def fetched_page(row: Page) -> FetchedPage:
    """A queued page as the fetched record extraction reads."""
    return FetchedPage(
        source_id=row.source_id, url=row.url, final_url=row.final_url, status=row.http_status,
        body=row.body, encoding=row.encoding, content_type=row.content_type,
        fetched_at=row.fetched_at, entry=entry_of(row.entry), via=row.via, origin=row.origin,
    )
