"""Source health as an administrator reads it: ok, failing, stale, never or disabled, with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Article, Source

FAILING_AFTER = 3
STALE_FLOOR = timedelta(days=2)
STALE_FACTOR = 5.0


@dataclass(frozen=True)
class HealthState:
    """What an administrator needs to know about one source."""

    state: str
    reason: str


def assess_health(enabled: bool, last_success: datetime | None, last_new: datetime | None,
                  consecutive_failures: int, items_per_day: float, first_seen: datetime,
                  now: datetime) -> HealthState:
    """ok, failing, stale, never or disabled, with a reason in Vietnamese / English."""
    if not enabled:
        return HealthState("disabled", "đã tắt / disabled")
    if consecutive_failures >= FAILING_AFTER:
        return HealthState("failing", f"lỗi {consecutive_failures} lần liên tiếp / "
                                      f"{consecutive_failures} failures in a row")
    if last_success is None:
        return HealthState("never", "chưa thu thập thành công / never collected")
    usual_gap = timedelta(days=1 / items_per_day) if items_per_day > 0 else timedelta(days=7)
    allowed = max(STALE_FLOOR, usual_gap * STALE_FACTOR)
    quiet_since = last_new or first_seen
    if now - quiet_since > allowed:
        days = (now - quiet_since).days
        return HealthState("stale", f"không có bài mới {days} ngày (thường {usual_gap.days or '<1'} ngày) / "
                                    f"nothing new for {days} days")
    return HealthState("ok", "bình thường / ok")


@dataclass(frozen=True)
class SourceHealth:
    """One source with its health and how many articles it brought in the last seven days."""

    source: Any
    health: HealthState
    week: int

    @property
    def per_day(self) -> float:
        """Articles per day over the last seven days."""
        return self.week / 7.0


def sources_health(session: Session, now: datetime, enabled_only: bool = False) -> list[SourceHealth]:
    """Every source (or every enabled one) with its health, as `sources health`, `status` and the daemon show it."""
    week = dict(session.execute(select(Article.source_id, func.count(Article.id))
                                .where(Article.fetched_at >= now - timedelta(days=7))
                                .group_by(Article.source_id)).all())
    query = select(Source).order_by(Source.id)
    if enabled_only:
        query = query.where(Source.enabled)
    out = []
    for source in session.scalars(query):
        count = int(week.get(source.id, 0))
        health = assess_health(source.enabled, source.last_success_at, source.last_new_at,
                               source.consecutive_failures, count / 7.0, source.created_at, now)
        out.append(SourceHealth(source, health, count))
    return out
