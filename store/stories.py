"""Stories: the same piece or claim carried by several outlets.

Suggested from the near-duplicate keys the extraction stored (story_id, simhash, title hash) and
confirmed or rejected by an analyst; a story's timeline says who published first and who followed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from store.models import Article, StoryMember, utcnow
from store.repo import audit

SIMHASH_DISTANCE = 6  # bits of 64: near-identical text
WINDOW = timedelta(days=30)  # candidates published within this of the article
SCAN_LIMIT = 5000


class StoryError(ValueError):
    """A story change that cannot be made (the message is for a person)."""


@dataclass(frozen=True)
class TimelineEntry:
    """One outlet's piece in a story, and how long after the first it appeared."""

    article: Article
    when: datetime
    after_first: timedelta


def _distance(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def story_key(session: Session, article: Article) -> str:
    """The story an article belongs to: the one it was confirmed into, else its own."""
    joined = session.scalar(select(StoryMember.story_key).where(
        StoryMember.article_id == article.id, StoryMember.state == "confirmed").order_by(StoryMember.id).limit(1))
    return joined or article.story_id or f"article-{article.id}"


def _judged(session: Session, key: str) -> dict[int, str]:
    rows = session.execute(select(StoryMember.article_id, StoryMember.state).where(StoryMember.story_key == key))
    return {int(a): str(s) for a, s in rows}


def suggestions(session: Session, article: Article, limit: int = 20) -> list[Article]:
    """Other articles that look like the same story and no analyst has judged yet, nearest first."""
    key = story_key(session, article)
    judged = _judged(session, key)
    when = article.published_at or article.fetched_at
    conditions = [Article.story_id == article.story_id] if article.story_id else []
    if article.title_hash:
        conditions.append(Article.title_hash == article.title_hash)
    moment = func.coalesce(Article.published_at, Article.fetched_at)
    near = select(Article).where(Article.id != article.id, moment >= when - WINDOW,
                                 moment <= when + WINDOW).options(selectinload(Article.source))
    candidates = {a.id: a for a in session.scalars(near.where(or_(*conditions)))} if conditions else {}
    if article.simhash is not None:
        for other in session.scalars(near.where(Article.simhash.is_not(None)).limit(SCAN_LIMIT)):
            if _distance(other.simhash or 0, article.simhash) <= SIMHASH_DISTANCE:
                candidates.setdefault(other.id, other)
    found = [a for a in candidates.values() if a.id not in judged]
    found.sort(key=lambda a: (_distance(a.simhash or 0, article.simhash or 0) if article.simhash else 0, a.id))
    return found[:limit]


def judge(session: Session, anchor: Article, other_id: int, state: str, actor: str) -> None:
    """Confirm or reject `other_id` as part of the anchor's story (a second word replaces the first)."""
    if state not in ("confirmed", "rejected"):
        raise StoryError(f"trạng thái không hợp lệ / invalid state {state!r}")
    other = session.get(Article, other_id)
    if other is None or other.id == anchor.id:
        raise StoryError(f"không có bài này / no such other article #{other_id}")
    key = story_key(session, anchor)
    rows = {m.article_id: m for m in session.scalars(select(StoryMember).where(StoryMember.story_key == key))}
    if anchor.id not in rows:
        session.add(StoryMember(story_key=key, article_id=anchor.id, state="confirmed", actor=actor))
    row = rows.get(other.id)
    before = row.state if row else None
    if row is None:
        session.add(StoryMember(story_key=key, article_id=other.id, state=state, actor=actor))
    else:
        row.state, row.actor, row.at = state, actor, utcnow()
    audit(session, actor, f"story.{'join' if state == 'confirmed' else 'reject'}", "article", other.id,
          {"story": key, "anchor": anchor.id, "before": before, "after": state})


def members(session: Session, article: Article) -> list[Article]:
    """The confirmed articles of the article's story (itself included)."""
    key = story_key(session, article)
    ids = {a for a, s in _judged(session, key).items() if s == "confirmed"} | {article.id}
    return list(session.scalars(select(Article).where(Article.id.in_(ids)).options(selectinload(Article.source))))


def timeline(session: Session, article: Article) -> list[TimelineEntry]:
    """The story's confirmed pieces in the order they appeared (published, else fetched)."""
    pieces = sorted(members(session, article), key=lambda a: (a.published_at or a.fetched_at, a.id))
    if not pieces:
        return []
    first = pieces[0].published_at or pieces[0].fetched_at
    return [TimelineEntry(a, a.published_at or a.fetched_at, (a.published_at or a.fetched_at) - first) for a in pieces]
