"""The tasks: each calls the same unit of work the daemon runs; the database's unique keys make a task that runs
twice (redelivered after a worker died) do its work once. A task that keeps failing is retried with backoff,
then recorded in dead_letters with its reason (`status` lists them)."""

from __future__ import annotations

import logging
import socket
from typing import Any

from config.settings import Settings

logger = logging.getLogger(__name__)


def _engine(settings: Settings) -> Any:
    from pipeline.units import engine_for

    return engine_for(settings.database_url)


def collect_source(settings: Settings, source_id: str) -> dict[str, Any]:
    """Collect one source: crawl, extract and analyse what is new, in this worker process."""
    from pipeline.collect import crawl
    from store.db import session_scope
    from store.models import Source

    engine = _engine(settings)
    with session_scope(engine) as session:
        source = session.get(Source, source_id)
        config = dict(source.config) if source is not None and source.enabled else None
    if config is None:
        return {"source": source_id, "status": "skipped"}
    scrapy = dict(settings.scrapy)
    if settings.broker_url.startswith("redis"):  # one request per host per DOWNLOAD_DELAY across every worker
        scrapy["HDM_POLITENESS_REDIS"] = settings.broker_url
    local = settings.model_copy(update={"workers": 0, "scrapy": scrapy})  # the worker's pool is the parallelism
    report = crawl(local, engine, [config], analyse=True)  # a site that fails is the source's health, not ours
    return {"source": source_id, "status": report.status, "new": report.work.new, "analysed": report.work.analysed,
            "message": report.message}


def dead_letter(settings: Settings, task: str, task_id: str, args: list[Any], error: str, attempts: int) -> None:
    """Record a task that will not be tried again (once per task id)."""
    from store.db import session_scope
    from store.models import DeadLetter, utcnow
    from store.upsert import insert_new

    with session_scope(_engine(settings), write=True) as session:
        insert_new(session, DeadLetter.__table__, {
            "task": task, "task_id": task_id, "args": args, "error": error[:4000], "attempts": attempts,
            "worker": socket.gethostname(), "at": utcnow()}, unique="task_id")
    logger.error("task %s %s dead-lettered after %d attempts: %s", task, task_id, attempts, error)


def register(app: Any, settings: Settings) -> None:
    """The project's tasks on `app`, each retried with backoff and dead-lettered at the end."""
    from celery import Task

    class Recorded(Task):  # type: ignore[misc]
        """Failures after the last retry land in dead_letters."""

        autoretry_for = (Exception,)
        retry_backoff = 5
        retry_backoff_max = 600
        retry_jitter = True
        max_retries = settings.task_retries

        def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
            dead_letter(settings, self.name, task_id, list(args), f"{type(exc).__name__}: {exc}",
                        self.request.retries + 1)

    @app.task(name="hdmonitor.collect", base=Recorded)
    def collect(source_id: str) -> dict[str, Any]:
        return collect_source(settings, source_id)

    @app.task(name="hdmonitor.extract", base=Recorded)
    def extract(page_ids: list[int]) -> dict[str, Any]:
        from pipeline.units import extract_batch

        done = extract_batch(settings.database_url, page_ids, settings)
        return {"new": len(done.new_ids), "duplicates": done.duplicates, "errors": done.errors}

    @app.task(name="hdmonitor.analyse", base=Recorded)
    def analyse(article_ids: list[int]) -> dict[str, Any]:
        from pipeline.units import analyse_batch

        done = analyse_batch(settings.database_url, article_ids, settings)
        return {"analysed": done.analysed, "flagged": done.flagged, "skipped": done.skipped}
