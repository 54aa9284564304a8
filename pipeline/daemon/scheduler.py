"""The daemon's jobs on APScheduler 3.x: collect each source at its own interval, analyse what waits.

Jobs live in a persistent SQLAlchemy job store in the same database, with fixed ids, so a restart
picks them up; `coalesce` turns a long downtime into one catch-up run per job, and a generous
misfire grace time keeps late runs from being dropped. Jobs run one at a time: each is a unit of
work that may itself use every core (the crawl subprocess and the worker pool).
"""

from __future__ import annotations

import logging
import random
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.collect import crawl
from pipeline.workers import WorkPool
from store.db import make_engine, session_scope
from store.models import Source

logger = logging.getLogger(__name__)

ANALYSE_EVERY_SECONDS = 60
JOBS_TABLE = "scheduler_jobs"
MISFIRE_GRACE_SECONDS = 6 * 3600
JITTER_SHARE = 0.1  # of a source's interval, so that sources with one interval do not all start together


@dataclass
class RunContext:
    """What the jobs of this process work with (set once when the daemon starts)."""

    settings: Settings
    engine: Engine
    scheduler: BlockingScheduler | None = None
    results: list[dict[str, Any]] | None = None  # kept by `run --once` only: a daemon runs for months

    def record(self, **result: Any) -> None:
        """Keep one job's result (only for `run --once`)."""
        if self.results is not None:
            self.results.append(result)


_context: RunContext | None = None


def _ctx() -> RunContext:
    if _context is None:
        raise RuntimeError("the daemon context is not set")
    return _context


def collect_job(source_id: str) -> None:
    """Collect one source once (crawl and extraction), then schedule its next run from its health."""
    ctx = _ctx()
    with session_scope(ctx.engine) as session:
        source = session.get(Source, source_id)
        config = dict(source.config) if source is not None and source.enabled else None
    if config is None:
        logger.warning("source %s is gone or disabled: not collected", source_id)
        return
    report = crawl(ctx.settings, ctx.engine, [config])
    ctx.record(job=f"collect:{source_id}", status=report.status, new=report.work.new)
    logger.info("collected %s: %s, %d new", source_id, report.status, report.work.new)
    if ctx.scheduler is not None:
        with session_scope(ctx.engine) as session:
            row = session.get(Source, source_id)
            minutes = (row.current_interval_minutes if row else None) or float(config.get("interval_minutes", 60))
        ctx.scheduler.modify_job(f"collect:{source_id}", next_run_time=_next_run(minutes))


def analyse_job() -> None:
    """Analyse every article still waiting, on the worker pool."""
    ctx = _ctx()
    with WorkPool(ctx.settings, analyse=True) as pool:
        done = pool.analyse_waiting(ctx.engine, ctx.settings.analyse_batch_size)
    ctx.record(job="analyse", analysed=done.analysed, flagged=done.flagged)
    if done.analysed:
        logger.info("analysed %d, flagged %d", done.analysed, done.flagged)


def _next_run(minutes: float, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    jitter = random.uniform(0, JITTER_SHARE * minutes * 60)  # noqa: S311 - spreading load, not security
    return now + timedelta(minutes=minutes, seconds=jitter)


def due_sources(engine: Engine, now: datetime | None = None) -> list[str]:
    """Enabled sources never collected or whose next run is due."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        rows = session.scalars(select(Source).where(Source.enabled).order_by(Source.id))
        return [s.id for s in rows if s.next_due_at is None or s.next_due_at <= now]


def run_once(settings: Settings, engine: Engine) -> list[dict[str, Any]]:
    """Every due job one time: collect each due source, then analyse what waits."""
    global _context
    _context = RunContext(settings, engine, results=[])
    for source_id in due_sources(engine):
        collect_job(source_id)
    analyse_job()
    return _context.results or []


def _log_problem(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        logger.error("job %s failed: %s", event.job_id, event.exception, exc_info=event.exception)


def _forget_stale_jobs(engine: Engine, wanted: set[str]) -> None:
    """Sources removed from the file or disabled lose their stored jobs."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return
    with session_scope(engine, write=True) as session:
        stored = session.execute(text(f"SELECT id FROM {JOBS_TABLE}")).scalars().all()
        for job_id in stored:
            if str(job_id).startswith("collect:") and job_id not in wanted:
                session.execute(text(f"DELETE FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id})


def run_forever(settings: Settings, engine: Engine, source_ids: list[str]) -> None:
    """The daemon: every due job at once, then each on its own interval, until SIGTERM or SIGINT."""
    global _context
    # the job store gets an engine (and connection pool) of its own: the jobs fork worker processes,
    # and no lock of the pools they inherit should be held by the scheduler's thread at that moment
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(settings.database_url), tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=UTC,
    )
    _context = RunContext(settings, engine, scheduler)
    scheduler.add_listener(_log_problem, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    now = datetime.now(UTC)
    due = set(due_sources(engine, now))
    with session_scope(engine) as session:
        sources = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(source_ids)))}
    wanted = set()
    for source_id, source in sources.items():
        if not source.enabled:
            continue
        job_id = f"collect:{source_id}"
        wanted.add(job_id)
        minutes = source.current_interval_minutes or float((source.config or {}).get("interval_minutes", 60))
        first = now if source_id in due else (source.next_due_at or now)
        scheduler.add_job(collect_job, "interval", args=[source_id], id=job_id, replace_existing=True,
                          minutes=minutes, next_run_time=first)
    scheduler.add_job(analyse_job, "interval", id="analyse", replace_existing=True,
                      seconds=ANALYSE_EVERY_SECONDS, next_run_time=now)
    _forget_stale_jobs(engine, wanted)

    def stop(signum: int, _frame: Any) -> None:
        logger.warning("signal %s: finishing the current job, then stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
