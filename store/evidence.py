"""Repository functions for evidence over time: which flagged articles to re-check, their versions, checks.

Like store.repo: each takes the session first and never commits (the caller's unit of work does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from store.models import Analysis, Article, ArticleCheck, ArticleSnapshot, ReviewCase

OUTCOMES = ("unchanged", "edited", "deleted", "unreachable")
CLOSED_CASE = "dismissed"  # a dismissed case is no reason to keep watching the article


def _flagged_or_in_case() -> Any:
    """Articles whose latest analysis is flagged, or that have a case other than a dismissed one."""
    latest = (select(func.max(Analysis.id)).where(Analysis.article_id == Article.id)
              .correlate(Article).scalar_subquery())
    flagged = exists().where(Analysis.id == latest, Analysis.flagged.is_(True))
    in_case = exists().where(ReviewCase.article_id == Article.id, ReviewCase.status != CLOSED_CASE)
    return or_(flagged, in_case)


def recheck_candidates(session: Session, now: datetime, limit: int = 500, max_age_days: int = 90,
                       min_gap_hours: float = 20.0, article_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of the flagged articles due for a re-check, never-checked first, then the longest unchecked.

    With `article_ids` only those are considered, whatever their age and last check.
    """
    query = select(Article.id).where(_flagged_or_in_case())
    if article_ids is not None:
        query = query.where(Article.id.in_(list(article_ids)))
    else:
        query = query.where(
            Article.fetched_at >= now - timedelta(days=max_age_days),
            or_(Article.evidence_checked_at.is_(None),
                Article.evidence_checked_at <= now - timedelta(hours=min_gap_hours)),
        )
    never_first = case((Article.evidence_checked_at.is_(None), 0), else_=1)
    query = query.order_by(never_first, Article.evidence_checked_at, Article.id).limit(limit)
    return list(session.scalars(query))


def article_to_check(session: Session, article_id: int) -> Article | None:
    """The article with its source (for the extraction overrides)."""
    return session.get(Article, article_id, options=[selectinload(Article.source)])


def latest_snapshot(session: Session, article_id: int) -> ArticleSnapshot | None:
    """The newest stored later version of an article, if any."""
    return session.scalar(
        select(ArticleSnapshot).where(ArticleSnapshot.article_id == article_id)
        .order_by(ArticleSnapshot.fetched_at.desc(), ArticleSnapshot.id.desc()).limit(1)
    )


def latest_version_hash(session: Session, article: Article) -> str:
    """The content hash of the newest known version: the latest snapshot's, else the article's own."""
    snapshot = latest_snapshot(session, article.id)
    return snapshot.content_hash if snapshot is not None else article.content_hash


def ever_edited(session: Session, article_id: int) -> bool:
    """Whether any re-check of the article found its text changed."""
    return bool(session.scalar(select(exists().where(ArticleCheck.article_id == article_id,
                                                     ArticleCheck.outcome == "edited"))))


def add_snapshot(session: Session, values: dict[str, Any]) -> ArticleSnapshot:
    """Store a later version of an article (raw page already compressed); flushed, so it has its id."""
    snapshot = ArticleSnapshot(**values)
    session.add(snapshot)
    session.flush()
    return snapshot


def record_check(session: Session, values: dict[str, Any], evidence_status: str | None) -> ArticleCheck:
    """Store one re-check and set the article's evidence status and time of last check."""
    if values.get("outcome") not in OUTCOMES:
        raise ValueError(f"unknown re-check outcome: {values.get('outcome')!r}")
    check = ArticleCheck(**values)
    session.add(check)
    session.execute(
        update(Article).where(Article.id == values["article_id"])
        .values(evidence_status=evidence_status, evidence_checked_at=values["checked_at"])
    )
    return check


def check_history(session: Session, article_id: int, limit: int = 200) -> list[ArticleCheck]:
    """The re-checks of an article, newest first."""
    return list(session.scalars(
        select(ArticleCheck).where(ArticleCheck.article_id == article_id)
        .order_by(ArticleCheck.checked_at.desc(), ArticleCheck.id.desc()).limit(limit)
    ))
