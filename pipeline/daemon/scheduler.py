"""The daemon's schedule on APScheduler 3.x: collect each source at its own interval, analyse what
waits, and once a day check source health, re-check flagged articles and do the housekeeping.

Jobs live in a persistent SQLAlchemy job store in the same database, with fixed ids, so a restart
picks them up; `coalesce` turns a long downtime into one catch-up run per job, and a generous
misfire grace time keeps late runs from being dropped. Jobs run one at a time: each is a unit of
work that may itself use every core (the crawl subprocess and the worker pool).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import inspect, or_, select, text
from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.daemon.jobs import DAILY, RunContext, analyse_job, collect_job, mail_job, set_context
from pipeline.daemon.lock import DaemonLock
from pipeline.daemon.metrics import DaemonMetrics, serve
from store import jobs as job_runs
from store.db import make_engine, request_stop, session_scope, wait_for_database, writer_turn
from store.models import Source

logger = logging.getLogger(__name__)

JOBS_TABLE = "scheduler_jobs"
MISFIRE_GRACE_SECONDS = 6 * 3600
# local times of the daily jobs (HDM_TIMEZONE): quiet hours first, the health report before the office opens
DAILY_AT = {"recheck": (2, 30), "housekeeping": (3, 30), "health": (6, 0)}
DAY = timedelta(days=1)


class WaitingJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """APScheduler's SQLAlchemy job store, waiting out an unavailable database instead of raising.

    APScheduler retries a failed look for due jobs, but an error while it updates a job after a
    run would end its main loop, and with it the daemon.
    """

    def __init__(self, wait_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wait_s = wait_s

    def _waiting(self, name: str, *args: Any) -> Any:
        method = getattr(super(), name)
        return wait_for_database(lambda: method(*args), f"job store: {name}", self.wait_s, logger)

    def start(self, scheduler: Any, alias: str) -> None:
        """Creates the jobs table if missing: a write, so it takes its turn among the writers (two daemons
        starting together on one SQLite file: the second must be refused by the daemon lock, not fail here)."""
        def create() -> None:
            with writer_turn(self.engine):
                SQLAlchemyJobStore.start(self, scheduler, alias)

        wait_for_database(create, "job store: start", self.wait_s, logger)

    def lookup_job(self, job_id: str) -> Any:
        return self._waiting("lookup_job", job_id)

    def get_next_run_time(self) -> Any:
        return self._waiting("get_next_run_time")

    def get_all_jobs(self) -> Any:
        return self._waiting("get_all_jobs")

    def add_job(self, job: Any) -> None:
        self._waiting("add_job", job)

    def update_job(self, job: Any) -> None:
        self._waiting("update_job", job)

    def remove_job(self, job_id: str) -> None:
        self._waiting("remove_job", job_id)


def due_sources(engine: Engine, now: datetime | None = None) -> list[str]:
    """Enabled sources never collected or whose next run is due."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        rows = session.scalars(select(Source).where(Source.enabled).order_by(Source.id))
        return [s.id for s in rows if s.next_due_at is None or s.next_due_at <= now]


def due_daily(engine: Engine, now: datetime | None = None) -> list[str]:
    """Daily jobs that have not run in the last day (a fresh database: all of them)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        last = job_runs.last_runs(session)
    return [name for name in DAILY if name not in last or last[name].started_at <= now - DAY]


def _interrupted(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        count = job_runs.interrupt_running(session)
    if count:
        logger.warning("%d job run(s) were cut short when the daemon last stopped", count)


def run_once(settings: Settings, engine: Engine, lock: DaemonLock | None = None,
             dispatcher: Any = None) -> list[dict[str, Any]]:
    """Every due job one time: collect each due source, analyse what waits, the daily jobs that are due."""
    ctx = set_context(RunContext(settings, engine, lock=lock, results=[], dispatcher=dispatcher))
    wait_for_database(lambda: _interrupted(engine), "start", settings.database_wait_seconds, logger)
    for source_id in due_sources(engine):
        collect_job(source_id)
    analyse_job()
    for name in due_daily(engine):
        DAILY[name]()
    mail_job()
    return ctx.results or []


def _log_problem(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    else:
        logger.error("job %s failed: %s", event.job_id, event.exception)


def _forget_stale_jobs(engine: Engine, wanted: set[str]) -> None:
    """Sources removed from the file or disabled lose their stored jobs."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return
    with session_scope(engine, write=True) as session:
        stored = session.execute(text(f"SELECT id FROM {JOBS_TABLE}")).scalars().all()
        for job_id in stored:
            if str(job_id).startswith("collect:") and job_id not in wanted:
                session.execute(text(f"DELETE FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id})


def _health(ctx: RunContext, scheduler: BlockingScheduler) -> tuple[bool, dict[str, Any]]:
    """For /healthz: the scheduler runs and the database answers."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        database = f"unavailable: {str(exc).strip().splitlines()[0][:200]}"
    running = bool(scheduler.running)
    return running and database == "ok", {"database": database, "scheduler": "running" if running else "stopped",
                                          "jobs": ctx.last}


def run_forever(settings: Settings, engine: Engine, source_ids: list[str], lock: DaemonLock | None = None,
                dispatcher: Any = None) -> int:
    """The daemon: every due job at once, then each on its own schedule, until SIGTERM or SIGINT.

    Returns 0 after a signal, 3 when the database lock was lost to another daemon.
    """
    # the job store gets an engine (and connection pool) of its own: the jobs fork worker processes,
    # and no lock of the pools they inherit should be held by the scheduler's thread at that moment
    scheduler = BlockingScheduler(
        jobstores={"default": WaitingJobStore(settings.database_wait_seconds,
                                              engine=make_engine(settings.database_url, check=False),
                                              tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=UTC,
    )
    metrics = DaemonMetrics(engine)

    def reschedule(job_id: str, when: datetime) -> None:
        try:
            scheduler.modify_job(job_id, next_run_time=when)
        except JobLookupError:  # the scheduler is shutting down; the source's next_due_at is stored anyway
            logger.info("%s not rescheduled: the daemon is stopping", job_id)

    ctx = set_context(RunContext(settings, engine, lock=lock, metrics=metrics, reschedule=reschedule,
                                 dispatcher=dispatcher, raise_errors=True,
                                 stop=lambda: scheduler.shutdown(wait=False)))
    scheduler.add_listener(_log_problem, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    wait_for_database(lambda: _interrupted(engine), "start", settings.database_wait_seconds, logger)
    now = datetime.now(UTC)
    from_file = set(source_ids)

    def sync_collect_jobs() -> set[str]:
        """A collect job for each enabled source of the file or of the web app, due ones brought forward:
        an administrator's new or re-enabled source is collected within a minute, without a restart."""
        at = datetime.now(UTC)
        due = set(due_sources(engine, at))
        with session_scope(engine) as session:
            rows = list(session.scalars(select(Source).where(Source.enabled, or_(
                Source.id.in_(from_file), Source.managed_in_app))))
        wanted = set()
        for source in rows:
            job_id = f"collect:{source.id}"
            wanted.add(job_id)
            job = scheduler.get_job(job_id)
            if job is not None:
                # turned on again in the app (due at once), not merely jittered past its due time
                if source.next_due_at is None and job.next_run_time is not None \
                        and job.next_run_time > at + timedelta(minutes=1):
                    job.modify(next_run_time=at)
                continue
            minutes = max(settings.min_interval_minutes,
                          source.current_interval_minutes or float((source.config or {}).get("interval_minutes", 60)))
            first = at if source.id in due else (source.next_due_at or at)
            scheduler.add_job(collect_job, "interval", args=[source.id], id=job_id, replace_existing=True,
                              minutes=minutes, next_run_time=first)
        return wanted

    ctx.sync_sources = sync_collect_jobs
    wanted = sync_collect_jobs()
    scheduler.add_job(analyse_job, "interval", id="analyse", replace_existing=True,
                      seconds=settings.analyse_interval_seconds, next_run_time=now)
    scheduler.add_job(mail_job, "interval", id="mail", replace_existing=True,
                      seconds=settings.analyse_interval_seconds, next_run_time=now + timedelta(seconds=5))
    daily_due = set(due_daily(engine, now))
    for name, (hour, minute) in DAILY_AT.items():
        trigger = CronTrigger(hour=hour, minute=minute, timezone=settings.timezone)
        extra: dict[str, Any] = {"next_run_time": now} if name in daily_due else {}
        scheduler.add_job(DAILY[name], trigger, id=name, replace_existing=True, **extra)
    _forget_stale_jobs(engine, wanted)
    server = None
    if settings.metrics_address:
        try:
            server = serve(settings.metrics_address, metrics, lambda: _health(ctx, scheduler))
        except (OSError, ValueError) as exc:  # the port is taken or the address malformed: run without them
            logger.error("cannot serve /healthz and /metrics on %s: %s", settings.metrics_address, exc)

    def stop(signum: int, _frame: Any) -> None:
        logger.warning("signal %s: finishing the current job, then stopping", signum)
        request_stop()  # a job waiting for the database, or for a long crawl, gives up instead
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        scheduler.start()
    finally:
        if server is not None:
            server.shutdown()
    return 3 if ctx.lost_lock else 0
