"""From a fetched page to a stored article: extraction, dedup keys, and the one write that stores it."""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.canonical import canonical_url, url_hash
from crawlers.records import FeedEntry, FetchedPage
from nlp.normalise import clean_text, fold
from nlp.query import words_of_folded
from pipeline.dates import plausible
from pipeline.dedup import STORY_MAX_DISTANCE, STORY_WINDOW_DAYS, TITLE_WINDOW_DAYS, hamming_many, simhash, title_key
from pipeline.extract import content_hash, decode_html, extract
from store import repo, search
from store.models import Article, Page

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80
EVIDENCE_COMPRESS_LEVEL = 3  # a quarter of the page's size at half the CPU of level 6


SEARCH_KEY = "_search_words"  # (title, text) as search indexes them; not an Article column


class IngestRefused(ValueError):
    """A fetched page that cannot become an article (the message is the recorded reason)."""


def article_values(page: FetchedPage, run_id: str | None,
                   overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """The Article columns for a fetched page, the raw page compressed; raises IngestRefused with a reason.

    Everything costly happens here, before the writing transaction (the compression included).
    """
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
    try:
        canonical = canonical_url(found.canonical or page.final_url)
    except ValueError:  # a broken rel=canonical: the address the page was fetched from is the key
        canonical = canonical_url(page.final_url)
    published = found.published_at or plausible(entry.published if entry else None)
    author = found.author or (entry.author if entry else None)
    folded = fold(f"{title} {found.text}")  # fold keeps every character's place: the text's part is its fold
    return {
        "source_id": page.source_id,
        "url": page.url,
        "final_url": page.final_url,
        "canonical_url": canonical,
        "url_hash": url_hash(canonical),
        "announced_hash": url_hash(page.url),
        "title": title,
        "text": found.text,
        "lang": found.lang,
        "author": clean_text(author)[:300] if author else None,
        "published_at": published,
        "fetched_at": page.fetched_at,
        "content_hash": content_hash(title, found.text, folded),
        "title_hash": title_key(title),
        "simhash": simhash(found.text, folded=folded[len(title) + 1:]),
        "http_status": page.status,
        "status": "new",
        "run_id": run_id,
        "raw_html": zlib.compress(page.body, EVIDENCE_COMPRESS_LEVEL),
        "raw_encoding": "zlib",
        SEARCH_KEY: (words_of_folded(folded[:len(title)]), words_of_folded(folded[len(title) + 1:])),
    }


# ------------------------------------------------------------------------------ the page queue rows

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


# ------------------------------------------------------------------------------ near-duplicate stories

class StoryIndex:
    """SimHashes of recent articles: a near-copy of one joins its story, otherwise a new story starts.

    Kept in memory per process and brought up to date from the database (articles with a higher id)
    inside the writing transaction, so concurrent workers see each other's stories.
    """

    def __init__(self) -> None:
        self.last_id = 0
        self.keys = np.zeros(0, dtype=np.int64)
        self.stories: list[str] = []
        self.times = np.zeros(0, dtype="datetime64[s]")

    def refresh(self, session: Session, now: datetime | None = None) -> None:
        """Add the articles stored since the last refresh; forget those past the story window."""
        now = now or datetime.now(UTC)
        since = now - timedelta(days=STORY_WINDOW_DAYS)
        query = (select(Article.id, Article.simhash, Article.story_id, Article.fetched_at)
                 .where(Article.id > self.last_id, Article.fetched_at >= since,
                        Article.simhash.is_not(None), Article.story_id.is_not(None))
                 .order_by(Article.id))
        rows = session.execute(query).all()
        if rows:
            self.last_id = int(rows[-1][0])
            self._add([int(r[1] or 0) for r in rows], [str(r[2]) for r in rows], [r[3] for r in rows])
        keep = self.times >= np.datetime64(since.replace(tzinfo=None), "s")
        if not keep.all():
            self.keys, self.times = self.keys[keep], self.times[keep]
            self.stories = [s for s, k in zip(self.stories, keep, strict=True) if k]

    def _add(self, keys: list[int], stories: list[str], times: list[datetime]) -> None:
        self.keys = np.concatenate([self.keys, np.array(keys, dtype=np.int64)])
        self.stories.extend(stories)
        stamps = [t.astimezone(UTC).replace(tzinfo=None) for t in times]
        self.times = np.concatenate([self.times, np.array(stamps, dtype="datetime64[s]")])

    def story_for(self, value: int, own_id: str, when: datetime) -> str:
        """The story of the nearest recent article within the distance, else a new one (own_id)."""
        story = own_id
        if len(self.keys):
            distances = hamming_many(value, self.keys)
            best = int(np.argmin(distances))
            if int(distances[best]) <= STORY_MAX_DISTANCE:
                story = self.stories[best]
        self._add([value], [story], [when])
        return story


# ------------------------------------------------------------------------------ storing

def store_article(session: Session, page: Page, values: dict[str, Any] | None, refused: str | None,
                  stories: StoryIndex, titles: dict[tuple[str, str], list[datetime]],
                  counts: Counter[tuple[str, str, str]]) -> tuple[str, int | None]:
    """Store what extraction made of a queued page: (outcome, article id); the caller takes it off the queue.

    The outcome is 'new', 'duplicate' or 'error'. `titles` holds the times of stored articles by
    (source, title hash) and gains this one; `counts` gathers the crawl run counters to move in the
    same transaction.
    """
    key = (page.run_id or "unknown", page.source_id)
    if values is None:
        repo.quarantine(session, page.url, refused or "?", page.run_id, page.source_id, page.http_status)
        counts[(*key, "errors")] += 1
        return "error", None
    when = values["published_at"] or values["fetched_at"]
    same_title = titles.setdefault((page.source_id, values["title_hash"]), [])
    if any(abs(other - when) <= timedelta(days=TITLE_WINDOW_DAYS) for other in same_title):
        counts[(*key, "duplicates")] += 1
        return "duplicate", None
    values["story_id"] = stories.story_for(values["simhash"], values["content_hash"][:32], values["fetched_at"])
    words = values.pop(SEARCH_KEY, None)
    new_id = repo.insert_article(session, values)
    if new_id is not None:
        same_title.append(when)
        if words is not None:
            search.index_article(session, new_id, *words)
    counts[(*key, "new" if new_id is not None else "duplicates")] += 1
    return ("new" if new_id is not None else "duplicate"), new_id
