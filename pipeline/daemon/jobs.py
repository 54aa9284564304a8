"""The daemon's jobs, each run recorded in job_runs (when, how long, how it went, what it did).

Every job is a unit of work that is safe to run again: a database that is locked or unreachable
is waited out (HDM_DATABASE_WAIT_SECONDS) and the job is then run again from the start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.collect import crawl
from pipeline.daemon.lock import AlreadyRunning, DaemonLock
from pipeline.daemon.metrics import DaemonMetrics
from pipeline.health import sources_health
from pipeline.saved_searches import run_saved_searches
from pipeline.search_index import index_missing
from pipeline.workers import WorkPool
from store import jobs as job_runs
from store.db import DatabaseUnavailable, StopRequested, session_scope, stop_requested, wait_for_database, write_unit
from store.models import Source, utcnow

logger = logging.getLogger(__name__)

DAILY_JOBS = ("health", "recheck", "housekeeping")


@dataclass
class RunContext:
    """What the jobs of this process work with (set once when the daemon starts)."""

    settings: Settings
    engine: Engine
    lock: DaemonLock | None = None
    metrics: DaemonMetrics | None = None
    reschedule: Callable[[str, datetime], None] | None = None  # job id, next run (the scheduler's)
    results: list[dict[str, Any]] | None = None  # kept by `run --once` only: a daemon runs for months
    last: dict[str, Any] = field(default_factory=dict)  # latest outcome per kind, for /healthz
    raise_errors: bool = False  # under the scheduler: failures go on to its listener
    stop: Callable[[], None] | None = None  # stops the daemon (the database lock was lost)
    sync_sources: Callable[[], object] | None = None  # schedules sources added or turned on in the web app
    lost_lock: bool = False
    dispatcher: Any = None  # run --distributed: collect and analyse go to the workers as tasks

    def record(self, **result: Any) -> None:
        """Keep one job's result (only for `run --once`)."""
        if self.results is not None:
            self.results.append(result)


_context: RunContext | None = None


def set_context(ctx: RunContext) -> RunContext:
    """Make `ctx` the context of this process's jobs."""
    global _context
    _context = ctx
    return ctx


def _ctx() -> RunContext:
    if _context is None:
        raise RuntimeError("the daemon context is not set")
    return _context


def tracked(job_id: str, kind: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a job's work with its run recorded; a failure is recorded (and re-raised for the scheduler's listener)."""
    ctx = _ctx()
    wait_s = ctx.settings.database_wait_seconds
    if stop_requested():  # queued behind the job that was running when SIGTERM came: not started at all
        logger.info("job %s not started: the daemon is stopping", job_id)
        return {}
    before = time.monotonic()
    if ctx.lock is not None:
        try:
            ctx.lock.ensure()  # PostgreSQL: a connection lost with the database may have taken the lock with it
        except AlreadyRunning as exc:
            logger.error("%s: stopping", exc)
            ctx.lost_lock = True
            if ctx.stop is not None:
                ctx.stop()
            return {}
    run_id = write_unit(ctx.engine, lambda session: job_runs.start_job_run(session, job_id), f"{job_id}: start",
                        wait_s, logger)
    started = time.monotonic()
    status, summary, error, failure = "ok", dict[str, Any](), None, None
    # the database was away before the job could even begin (the lock's session, the run's row): counted too
    waited = [started - before if started - before >= 1.0 else 0.0]

    def count_wait(_exc: BaseException, seconds: float) -> None:
        waited[0] += seconds
        if ctx.metrics is not None:
            ctx.metrics.errors.labels("database_unavailable").inc()

    try:
        summary = wait_for_database(work, job_id, wait_s, logger, count_wait)
        status = str(summary.pop("status", "ok"))
        error = summary.pop("error", None)
    except StopRequested as exc:  # SIGTERM while the job waited: nothing half-written, redone next time
        status, error = "interrupted", str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded, logged, and the daemon goes on
        status, error, failure = "failed", f"{type(exc).__name__}: {exc}", exc
        if not isinstance(exc, DatabaseUnavailable):
            logger.exception("job %s failed", job_id)
    duration = time.monotonic() - started
    if waited[0]:  # status shows it: the database was away
        summary["waited_for_database_s"] = int(summary.get("waited_for_database_s", 0)) + round(waited[0])
    try:
        write_unit(ctx.engine, lambda session: job_runs.finish_job_run(session, run_id, status, duration, summary,
                                                                       error), f"{job_id}: finish", wait_s, logger)
    except (DatabaseUnavailable, StopRequested):  # marked interrupted at the next start
        logger.error("could not record the end of job %s (%s)", job_id, status)
    if ctx.metrics is not None:
        ctx.metrics.job_finished(kind, status, duration)
    ctx.last[kind] = {"job": job_id, "status": status, "at": utcnow().isoformat(timespec="seconds")}
    ctx.record(job=job_id, status=status, **summary)
    if status != "ok":
        logger.warning("job %s: %s%s", job_id, status, f" — {error}" if error else "")
    if failure is not None and ctx.raise_errors:
        raise failure
    return summary


# ---------------------------------------------------------------------------------------- the jobs

def collect_job(source_id: str) -> None:
    """Collect one source once (crawl and extraction), then schedule its next run from its health."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        if ctx.dispatcher is not None:
            return dict(ctx.dispatcher.collect(source_id))
        with session_scope(ctx.engine) as session:
            source = session.get(Source, source_id)
            config = dict(source.config) if source is not None and source.enabled else None
        if config is None:
            logger.warning("source %s is gone or disabled: not collected", source_id)
            return {"status": "skipped"}
        # what is new is analysed in the same unit: flags and alerts do not wait behind other sources' crawls
        report = crawl(ctx.settings, ctx.engine, [config], analyse=True)
        new = report.work.new
        if ctx.metrics is not None:
            ctx.metrics.collected.labels(source_id).inc(new)
            ctx.metrics.analysed.inc(report.work.analysed)
            ctx.metrics.flagged.inc(report.work.flagged)
            if report.work.errors:
                ctx.metrics.errors.labels("extraction").inc(report.work.errors)
            if report.status != "ok":
                ctx.metrics.errors.labels(f"crawl_{report.status}").inc()
        with session_scope(ctx.engine) as session:
            row = session.get(Source, source_id)
            due = row.next_due_at if row is not None else None
            # the crawl may end well while every feed of the source failed: the source's health says
            failed = report.status != "ok" or (row is not None and row.consecutive_failures > 0)
            reason = report.message or (row.last_error if row is not None and failed else None)
        if ctx.reschedule is not None and due is not None:
            ctx.reschedule(f"collect:{source_id}", _jittered(due, ctx.settings))
        out: dict[str, Any] = {"status": "failed" if failed else "ok", "new": new, "analysed": report.work.analysed,
                               "flagged": report.work.flagged, "crawl": report.status}
        if report.database_outage_s:
            out["waited_for_database_s"] = round(report.database_outage_s)
        if reason:
            out["error"] = reason
        return out

    tracked(f"collect:{source_id}", "collect", work)


def analyse_job() -> None:
    """Extract every page still queued (an interrupted crawl's), then analyse every article waiting."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        if ctx.sync_sources is not None:
            ctx.sync_sources()
        index_missing(ctx.engine)  # articles stored before an upgrade brought search (a no-op afterwards)
        if ctx.dispatcher is not None:
            sent = dict(ctx.dispatcher.waiting(ctx.engine))
            sent["saved_search_matches"] = run_saved_searches(ctx.engine)
            return sent
        with WorkPool(ctx.settings, analyse=True) as pool:
            pool.drain(ctx.engine)
            done = pool.analyse_waiting(ctx.engine, ctx.settings.analyse_batch_size)
        if ctx.metrics is not None:
            ctx.metrics.analysed.inc(done.analysed)
            ctx.metrics.flagged.inc(done.flagged)
        if done.analysed:
            logger.info("analysed %d, flagged %d", done.analysed, done.flagged)
        matched = run_saved_searches(ctx.engine)  # what was just analysed, for every saved search
        return {"extracted": done.extracted, "analysed": done.analysed, "flagged": done.flagged,
                "failed": done.failed, "saved_search_matches": matched}

    tracked("analyse", "analyse", work)


def health_job() -> None:
    """Each enabled source's health; a failing, stale or never-collected one is logged for a person."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        now = utcnow()
        states: dict[str, list[str]] = {}
        with session_scope(ctx.engine) as session:
            rows = sources_health(session, now, enabled_only=True)
        for row in rows:
            states.setdefault(row.health.state, []).append(row.source.id)
            if row.health.state != "ok":
                logger.warning("source %s: %s — %s", row.source.id, row.health.state, row.health.reason)
        out: dict[str, Any] = {state: sorted(ids) for state, ids in sorted(states.items())}
        from digest.mailer import record_health_mail

        out["health_mail"] = record_health_mail(ctx.engine, ctx.settings, now)  # sent by the mail job
        return out

    tracked("health", "health", work)


def recheck_job() -> None:
    """Fetch flagged articles' original URLs again and record edits and deletions as evidence."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        from pipeline.evidence import recheck_flagged

        report = recheck_flagged(ctx.settings, ctx.engine)
        return {k: v for k, v in vars(report).items() if isinstance(v, int)}

    tracked("recheck", "recheck", work)


def housekeeping_job() -> None:
    """Retention and database upkeep."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        from pipeline.daemon.housekeeping import housekeeping

        return housekeeping(ctx.settings, ctx.engine)

    tracked("housekeeping", "housekeeping", work)


def mail_job() -> None:
    """Record spikes, saved-search mails and daily bundles; send the weekly digest when due and the outbox."""
    ctx = _ctx()

    def work() -> dict[str, Any]:
        from digest.mailer import mail_round

        return mail_round(ctx.settings, ctx.engine)

    tracked("mail", "mail", work)


DAILY = {"health": health_job, "recheck": recheck_job, "housekeeping": housekeeping_job}


def _jittered(due: datetime, settings: Settings) -> datetime:
    """A source's next run: when its health says, plus up to a tenth of its interval, so sources spread out."""
    import random

    now = datetime.now(UTC)
    spread = max(0.0, (due - now).total_seconds()) * 0.1
    return due + timedelta(seconds=random.uniform(0, spread))  # noqa: S311 - spreading load, not security
