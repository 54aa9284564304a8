"""The figures behind the dashboard: volume over time by a label, top sources, flag rate, cases, delays."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, cast, extract, func, select, true
from sqlalchemy.orm import Session, aliased

from store.models import Analysis, Article, RebuttalArticle, RebuttalCase, ReviewCase, Source, utcnow

BY = {"topic": "topic", "sentiment": "sentiment", "relevance": "relevance", "source_kind": "source_kind"}
PERIODS = ("day", "week", "month")


@dataclass(frozen=True)
class Delays:
    """Median hours from flag to decision and from confirmation to published rebuttal (None: no case yet)."""

    flag_to_decision_h: float | None
    decisions: int
    confirmation_to_rebuttal_h: float | None
    rebuttals: int


def bucket_of(moment: datetime, period: str, tz: ZoneInfo) -> date:
    """The first day of the day, ISO week or month a moment falls in, in the office's zone."""
    day = moment.astimezone(tz).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def buckets(since: datetime, until: datetime, period: str, tz: ZoneInfo) -> list[date]:
    """Every bucket from `since` to `until` (so empty days show as zero, not as a gap)."""
    out: list[date] = []
    current = bucket_of(since, period, tz)
    last = bucket_of(until - timedelta(microseconds=1), period, tz)
    while current <= last:
        out.append(current)
        if period == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7 if period == "week" else 1)
    return out


@dataclass(frozen=True)
class Tally:
    """The period's articles counted once by (bucket, source, topic, sentiment, relevance, flagged)."""

    days: list[date]
    counts: Counter[tuple[int, str, str | None, str | None, str | None, bool | None]]
    sources: dict[str, tuple[str, str]]  # id → (name, kind)


def tally(session: Session, since: datetime, until: datetime, period: str, tz: ZoneInfo) -> Tally:
    """Read the period once (an index on the article's date finds it) and count it for every chart."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    # every zone's offset is a whole number of quarter hours: rows come as quarter hours since 1970 (no
    # datetime made per row) and a bucket is worked out once per quarter hour
    if session.get_bind().dialect.name == "postgresql":
        quarter = cast(func.floor(extract("epoch", when) / 900), BigInteger)
        # a lateral read of each article's latest analysis: PostgreSQL otherwise hashes the whole analyses
        # table and runs the max() twice per article
        last = (select(Analysis.topic, Analysis.sentiment, Analysis.relevance, Analysis.flagged)
                .where(Analysis.article_id == Article.id).order_by(Analysis.id.desc()).limit(1).lateral("last"))
        query = (select(quarter, Article.source_id, last.c.topic, last.c.sentiment, last.c.relevance, last.c.flagged)
                 .outerjoin(last, true()).where(when >= since, when < until))
    else:
        quarter = cast(cast(func.strftime("%s", when), Integer) // 900, BigInteger)  # SQLite keeps UTC text
        latest = (select(func.max(Analysis.id)).where(Analysis.article_id == Article.id).correlate(Article)
                  .scalar_subquery())
        analysis = aliased(Analysis)
        query = (select(quarter, Article.source_id, analysis.topic, analysis.sentiment, analysis.relevance,
                        analysis.flagged)
                 .outerjoin(analysis, analysis.id == latest).where(when >= since, when < until))
    days = buckets(since, until, period, tz)
    index = {d: i for i, d in enumerate(days)}
    by_quarter: dict[int, int] = {}
    counts: Counter[tuple[int, str, str | None, str | None, str | None, bool | None]] = Counter()
    for number, *rest in session.execute(query):
        bucket = by_quarter.get(number)
        if bucket is None:
            bucket = by_quarter[number] = index[bucket_of(datetime.fromtimestamp(int(number) * 900, UTC), period, tz)]
        counts[(bucket, *rest)] += 1  # type: ignore[index]
    sources = {sid: (name, kind) for sid, name, kind in session.execute(select(Source.id, Source.name, Source.kind))}
    return Tally(days, counts, sources)


def volume(session: Session, since: datetime, until: datetime, period: str, by: str,
           tz: ZoneInfo, counted: Tally | None = None) -> tuple[list[date], dict[str, list[int]]]:
    """Articles per bucket for each value of `by` (unanalysed ones count as "—")."""
    counted = counted or tally(session, since, until, period, tz)
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(counted.days))
    for (bucket, source, topic, sentiment, relevance, _), n in counted.counts.items():
        value = {"topic": topic, "sentiment": sentiment, "relevance": relevance,
                 "source_kind": counted.sources.get(source, ("", None))[1]}[BY[by]]
        series[str(value or "—")][bucket] += n
    return counted.days, dict(sorted(series.items(), key=lambda kv: -sum(kv[1])))


def top_sources(session: Session, since: datetime, until: datetime, limit: int = 10,
                counted: Tally | None = None) -> list[tuple[str, int, int]]:
    """(source name, articles, flagged) for the busiest sources."""
    counted = counted or tally(session, since, until, "day", ZoneInfo("UTC"))  # buckets play no part
    counts: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for (_, source, _, _, _, is_flagged), n in counted.counts.items():
        name = counted.sources.get(source, (source, ""))[0]
        counts[name] += n
        flagged[name] += n if is_flagged else 0
    return [(name, n, flagged[name]) for name, n in counts.most_common(limit)]


def flag_rate(session: Session, since: datetime, until: datetime, counted: Tally | None = None) -> tuple[int, int]:
    """(flagged, analysed) among the articles of the period."""
    counted = counted or tally(session, since, until, "day", ZoneInfo("UTC"))  # buckets play no part
    analysed = [(k, n) for k, n in counted.counts.items() if k[2] is not None]
    return sum(n for k, n in analysed if k[5]), sum(n for _, n in analysed)


def case_counts(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Review cases waiting; rebuttal cases open, overdue and closed (as of now)."""
    now = now or utcnow()
    rebuttals = list(session.execute(select(RebuttalCase.status, RebuttalCase.due_at)))
    done = ("published", "closed")
    return {
        "review_open": int(session.scalar(select(func.count()).where(ReviewCase.status == "open")) or 0),
        "rebuttal_open": sum(s not in done for s, _ in rebuttals),
        "rebuttal_overdue": sum(s not in done and due is not None and due < now for s, due in rebuttals),
        "rebuttal_published": sum(s == "published" for s, _ in rebuttals),
        "rebuttal_closed": sum(s == "closed" for s, _ in rebuttals),
    }


def delays(session: Session, since: datetime, until: datetime) -> Delays:
    """Medians over the cases decided (or rebuttals published) in the period."""
    decided = [(d - o).total_seconds() / 3600 for o, d in session.execute(
        select(ReviewCase.opened_at, ReviewCase.decided_at).where(ReviewCase.decided_at >= since,
                                                                  ReviewCase.decided_at < until)) if d]
    confirmed_at: dict[int, datetime] = {a: d for a, d in session.execute(
        select(ReviewCase.article_id, ReviewCase.decided_at).where(ReviewCase.status == "confirmed")) if d}
    published: list[float] = []
    for case_id, at in session.execute(select(RebuttalCase.id, RebuttalCase.published_at).where(
            RebuttalCase.published_at >= since, RebuttalCase.published_at < until)):
        times = [confirmed_at[a] for a in session.scalars(select(RebuttalArticle.article_id).where(
            RebuttalArticle.case_id == case_id)) if confirmed_at.get(a)]
        if times and at is not None:
            published.append((at - min(times)).total_seconds() / 3600)
    return Delays(statistics.median(decided) if decided else None, len(decided),
                  statistics.median(published) if published else None, len(published))
