"""From a fetched page to a stored article: extraction, dedup keys, and the one write that stores it."""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.canonical import canonical_url, url_hash
from crawlers.records import FetchedPage
from nlp.normalise import clean_text, fold
from nlp.query import words_of_folded
from pipeline.dates import plausible
from pipeline.dedup import STORY_MAX_DISTANCE, STORY_WINDOW_DAYS, TITLE_WINDOW_DAYS, hamming_many, simhash, title_key
from pipeline.extract import content_hash, decode_html, extract
from pipeline.queued import COMPRESS_LEVEL
from store import repo, search
from store.models import Article, Page

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80
EVIDENCE_COMPRESS_LEVEL = COMPRESS_LEVEL  # the queue's level: its compressed page is kept as it is


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
    text_words = words_of_folded(folded[len(title) + 1:])  # for search and for the SimHash
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
        "simhash": simhash(found.text, words=text_words),
        "http_status": page.status,
        "status": "new",
        "run_id": run_id,
        "raw_html": page.compressed if page.compressed is not None else zlib.compress(page.body,
                                                                                      EVIDENCE_COMPRESS_LEVEL),
        "raw_encoding": "zlib",
        SEARCH_KEY: (words_of_folded(folded[:len(title)]), text_words),
    }


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

def store_articles(session: Session, items: list[tuple[Page, dict[str, Any] | None, str | None]],
                   stories: StoryIndex, titles: dict[tuple[str, str], list[datetime]],
                   counts: Counter[tuple[str, str, str]],
                   to_index: list[tuple[int, str, str]] | None = None) -> list[tuple[str, int | None]]:
    """Store what extraction made of queued pages, in order: (outcome, article id) for each; the caller
    takes them off the queue.

    The outcome is 'new', 'duplicate' or 'error'. `titles` holds the times of stored articles by
    (source, title hash) and gains the new ones; `counts` gathers the crawl run counters to move in the
    same transaction. With `to_index`, the new articles' search words are added to it for the caller to
    index the batch in one statement (store.search.index_articles) in the same transaction; else at once.

    The new articles go in with multi-row inserts, as if one by one: the pages are taken in order, and a
    page whose source and title match one still waiting to go in sends those waiting first, so that its
    title check sees whether they were stored.
    """
    results: list[tuple[str, int | None]] = []
    waiting: list[tuple[int, Page, dict[str, Any]]] = []  # (place in results, page, values)

    def send() -> None:
        rows = [{k: v for k, v in values.items() if k != SEARCH_KEY} for _, _, values in waiting]
        for (place, page, values), new_id in zip(waiting, repo.insert_articles(session, rows), strict=True):
            key = (page.run_id or "unknown", page.source_id)
            if new_id is not None:
                titles.setdefault((page.source_id, values["title_hash"]), []).append(
                    values["published_at"] or values["fetched_at"])
                words = values.get(SEARCH_KEY)  # kept in values: a batch that fails is stored again page by page
                if words is not None and to_index is not None:
                    to_index.append((new_id, *words))
                elif words is not None:
                    search.index_article(session, new_id, *words)
            counts[(*key, "new" if new_id is not None else "duplicates")] += 1
            results[place] = ("new", new_id) if new_id is not None else ("duplicate", None)
        waiting.clear()

    for page, values, refused in items:
        key = (page.run_id or "unknown", page.source_id)
        if values is None:
            repo.quarantine(session, page.url, refused or "?", page.run_id, page.source_id, page.http_status)
            counts[(*key, "errors")] += 1
            results.append(("error", None))
            continue
        title = (page.source_id, values["title_hash"])
        if any((p.source_id, v["title_hash"]) == title for _, p, v in waiting):
            send()
        when = values["published_at"] or values["fetched_at"]
        if any(abs(other - when) <= timedelta(days=TITLE_WINDOW_DAYS) for other in titles.get(title, [])):
            counts[(*key, "duplicates")] += 1
            results.append(("duplicate", None))
            continue
        values["story_id"] = stories.story_for(values["simhash"], values["content_hash"][:32], values["fetched_at"])
        waiting.append((len(results), page, values))
        results.append(("new", None))  # settled by send()
    if waiting:
        send()
    return results
