"""Repository functions: they take the session first and never commit (the caller's unit of work does)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, defer, selectinload

from store import outbox
from store.db import STORY_LOCK_KEY
from store.models import (
    Analysis,
    Article,
    AuditEvent,
    CrawlRun,
    EntryPoint,
    Page,
    Quarantine,
    ReviewCase,
    Source,
    utcnow,
)
from store.queue import urgency_key
from store.upsert import insert_new, insert_new_many, insert_new_many_ids

SYSTEM_ACTOR = "system"


def upsert_sources(session: Session, sources: Iterable[dict[str, Any]]) -> None:
    """Mirror source configs into the sources table (insert new ids, update existing ones).

    A source an administrator edited in the web app is kept as the app has it: the file no longer
    overrides it."""
    for cfg in sources:
        row = session.get(Source, cfg["id"])
        if row is not None and row.managed_in_app:
            continue
        if row is None:
            row = Source(id=cfg["id"])
            session.add(row)
        row.name = cfg["name"]
        row.kind = cfg["kind"]
        row.lang = cfg["lang"]
        row.prior = float(cfg.get("prior", 0.0))
        row.enabled = bool(cfg.get("enabled", True))
        row.config = cfg
    session.flush()


def list_sources(session: Session) -> list[Source]:
    """All sources, by id."""
    return list(session.scalars(select(Source).order_by(Source.id)))


def insert_article(session: Session, values: dict[str, Any]) -> int | None:
    """Insert unless the canonical-URL hash is already stored; the new id, or None for a duplicate."""
    return insert_new(session, Article.__table__, values)


def insert_articles(session: Session, rows: list[dict[str, Any]]) -> list[int | None]:
    """Insert the articles whose canonical-URL hash is free, in multi-row statements; for each, the new
    id or None (stored already, or the same URL earlier in `rows`)."""
    return insert_new_many_ids(session, Article.__table__, rows)


def queue_pages(session: Session, rows: list[dict[str, Any]]) -> list[bool]:
    """Put fetched pages on the extraction queue in few statements; for each, whether it was queued
    (false: the same announced URL is queued already, or comes earlier in `rows`)."""
    return insert_new_many(session, Page.__table__, rows)


def pending_page_ids(session: Session, limit: int = 5000) -> list[int]:
    """Ids of queued pages, oldest first."""
    return list(session.scalars(select(Page.id).order_by(Page.id).limit(limit)))


def start_crawl_run(session: Session, run_id: str, source_id: str) -> None:
    """Open the counters of one source for one run (idempotent)."""
    exists = session.scalar(
        select(CrawlRun.id).where(CrawlRun.run_id == run_id, CrawlRun.source_id == source_id)
    )
    if exists is None:
        session.add(CrawlRun(run_id=run_id, source_id=source_id))
        session.flush()


def count_crawl(session: Session, run_id: str, source_id: str, **increments: int) -> None:
    """Add to a run's counters (fetched, new, duplicates, errors) in the caller's transaction."""
    start_crawl_run(session, run_id, source_id)
    values = {name: getattr(CrawlRun, name) + amount for name, amount in increments.items()}
    session.execute(
        update(CrawlRun).where(CrawlRun.run_id == run_id, CrawlRun.source_id == source_id).values(**values)
    )


def count_crawl_many(session: Session, counts: Mapping[tuple[str, str, str], int]) -> None:
    """Add (run id, source id, counter name) → amount to the runs' counters, one update per run and source."""
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    for (run_id, source_id, name), amount in counts.items():
        grouped.setdefault((run_id, source_id), {})[name] = amount
    for (run_id, source_id), increments in grouped.items():
        count_crawl(session, run_id, source_id, **increments)


def finish_crawl_run(session: Session, run_id: str, status: str, message: str | None = None) -> None:
    """Close every source's counters of a run."""
    now = utcnow()
    runs = list(session.scalars(select(CrawlRun).where(CrawlRun.run_id == run_id)))
    for run in runs:
        run.finished_at = now
        run.status = status if run.status == "running" else run.status
        if message and not run.message:
            run.message = message


def crawl_runs(session: Session, run_id: str) -> list[CrawlRun]:
    """The per-source counters of one run."""
    return list(session.scalars(select(CrawlRun).where(CrawlRun.run_id == run_id).order_by(CrawlRun.source_id)))


def quarantine(session: Session, url: str, reason: str, run_id: str | None = None,
               source_id: str | None = None, http_status: int | None = None) -> None:
    """Keep something that could not become an article, with the reason."""
    session.add(Quarantine(url=url, reason=reason, run_id=run_id, source_id=source_id,
                           http_status=http_status))


def lock_story_writes(session: Session) -> None:
    """Serialise the writers of story keys until the transaction ends (SQLite: its write lock does it)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORY_LOCK_KEY})


def queued_page_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """The ids among these still on the queue."""
    return set(session.scalars(select(Page.id).where(Page.id.in_(list(ids)))))


def take_off_queue(session: Session, ids: Iterable[int]) -> None:
    """Delete these pages from the queue (their outcome is stored in the same transaction)."""
    session.execute(delete(Page).where(Page.id.in_(list(ids))))


def queued_pages(session: Session, ids: Iterable[int]) -> list[Page]:
    """The queued pages among these ids (those another worker has not taken off the queue yet)."""
    return list(session.scalars(select(Page).where(Page.id.in_(list(ids))).order_by(Page.id)))


def articles_waiting(session: Session, ids: Iterable[int], lock: bool = False) -> list[Article]:
    """The articles among these ids still waiting for analysis; `lock` holds their rows (PostgreSQL)."""
    query = (select(Article).options(selectinload(Article.source), defer(Article.raw_html))
             .where(Article.id.in_(list(ids)), Article.status == "new").order_by(Article.id))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Article)
    return list(session.scalars(query))


def waiting_article_ids(session: Session, limit: int) -> list[int]:
    """Ids of the oldest articles still waiting for analysis."""
    return list(session.scalars(select(Article.id).where(Article.status == "new").order_by(Article.id).limit(limit)))


def count_articles(session: Session, status: str | None = None) -> int:
    """How many articles are stored (optionally in one status)."""
    query = select(func.count(Article.id))
    if status:
        query = query.where(Article.status == status)
    return int(session.scalar(query) or 0)


def audit(session: Session, actor: str, action: str, object_type: str, object_id: object,
          detail: dict[str, Any] | None = None) -> None:
    """Record who did what to which object."""
    session.add(AuditEvent(actor=actor, action=action, object_type=object_type,
                           object_id=str(object_id), detail=detail or {}))


def save_analysis(session: Session, article: Article, values: dict[str, Any],
                  alert_threshold: float | None = None) -> tuple[Analysis, ReviewCase | None]:
    """Store an analysis, mark the article analysed, open a review case when flagged.

    At or over the alert threshold an `alert.raise` audit event and an alert mail (one per story) are recorded.
    """
    analysis = Analysis(article_id=article.id, **values)
    session.add(analysis)
    article.status = "analysed"
    article.error = None
    case: ReviewCase | None = None
    if analysis.flagged:  # the case needs the analysis id; the others are inserted together at commit
        session.flush()
        case = session.scalar(select(ReviewCase).where(ReviewCase.article_id == article.id))
        if case is None:
            case = ReviewCase(article_id=article.id, analysis_id=analysis.id,
                              urgency=urgency_key(analysis.risk, article.published_at, article.fetched_at))
            session.add(case)
            session.flush()
            audit(session, SYSTEM_ACTOR, "case.open", "review_case", case.id,
                  {"article_id": article.id, "risk": analysis.risk, "reasons": analysis.reasons,
                   "model_version": analysis.model_version})
            if alert_threshold is not None and analysis.risk >= alert_threshold:
                audit(session, SYSTEM_ACTOR, "alert.raise", "review_case", case.id,
                      {"article_id": article.id, "risk": analysis.risk, "title": article.title})
                # the mail goes in with its cause; its key keeps it to one per story
                story = article.story_id or f"article-{article.id}"
                outbox.enqueue(session, f"alert:story:{story}", "alert", article.title,
                               {"article_id": article.id, "case_id": case.id, "risk": analysis.risk,
                                "title": article.title, "reasons": list(analysis.reasons or []),
                                "source_id": article.source_id, "story": story})
    return analysis, case


def mark_failed(session: Session, article: Article, error: str) -> None:
    """Take an article out of the queue with the reason it could not be analysed."""
    article.status = "failed"
    article.error = error[:2000]


def latest_analysis(article: Article) -> Analysis | None:
    """The newest analysis of an article (analyses are ordered by id)."""
    return article.analyses[-1] if article.analyses else None


def flagged_cases(session: Session, status: str | None = "open", limit: int = 200) -> list[ReviewCase]:
    """Review cases with their article and analysis, riskiest first."""
    query = (
        select(ReviewCase).join(ReviewCase.analysis)
        .options(selectinload(ReviewCase.article).selectinload(Article.source),
                 selectinload(ReviewCase.analysis))
        .order_by(Analysis.risk.desc(), ReviewCase.id)
        .limit(limit)
    )
    if status:
        query = query.where(ReviewCase.status == status)
    return list(session.scalars(query))


def iter_articles(session: Session, since: datetime | None = None, flagged_only: bool = False,
                  batch: int = 500) -> Iterator[tuple[Article, ReviewCase | None]]:
    """Stored articles oldest first, with their case, fetched in batches."""
    last_id = 0
    while True:
        query = (
            select(Article).options(selectinload(Article.analyses))
            .where(Article.id > last_id).order_by(Article.id).limit(batch)
        )
        if since is not None:
            query = query.where(Article.fetched_at >= since)
        if flagged_only:
            query = query.where(Article.id.in_(select(ReviewCase.article_id)))
        rows = list(session.scalars(query))
        if not rows:
            return
        cases = {c.article_id: c for c in session.scalars(
            select(ReviewCase).where(ReviewCase.article_id.in_([a.id for a in rows])))}
        for article in rows:
            yield article, cases.get(article.id)
        last_id = rows[-1].id


def source_summary(session: Session, run_id: str) -> list[dict[str, Any]]:
    """Per source of one run: fetched, new, duplicates, errors, and relevant/flagged among the new."""
    out = []
    for run in crawl_runs(session, run_id):
        out.append({"source_id": run.source_id, "fetched": run.fetched, "new": run.new,
                    "duplicates": run.duplicates, "errors": run.errors, "unchanged": run.unchanged,
                    "entry_errors": run.entry_errors, "status": run.status})
    return out


def relevance_counts(session: Session, source_id: str, run_id: str | None = None) -> dict[str, int]:
    """How many of a source's analysed articles (of one run, if given) are relevant, and flagged."""
    latest = (
        select(func.max(Analysis.id).label("id")).join(Article, Article.id == Analysis.article_id)
        .where(Article.source_id == source_id)
    )
    if run_id is not None:
        latest = latest.where(Article.run_id == run_id)
    ids = latest.group_by(Analysis.article_id).subquery()
    query = (
        select(Analysis.relevance, Analysis.flagged, func.count(Analysis.id))
        .where(Analysis.id.in_(select(ids.c.id)))
        .group_by(Analysis.relevance, Analysis.flagged)
    )
    relevant = flagged = 0
    for relevance, is_flagged, n in session.execute(query):
        if relevance != "none":
            relevant += n
        if is_flagged:
            flagged += n
    return {"relevant": relevant, "flagged": flagged}


def entry_states(session: Session, source_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Last ETag/Last-Modified/body hash of each feed and sitemap of the sources, by URL."""
    rows = session.scalars(select(EntryPoint).where(EntryPoint.source_id.in_(list(source_ids))))
    return {r.url: {"etag": r.etag, "last_modified": r.last_modified, "body_hash": r.body_hash} for r in rows}


def save_entry_state(session: Session, source_id: str, url: str, url_key: str, changed: bool,
                     etag: str | None, last_modified: str | None, body_hash: str | None, entries: int) -> None:
    """Remember how a feed or sitemap looked, for the next conditional GET."""
    row = session.get(EntryPoint, url_key)
    now = utcnow()
    if row is None:
        row = EntryPoint(url_hash=url_key, url=url, source_id=source_id)
        session.add(row)
    row.last_checked_at = now
    if changed:
        row.etag, row.last_modified, row.body_hash, row.entries = etag, last_modified, body_hash, entries
        row.last_changed_at = now
    elif body_hash and not row.body_hash:
        row.body_hash = body_hash


def title_times(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[datetime]]:
    """For (source id, title hash) pairs: the times (published, else fetched) of stored articles with them."""
    wanted = set(keys)
    out: dict[tuple[str, str], list[datetime]] = {}
    if not wanted:
        return out
    query = (
        select(Article.source_id, Article.title_hash, Article.published_at, Article.fetched_at)
        .where(Article.source_id.in_({s for s, _ in wanted}), Article.title_hash.in_({t for _, t in wanted}))
    )
    for source_id, title_hash, published, fetched in session.execute(query):
        if (source_id, title_hash) in wanted:
            out.setdefault((source_id, str(title_hash)), []).append(published or fetched)
    return out
