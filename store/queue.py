"""The analysts' queue: review cases filtered, counted per filter value, most urgent first, paginated."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Analysis, Article, ReviewCase, Source, utcnow

HALF_LIFE_HOURS = 72.0  # a flag three days old weighs half as much as a fresh one of the same risk
MAX_SORTED = 5000  # cases ranked per request (part 2 moves ranking into the database for larger queues)
FACETS = ("status", "topic", "sentiment", "relevance", "source_kind", "source", "lang", "assignee")


@dataclass(frozen=True)
class QueueFilter:
    """What the analyst asked for; empty strings mean no filter."""

    status: str = "open"  # open, confirmed, dismissed, all
    topic: str = ""
    sentiment: str = ""
    relevance: str = ""
    source_kind: str = ""
    source: str = ""
    lang: str = ""
    assignee: str = ""  # a username, or "-" for nobody
    since: datetime | None = None  # published (or fetched, when the date is unknown) at or after
    until: datetime | None = None  # and before
    after_id: int = 0  # only articles with a larger id (saved searches look at what is new)
    through_id: int | None = None  # and no larger than this

    def params(self) -> dict[str, str]:
        """The filter as query parameters (dates left to the caller, who knows the time zone)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)
                if f.name not in ("since", "until", "after_id", "through_id") and getattr(self, f.name)}


def _filtered(f: QueueFilter, skip: str = "") -> Select[Any]:
    query = (select(ReviewCase).join(ReviewCase.article).join(ReviewCase.analysis).join(Article.source))
    when = func.coalesce(Article.published_at, Article.fetched_at)
    conditions = {
        "status": ReviewCase.status == f.status if f.status and f.status != "all" else None,
        "topic": Analysis.topic == f.topic if f.topic else None,
        "sentiment": Analysis.sentiment == f.sentiment if f.sentiment else None,
        "relevance": Analysis.relevance == f.relevance if f.relevance else None,
        "source_kind": Source.kind == f.source_kind if f.source_kind else None,
        "source": Source.id == f.source if f.source else None,
        "lang": Article.lang == f.lang if f.lang else None,
        "assignee": (ReviewCase.assignee.is_(None) if f.assignee == "-" else ReviewCase.assignee == f.assignee)
        if f.assignee else None,
        "since": when >= f.since if f.since else None,
        "until": when < f.until if f.until else None,
        "after_id": Article.id > f.after_id if f.after_id else None,
        "through_id": Article.id <= f.through_id if f.through_id is not None else None,
    }
    for name, condition in conditions.items():
        if condition is not None and name != skip:
            query = query.where(condition)
    return query


def urgency(risk: float, published: datetime | None, fetched: datetime, now: datetime) -> float:
    """Risk weighed by how recent the piece is (half-life HALF_LIFE_HOURS)."""
    age_h = max((now - (published or fetched)).total_seconds() / 3600.0, 0.0)
    return float(risk) * 0.5 ** (age_h / HALF_LIFE_HOURS)


def queue_page(session: Session, f: QueueFilter, page: int = 1, per_page: int = 50,
               now: datetime | None = None) -> tuple[list[ReviewCase], int]:
    """One page of the queue, most urgent first, and how many cases match in all."""
    now = now or utcnow()
    # rank on four columns only, then load the page's cases in full (not thousands of article texts)
    ranked = list(session.execute(_filtered(f).with_only_columns(
        ReviewCase.id, Analysis.risk, Article.published_at, Article.fetched_at)
        .order_by(Analysis.risk.desc(), ReviewCase.id).limit(MAX_SORTED)).all())
    total = len(ranked) if len(ranked) < MAX_SORTED else int(
        session.scalar(select(func.count()).select_from(_filtered(f).subquery())) or 0)
    ranked.sort(key=lambda r: (-urgency(r[1], r[2], r[3], now), r[0]))
    start = (max(page, 1) - 1) * per_page
    ids = [r[0] for r in ranked[start:start + per_page]]
    loaded = {c.id: c for c in session.scalars(
        select(ReviewCase).where(ReviewCase.id.in_(ids))
        .options(selectinload(ReviewCase.article).selectinload(Article.source),
                 selectinload(ReviewCase.analysis)))}
    return [loaded[i] for i in ids], total


def facet_counts(session: Session, f: QueueFilter) -> dict[str, dict[str, int]]:
    """For each filter, how many cases each of its values would show (the other filters applied)."""
    columns = {"status": ReviewCase.status, "topic": Analysis.topic, "sentiment": Analysis.sentiment,
               "relevance": Analysis.relevance, "source_kind": Source.kind, "source": Source.id,
               "lang": Article.lang, "assignee": func.coalesce(ReviewCase.assignee, "-")}
    out: dict[str, dict[str, int]] = {}
    for name, column in columns.items():
        sub = _filtered(f, skip=name).with_only_columns(column.label("value")).subquery()
        rows = session.execute(select(sub.c.value, func.count()).group_by(sub.c.value).order_by(sub.c.value))
        out[name] = {str(value): int(n) for value, n in rows}
    return out


def local_day_range(day_from: str, day_to: str, tz: Any) -> tuple[datetime | None, datetime | None]:
    """[from 00:00, to+1 00:00) in the office's zone, for dates typed as YYYY-MM-DD (ValueError if not)."""
    def parse(value: str) -> datetime | None:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=tz) if value else None

    start, end = parse(day_from), parse(day_to)
    return start, (end + timedelta(days=1) if end else None)


__all__ = ["FACETS", "QueueFilter", "facet_counts", "local_day_range", "queue_page", "urgency"]
