"""Saved searches: save, list, delete, and record the new matches found when they are re-run."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import NOTIFY, Article, SavedSearch, SavedSearchMatch, utcnow
from store.repo import audit

FILTER_KEYS = ("status", "topic", "sentiment", "relevance", "source_kind", "source", "lang", "assignee")


class SavedSearchError(ValueError):
    """A saved search that cannot be made (the message is for a person)."""


def save(session: Session, owner: str, name: str, query: str, filters: dict[str, Any], notify: str) -> SavedSearch:
    """A new saved search; it reports articles analysed from now on."""
    label = unicodedata.normalize("NFC", name.strip())[:200]
    if not label:
        raise SavedSearchError("hãy đặt tên cho tìm kiếm / give the search a name")
    if notify not in NOTIFY:
        raise SavedSearchError(f"cách báo không hợp lệ / unknown notification {notify!r}")
    kept = {k: str(v) for k, v in filters.items() if k in FILTER_KEYS and v}
    if not query.strip() and not kept:
        raise SavedSearchError("cần từ khoá hoặc bộ lọc / a saved search needs words or filters")
    row = SavedSearch(owner=owner, name=label, query=unicodedata.normalize("NFC", query.strip())[:500],
                      filters=kept, notify=notify, checked_through=analysed_through(session))
    session.add(row)
    session.flush()
    audit(session, owner, "saved_search.add", "saved_search", row.id, {"name": label, "query": row.query})
    return row


def analysed_through(session: Session) -> int:
    """The largest id below which every stored article has been analysed (nothing is missed when the rest is)."""
    waiting = session.scalar(select(func.min(Article.id)).where(Article.status == "new"))
    if waiting is not None:
        return int(waiting) - 1
    return int(session.scalar(select(func.max(Article.id))) or 0)


def of_owner(session: Session, owner: str) -> list[tuple[SavedSearch, int]]:
    """The owner's saved searches with their number of unseen matches."""
    unseen = (select(SavedSearchMatch.search_id, func.count().label("n")).where(SavedSearchMatch.seen_at.is_(None))
              .group_by(SavedSearchMatch.search_id).subquery())
    rows = session.execute(select(SavedSearch, func.coalesce(unseen.c.n, 0))
                           .outerjoin(unseen, unseen.c.search_id == SavedSearch.id)
                           .where(SavedSearch.owner == owner).order_by(SavedSearch.id))
    return [(s, int(n)) for s, n in rows]


def get_own(session: Session, owner: str, search_id: int) -> SavedSearch:
    """One of the owner's saved searches (SavedSearchError for anyone else's)."""
    row = session.get(SavedSearch, search_id)
    if row is None or row.owner != owner:
        raise SavedSearchError("không có tìm kiếm đã lưu này / no such saved search")
    return row


def remove(session: Session, owner: str, search_id: int) -> None:
    """Delete a saved search and its matches."""
    row = get_own(session, owner, search_id)
    session.execute(delete(SavedSearchMatch).where(SavedSearchMatch.search_id == row.id))
    session.delete(row)
    audit(session, owner, "saved_search.delete", "saved_search", search_id, {"name": row.name})


def matches(session: Session, search_id: int, limit: int = 200) -> list[tuple[SavedSearchMatch, Article]]:
    """The newest matches first."""
    return [(m, a) for m, a in session.execute(
        select(SavedSearchMatch, Article).join(Article, Article.id == SavedSearchMatch.article_id)
        .where(SavedSearchMatch.search_id == search_id).order_by(SavedSearchMatch.id.desc()).limit(limit))]


def mark_seen(session: Session, search_id: int) -> None:
    """The owner has seen every match so far."""
    session.execute(update(SavedSearchMatch).where(SavedSearchMatch.search_id == search_id,
                                                   SavedSearchMatch.seen_at.is_(None)).values(seen_at=utcnow()))


def record_matches(session: Session, row: SavedSearch, article_ids: list[int], through: int) -> int:
    """Store the matches found up to article id `through`; returns how many were new."""
    known = set(session.scalars(select(SavedSearchMatch.article_id).where(
        SavedSearchMatch.search_id == row.id, SavedSearchMatch.article_id.in_(article_ids)))) if article_ids else set()
    fresh = [a for a in dict.fromkeys(article_ids) if a not in known]
    for article_id in fresh:
        session.add(SavedSearchMatch(search_id=row.id, article_id=article_id))
    row.checked_through = through
    row.last_run_at = utcnow()
    return len(fresh)
