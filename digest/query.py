"""The figures of a period, read once from the database: one function per section of the digest or report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from digest.period import Period
from store.cases import DONE
from store.health import sources_health
from store.models import (
    Analysis,
    Article,
    RebuttalArticle,
    RebuttalCase,
    ReviewCase,
    Source,
    StoryMember,
    utcnow,
)

RELEVANT = ("focus", "mention")
STORIES = 10  # the week's main stories shown
FLAGGED = 50  # flagged items listed in the mail (the attachment has them all)


@dataclass(frozen=True)
class Item:
    """One article of the period with its latest analysis."""

    id: int
    title: str
    url: str
    source_id: str
    source_name: str
    source_kind: str
    lang: str
    when: datetime
    story: str
    relevance: str | None = None
    topic: str | None = None
    sentiment: str | None = None
    flagged: bool = False
    risk: float | None = None
    reasons: tuple[str, ...] = ()

    @property
    def relevant(self) -> bool:
        """About the province (focus or mention)."""
        return self.relevance in RELEVANT


@dataclass(frozen=True)
class Totals:
    """How many articles, how many about the province, flagged among them, negative among them."""

    articles: int = 0
    relevant: int = 0
    flagged: int = 0
    negative: int = 0


@dataclass(frozen=True)
class Story:
    """The same piece or claim across outlets in the period."""

    key: str
    title: str
    article_id: int
    outlets: int
    articles: int
    first: datetime
    sources: tuple[str, ...]
    flagged: int


@dataclass(frozen=True)
class FlaggedItem:
    """A flagged article of the period, what an analyst decided and the rebuttal case it joined."""

    case_id: int
    item: Item
    status: str  # open, confirmed, dismissed
    decided_by: str | None
    decision_reason: str | None
    rebuttals: tuple[tuple[int, str], ...]  # (rebuttal case id, its status)


@dataclass(frozen=True)
class CaseLine:
    """A rebuttal case as the digest lists it."""

    id: int
    title: str
    status: str
    assignee: str | None
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    published_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class SourceProblem:
    """A source whose health or volume needs a person's eye."""

    source_id: str
    name: str
    state: str  # failing, stale, never, silent, surge
    reason: str


@dataclass
class Figures:
    """Everything a digest or period report shows."""

    period: Period
    previous: Period
    totals: Totals
    before: Totals
    by_topic: Counter[str] = field(default_factory=Counter)  # relevant items
    by_sentiment: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)
    by_day: list[tuple[str, int, int]] = field(default_factory=list)  # (dd/mm, relevant, flagged)
    stories: list[Story] = field(default_factory=list)
    flagged: list[FlaggedItem] = field(default_factory=list)
    opened: list[CaseLine] = field(default_factory=list)
    closed: list[CaseLine] = field(default_factory=list)
    overdue: list[CaseLine] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # the relevant items, for the attachment

    def summary(self) -> dict[str, Any]:
        """The headline figures, as a DigestRun keeps them."""
        return {"articles": self.totals.articles, "relevant": self.totals.relevant, "flagged": self.totals.flagged,
                "negative": self.totals.negative, "previous_relevant": self.before.relevant,
                "cases_opened": len(self.opened), "cases_closed": len(self.closed),
                "cases_overdue": len(self.overdue), "stories": len(self.stories)}


def items(session: Session, period: Period, article_ids: list[int] | None = None) -> list[Item]:
    """Every article dated in the period (publication, else fetch time), with its latest analysis;
    or, given ids, those articles whatever their date."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    chosen = Article.id.in_(article_ids) if article_ids is not None else (when >= period.start) & (when < period.end)
    latest = (select(Analysis.article_id, func.max(Analysis.id).label("id"))
              .join(Article, Article.id == Analysis.article_id).where(chosen).group_by(Analysis.article_id)
              .subquery())
    analysis = aliased(Analysis)
    rows = session.execute(
        select(Article.id, Article.title, Article.url, Article.source_id, Source.name, Source.kind, Article.lang,
               when, Article.story_id, analysis.relevance, analysis.topic, analysis.sentiment, analysis.flagged,
               analysis.risk, analysis.reasons)
        .join(Source, Source.id == Article.source_id)
        .outerjoin(latest, latest.c.article_id == Article.id).outerjoin(analysis, analysis.id == latest.c.id)
        .where(chosen).order_by(when, Article.id))
    found = list(rows)
    joined = _confirmed_stories(session, [int(r[0]) for r in found])
    out = []
    for (aid, title, url, sid, name, kind, lang, moment, story_id, relevance, topic, sentiment, is_flagged, risk,
         reasons) in found:
        out.append(Item(int(aid), title or "", url, sid, name, kind, lang or "und", moment,
                        joined.get(int(aid)) or story_id or f"article-{aid}", relevance, topic, sentiment,
                        bool(is_flagged), None if risk is None else float(risk), tuple(str(r) for r in reasons or ())))
    return out


def _confirmed_stories(session: Session, article_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        for aid, key in session.execute(select(StoryMember.article_id, StoryMember.story_key).where(
                StoryMember.article_id.in_(chunk), StoryMember.state == "confirmed").order_by(StoryMember.id)):
            out.setdefault(int(aid), str(key))
    return out


def totals(rows: list[Item]) -> Totals:
    """The period's counts (negative and flagged among the items about the province)."""
    relevant = [r for r in rows if r.relevant]
    return Totals(len(rows), len(relevant), sum(r.flagged for r in relevant),
                  sum(r.sentiment == "negative" for r in relevant))


def stories(rows: list[Item], limit: int = STORIES) -> list[Story]:
    """The period's stories about the province, carried by the most outlets first."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for row in rows:
        if row.relevant:
            groups[row.story].append(row)
    out = []
    for key, members in groups.items():
        first = min(members, key=lambda r: (r.when, r.id))
        names = sorted({m.source_name for m in members})
        out.append(Story(key, first.title, first.id, len(names), len(members), first.when, tuple(names),
                         sum(m.flagged for m in members)))
    out.sort(key=lambda s: (-s.outlets, -s.articles, -s.flagged, s.first, s.article_id))
    return out[:limit]


def flagged(session: Session, period: Period, rows: list[Item]) -> list[FlaggedItem]:
    """The period's flagged items and any review case opened in it (a late find of an older piece), riskiest
    first, with the analyst's decision and the rebuttal cases they joined."""
    by_id = {r.id: r for r in rows}
    columns = (ReviewCase.id, ReviewCase.article_id, ReviewCase.status, ReviewCase.decided_by,
               ReviewCase.decision_reason)
    found = {int(r[0]): r for r in session.execute(select(*columns).where(ReviewCase.opened_at >= period.start,
                                                                         ReviewCase.opened_at < period.end))}
    ids = [r.id for r in rows if r.flagged]
    for start in range(0, len(ids), 500):
        found.update({int(r[0]): r for r in session.execute(
            select(*columns).where(ReviewCase.article_id.in_(ids[start:start + 500])))})
    missing = [int(r[1]) for r in found.values() if int(r[1]) not in by_id]
    if missing:
        by_id.update({r.id: r for r in items(session, period, missing)})
    rebuttals: dict[int, list[tuple[int, str]]] = defaultdict(list)
    article_ids = [int(r[1]) for r in found.values()]
    for start in range(0, len(article_ids), 500):
        for aid, cid, status in session.execute(
                select(RebuttalArticle.article_id, RebuttalCase.id, RebuttalCase.status)
                .join(RebuttalCase, RebuttalCase.id == RebuttalArticle.case_id)
                .where(RebuttalArticle.article_id.in_(article_ids[start:start + 500])).order_by(RebuttalCase.id)):
            rebuttals[int(aid)].append((int(cid), str(status)))
    out = [FlaggedItem(int(cid), by_id[int(aid)], str(status), by, reason, tuple(rebuttals.get(int(aid), ())))
           for cid, aid, status, by, reason in found.values() if int(aid) in by_id]
    out.sort(key=lambda f: (-(f.item.risk or 0.0), f.case_id))
    return out


def _case_line(case: RebuttalCase, now: datetime) -> CaseLine:
    overdue = case.status not in DONE and case.due_at is not None and case.due_at < now
    return CaseLine(case.id, case.title, case.status, case.assignee, case.opened_at, case.due_at, case.closed_at,
                    case.published_at, overdue)


def rebuttal_cases(session: Session, period: Period, now: datetime | None = None
                   ) -> tuple[list[CaseLine], list[CaseLine], list[CaseLine]]:
    """Rebuttal cases opened in the period, closed in it, and overdue at its end (or now, if sooner)."""
    moment = min(now or utcnow(), period.end)
    opened = session.scalars(select(RebuttalCase).where(RebuttalCase.opened_at >= period.start,
                                                        RebuttalCase.opened_at < period.end).order_by(RebuttalCase.id))
    closed = session.scalars(select(RebuttalCase).where(RebuttalCase.closed_at >= period.start,
                                                        RebuttalCase.closed_at < period.end).order_by(RebuttalCase.id))
    overdue = session.scalars(select(RebuttalCase).where(RebuttalCase.status.not_in(DONE),
                                                         RebuttalCase.due_at < moment,
                                                         RebuttalCase.opened_at < period.end)
                              .order_by(RebuttalCase.due_at, RebuttalCase.id))
    return ([_case_line(c, moment) for c in opened], [_case_line(c, moment) for c in closed],
            [_case_line(c, moment) for c in overdue])


def health_problems(session: Session, at: datetime) -> list[SourceProblem]:
    """Enabled sources that are failing, stale or never collected, as of `at`."""
    return [SourceProblem(row.source.id, row.source.name, row.health.state, row.health.reason)
            for row in sources_health(session, at, enabled_only=True) if row.health.state != "ok"]


def by_day(period: Period, rows: list[Item], tz: Any) -> list[tuple[str, int, int]]:
    """(dd/mm, items about the province, flagged among them) for each local day of the period."""
    relevant: Counter[Any] = Counter()
    flagged_n: Counter[Any] = Counter()
    for row in rows:
        if row.relevant:
            day = row.when.astimezone(tz).date()
            relevant[day] += 1
            flagged_n[day] += int(row.flagged)
    days = [period.first + timedelta(days=i) for i in range(period.days)]
    return [(f"{d:%d/%m}", relevant[d], flagged_n[d]) for d in days]


def figures(session: Session, period: Period, tz: Any, now: datetime | None = None,
            problems: list[SourceProblem] | None = None) -> Figures:
    """Every section's figures for one period (and the totals of the period before it)."""
    rows = items(session, period)
    previous = period.previous(tz)
    relevant = [r for r in rows if r.relevant]
    opened, closed, overdue = rebuttal_cases(session, period, now)
    moment = min(now or utcnow(), period.end)
    return Figures(
        period=period, previous=previous, totals=totals(rows), before=totals(items(session, previous)),
        by_topic=Counter(r.topic or "other" for r in relevant),
        by_sentiment=Counter(r.sentiment or "neutral" for r in relevant),
        by_kind=Counter(r.source_kind for r in relevant), by_lang=Counter(r.lang for r in relevant),
        by_day=by_day(period, rows, tz), stories=stories(rows), flagged=flagged(session, period, rows),
        opened=opened, closed=closed, overdue=overdue,
        problems=health_problems(session, moment) if problems is None else problems, items=relevant,
    )
