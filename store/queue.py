"""The analysts' queue: review cases filtered, counted per filter value, most urgent first, paginated."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Analysis, Article, ReviewCase, Source, utcnow

HALF_LIFE_HOURS = 72.0  # a flag three days old weighs half as much as a fresh one of the same risk
ZERO_RISK_LOG = -1e6  # log2 of a zero risk: below any real risk of any date in 8,000 years
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


def _filtered(f: QueueFilter) -> Select[Any]:
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
    for condition in conditions.values():
        if condition is not None:
            query = query.where(condition)
    return query


def urgency(risk: float, published: datetime | None, fetched: datetime, now: datetime) -> float:
    """Risk weighed by how recent the piece is (half-life HALF_LIFE_HOURS)."""
    age_h = max((now - (published or fetched)).total_seconds() / 3600.0, 0.0)
    return float(risk) * 0.5 ** (age_h / HALF_LIFE_HOURS)


def urgency_key(risk: float | None, published: datetime | None, fetched: datetime,
                opened: datetime | None = None) -> float:
    """log2 of urgency() plus now / half-life: the same order at every later moment, so stored when a case opens.

    A piece dated after the case opened counts as opened then, as urgency() caps its age at zero.
    """
    when = min(published or fetched, opened or utcnow())
    weight = math.log2(risk) if risk and risk > 0 else ZERO_RISK_LOG
    return weight + when.timestamp() / 3600.0 / HALF_LIFE_HOURS


def queue_page(session: Session, f: QueueFilter, page: int = 1, per_page: int = 50) -> tuple[list[ReviewCase], int]:
    """One page of the queue, most urgent first, and how many cases match in all."""
    start = (max(page, 1) - 1) * per_page
    ids = list(session.scalars(_filtered(f).with_only_columns(ReviewCase.id)
                               .order_by(ReviewCase.urgency.desc(), ReviewCase.id).limit(per_page).offset(start)))
    total = int(session.scalar(_filtered(f).with_only_columns(func.count(ReviewCase.id))) or 0)
    loaded = {c.id: c for c in session.scalars(
        select(ReviewCase).where(ReviewCase.id.in_(ids))
        .options(selectinload(ReviewCase.article).selectinload(Article.source),
                 selectinload(ReviewCase.analysis)))}
    return [loaded[i] for i in ids], total


def facet_counts(session: Session, f: QueueFilter) -> dict[str, dict[str, int]]:
    """For each filter, how many cases each of its values would show (the other filters applied).

    One grouped query over the eight columns (the date and id limits applied in it), then each facet counts
    the groups that pass every other filter.
    """
    columns = {"status": ReviewCase.status, "topic": Analysis.topic, "sentiment": Analysis.sentiment,
               "relevance": Analysis.relevance, "source_kind": Source.kind, "source": Source.id,
               "lang": Article.lang, "assignee": func.coalesce(ReviewCase.assignee, "-")}
    wanted = {name: str(getattr(f, name) or "") for name in FACETS}
    if wanted["status"] == "all":
        wanted["status"] = ""
    unfaceted = QueueFilter(status="", since=f.since, until=f.until, after_id=f.after_id, through_id=f.through_id)
    groups = session.execute(_filtered(unfaceted).with_only_columns(*columns.values(), func.count(ReviewCase.id))
                             .group_by(*columns.values())).all()
    out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for *values, n in groups:
        misses = [name for name, value in zip(FACETS, values, strict=True)
                  if wanted[name] and str(value) != wanted[name]]
        for i, name in enumerate(FACETS):
            if not misses or misses == [name]:
                key = str(values[i])
                out[name][key] = out[name].get(key, 0) + int(n)
    return {name: dict(sorted(counts.items())) for name, counts in out.items()}


def local_day_range(day_from: str, day_to: str, tz: Any) -> tuple[datetime | None, datetime | None]:
    """[from 00:00, to+1 00:00) in the office's zone, for dates typed as YYYY-MM-DD (ValueError if not)."""
    def parse(value: str) -> datetime | None:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=tz) if value else None

    start, end = parse(day_from), parse(day_to)
    return start, (end + timedelta(days=1) if end else None)


__all__ = ["FACETS", "QueueFilter", "facet_counts", "local_day_range", "queue_page", "urgency", "urgency_key"]
