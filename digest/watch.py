"""What is worth a mail before anyone asks: a spike in flagged or negative coverage, a source gone silent or
suddenly flooding.

Spike rule (per cause: flagged items, negative items, both among items about the province, dated by
publication or else fetch): N = the count in the last 24 hours; the baseline is the 14 days before, as 14
daily counts with mean m and standard deviation s. A spike is N ≥ SPIKE_MIN and N ≥ m + 3·s and N ≥ 2·m.
At most one spike mail per cause and local day.

Source-volume rule (per enabled source at least a week old, by fetch time, so a broken crawler shows): the
baseline is the 14 days before the last 24 hours. *Silent*: articles came on at least 7 of those 14 days
(about one a day or more) and none in the last 24 hours. *Surge*: the last 24 hours brought at least
SURGE_MIN articles and at least m + 4·s and 3·m. Reported in the daily health mail and in the digest.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from digest.numbers import vn_decimal
from digest.query import RELEVANT, SourceProblem, health_problems
from store.db import session_scope
from store.models import Analysis, Article, Source

SPIKE_MIN = 5
SPIKE_SIGMAS = 3.0
SPIKE_RATIO = 2.0
SURGE_MIN = 10
SURGE_SIGMAS = 4.0
SURGE_RATIO = 3.0
SILENT_DAYS = 7  # of the 14: the source usually brings something every other day or more
BASELINE_DAYS = 14
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Spike:
    """One cause far above its baseline."""

    cause: str  # flagged, negative
    count: int
    mean: float
    sd: float
    article_ids: tuple[int, ...]


def _daily(moments: list[datetime], now: datetime) -> tuple[int, list[int]]:
    """(count in the last 24 h, counts of each of the 14 days before)."""
    last = sum(now - DAY <= m < now for m in moments)
    days = [0] * BASELINE_DAYS
    for m in moments:
        if now - DAY * (BASELINE_DAYS + 1) <= m < now - DAY:
            days[min(BASELINE_DAYS - 1, int((now - DAY - m) / DAY))] += 1
    return last, days


def is_spike(count: int, baseline: list[int]) -> bool:
    """The spike rule on one cause's counts."""
    mean, sd = statistics.fmean(baseline), statistics.pstdev(baseline)
    return count >= SPIKE_MIN and count >= mean + SPIKE_SIGMAS * sd and count >= SPIKE_RATIO * mean


def spikes(session: Session, now: datetime) -> list[Spike]:
    """Causes spiking in the last 24 hours."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    since = now - DAY * (BASELINE_DAYS + 1)
    latest = (select(func.max(Analysis.id)).where(Analysis.article_id == Article.id).correlate(Article)
              .scalar_subquery())
    analysis = aliased(Analysis)
    rows = list(session.execute(select(Article.id, when, analysis.flagged, analysis.sentiment)
                                .join(analysis, analysis.id == latest)
                                .where(when >= since, when < now, analysis.relevance.in_(RELEVANT),
                                       or_(analysis.flagged, analysis.sentiment == "negative"))))
    out = []
    for cause, test in (("flagged", lambda r: bool(r[2])), ("negative", lambda r: r[3] == "negative")):
        chosen = [r for r in rows if test(r)]
        count, baseline = _daily([r[1] for r in chosen], now)
        if is_spike(count, baseline):
            recent = sorted((r for r in chosen if r[1] >= now - DAY), key=lambda r: r[1], reverse=True)
            out.append(Spike(cause, count, statistics.fmean(baseline), statistics.pstdev(baseline),
                             tuple(int(r[0]) for r in recent[:20])))
    return out


def volume_problems(session: Session, now: datetime) -> list[SourceProblem]:
    """Enabled sources gone silent or surging against their own last two weeks."""
    since = now - DAY * (BASELINE_DAYS + 1)
    sources = {s.id: s for s in session.scalars(select(Source).where(Source.enabled))}
    fetched: dict[str, list[datetime]] = {}
    for sid, at in session.execute(select(Article.source_id, Article.fetched_at).where(Article.fetched_at >= since,
                                                                                       Article.fetched_at < now)):
        fetched.setdefault(str(sid), []).append(at)
    out = []
    for sid, source in sorted(sources.items()):
        if source.created_at > now - DAY * SILENT_DAYS:
            continue  # too new to have a usual range
        count, baseline = _daily(fetched.get(sid, []), now)
        mean, sd = statistics.fmean(baseline), statistics.pstdev(baseline)
        active_days = sum(1 for n in baseline if n)
        if count == 0 and active_days >= SILENT_DAYS:
            out.append(SourceProblem(sid, source.name, "silent",
                                     f"không có bài nào trong 24 giờ qua (thường {vn_decimal(mean)} bài/ngày) / "
                                     f"nothing in the last 24 hours (usually {mean:.1f} a day)"))
        elif count >= SURGE_MIN and count >= mean + SURGE_SIGMAS * sd and count >= SURGE_RATIO * mean:
            out.append(SourceProblem(sid, source.name, "surge",
                                     f"{count} bài trong 24 giờ qua (thường {vn_decimal(mean)} bài/ngày) / "
                                     f"{count} in the last 24 hours (usually {mean:.1f} a day)"))
    return out


def source_problems(engine: Engine, now: datetime) -> list[SourceProblem]:
    """Sources failing, stale or never collected, and sources silent or surging against their usual volume."""
    with session_scope(engine) as session:
        problems = health_problems(session, now)
        named = {p.source_id for p in problems}
        problems += [p for p in volume_problems(session, now) if p.source_id not in named]
    return problems
