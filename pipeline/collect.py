"""Collect: run one Scrapy crawl in a fresh subprocess and read back what it stored."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.health import next_interval
from pipeline.workers import PoolReport, WorkPool
from store import repo
from store.db import describe_error, is_transient, session_scope, stop_requested
from store.models import utcnow

logger = logging.getLogger(__name__)

STORE_PIPELINE = "pipeline.crawl_store.StoreItems"
PREVIEW_PIPELINE = "pipeline.crawl_store.PreviewItems"
KNOWN_URLS = "pipeline.crawl_store.KnownUrls"
Progress = Callable[[list[dict[str, Any]]], None]
TICK_SECONDS = 0.1  # how often the queue is looked at while the crawl runs
PROGRESS_SECONDS = 0.5


class CollectError(RuntimeError):
    """The crawl could not run at all (the message is for a person)."""


@dataclass
class CrawlUsage:
    """What the crawl process itself cost: wall and CPU time from the kernel when it ended, peak memory read
    while it ran."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class CrawlReport:
    """What one crawl did, per source."""

    run_id: str
    status: str
    exit_code: int | None
    message: str | None
    rows: list[dict[str, Any]]
    log_path: Path
    work: PoolReport = field(default_factory=PoolReport)
    usage: CrawlUsage = field(default_factory=CrawlUsage)
    database_outage_s: float = 0.0  # how long the page queue could not be read during the crawl


def _job_settings(settings: Settings, run_id: str, log_path: Path) -> dict[str, Any]:
    scrapy = dict(settings.scrapy)
    scrapy.update({
        "ITEM_PIPELINES": {STORE_PIPELINE: 300},
        "HDM_KNOWN_URLS": KNOWN_URLS,
        "HDM_DATABASE_URL": settings.database_url,
        "HDM_RUN_ID": run_id,
        "HDM_ALLOW_PRIVATE_HOSTS": settings.allow_private_hosts,
        "HDM_PRIVATE_HOST_ALLOWLIST": list(settings.private_host_allowlist),
        "HDM_DATABASE_WAIT_SECONDS": settings.database_wait_seconds,
        "LOG_FILE": str(log_path),
        "LOG_FILE_APPEND": True,
    })
    return scrapy


def log_dir(settings: Settings) -> Path:
    """Where crawl logs go: var/logs beside a SQLite file, else var/logs in the working directory."""
    base = settings.sqlite_path.parent if settings.sqlite_path else Path("var")
    path = base / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def prepare_job(settings: Settings, engine: Engine, sources: list[dict[str, Any]], workdir: Path,
                run_id: str | None = None) -> tuple[str, Path, Path]:
    """Register the run and write the job file the crawl subprocess reads: (run id, job file, log)."""
    if not sources:
        raise CollectError("không có nguồn nào được bật / no enabled source to crawl")
    run_id = run_id or str(uuid.uuid4())
    with session_scope(engine, write=True) as session:
        repo.upsert_sources(session, sources)
        for source in sources:
            repo.start_crawl_run(session, run_id, source["id"])
    log_path = log_dir(settings) / f"crawl-{run_id}.log"
    job_file = workdir / "job.json"
    with session_scope(engine) as session:
        states = repo.entry_states(session, [s["id"] for s in sources])
    job = {"sources": sources, "entry_state": states, "settings": _job_settings(settings, run_id, log_path)}
    job_file.write_text(json.dumps(job, ensure_ascii=False, default=str), encoding="utf-8")
    return run_id, job_file, log_path


def crawl_command(job_file: Path) -> list[str]:
    """The command line of the crawl subprocess."""
    return [sys.executable, "-m", "crawlers.run", str(job_file)]


def subprocess_env() -> dict[str, str]:
    """The environment of the crawl subprocess: ours, with the project importable."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def crawl(settings: Settings, engine: Engine, sources: list[dict[str, Any]],
          progress: Progress | None = None, analyse: bool = False) -> CrawlReport:
    """Crawl the given sources once in a subprocess while worker processes extract what it queues.

    Returns when the crawl has ended and every queued page (this run's and any left by an earlier,
    interrupted one) is extracted, and with `analyse` every new article analysed. Counters are read
    from the database.
    """
    with tempfile.TemporaryDirectory(prefix="hdm-crawl-") as tmp, WorkPool(settings, analyse) as pool:
        run_id, job_file, log_path = prepare_job(settings, engine, sources, Path(tmp))

        shown = [0.0]  # when progress was last shown
        outage = [0.0, 0.0]  # since when the database has not answered (0: it does), seconds in all

        def tick() -> None:
            try:
                pool.poll(engine)
                if outage[0]:
                    outage[1] += time.monotonic() - outage[0]
                    outage[0] = 0.0
            except Exception as exc:  # noqa: BLE001 - the crawl goes on; what it queued waits for drain()
                if not is_transient(exc):
                    raise
                if not outage[0]:  # once per outage, not at every tick
                    outage[0] = time.monotonic()
                    logger.warning("CSDL không sẵn sàng / database unavailable (%s): the crawl goes on, "
                                   "its pages wait", describe_error(exc))
                return
            if progress is not None and time.monotonic() - shown[0] >= PROGRESS_SECONDS:
                shown[0] = time.monotonic()
                with session_scope(engine) as session:
                    progress(repo.source_summary(session, run_id))

        usage = CrawlUsage()
        exit_code, status, cause = _run_subprocess(job_file, settings.crawl_timeout_seconds, tick, usage)
        pool.drain(engine)
    message = None if status == "ok" else f"crawl {status}{cause} (exit {exit_code}); log: {log_path}"
    if pool.report.problems:
        logger.error("extraction problems: %s", "; ".join(pool.report.problems[:5]))
    with session_scope(engine, write=True) as session:
        repo.finish_crawl_run(session, run_id, status, message)
        update_health(session, run_id, sources, status, settings.min_interval_minutes)
        rows = repo.source_summary(session, run_id)
    return CrawlReport(run_id, status, exit_code, message, rows, log_path, pool.report, usage,
                       round(outage[1] + (time.monotonic() - outage[0] if outage[0] else 0.0), 1))


def _reaped(process: subprocess.Popen[bytes], usage: CrawlUsage, started: float) -> bool:
    """Whether the crawl process has ended; if so its exit code and resource use are recorded."""
    pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
    if pid == 0:
        usage.peak_rss_mb = max(usage.peak_rss_mb, _peak_rss_mb(process.pid))
        return False
    process.returncode = os.waitstatus_to_exitcode(status)
    usage.wall_s = time.monotonic() - started
    usage.cpu_s = rusage.ru_utime + rusage.ru_stime
    return True


def _peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a running process since it started its program (Linux), else 0.

    Read while it runs: the kernel's figure after it ends would count the parent's memory it was
    forked with.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _run_subprocess(job_file: Path, timeout: int, tick: Callable[[], None] | None = None,
                    usage: CrawlUsage | None = None) -> tuple[int | None, str, str]:
    """Run the crawl; (exit code, "ok" | "failed" | "timeout", ": cause" or "")."""
    usage = usage or CrawlUsage()
    started = time.monotonic()
    # stderr goes to a file, not a pipe: a chatty child can never block on a full pipe buffer
    stderr_file = job_file.with_suffix(".stderr")
    with stderr_file.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - fixed interpreter and module
            crawl_command(job_file), env=subprocess_env(),
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    asked_to_stop = False
    try:
        while not _reaped(process, usage, started):
            if stop_requested() and not asked_to_stop:  # Scrapy's graceful stop: what it fetched is stored
                process.send_signal(signal.SIGTERM)
                asked_to_stop = True
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return None, "timeout", ""
            if tick is not None:
                tick()
            time.sleep(TICK_SECONDS)
    except BaseException:  # interrupted, or the caller's work failed: no crawl is left running behind
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    stderr = stderr_file.read_bytes()[-20000:].decode("utf-8", "replace") if stderr_file.exists() else ""
    if process.returncode != 0:
        logger.error("crawl subprocess exited %s: %s", process.returncode, stderr[-2000:])
        first = next((line for line in stderr.splitlines() if line.startswith("crawl failed:")), "")
        return process.returncode, "failed", f": {first[len('crawl failed: '):]}" if first else ""
    return 0, "ok", ""


def update_health(session: Any, run_id: str, sources: list[dict[str, Any]], status: str,
                  min_interval: float = 5.0) -> None:
    """After a run: each source's success or failure, failure count, adaptive interval, next due time."""
    from store.models import Source

    now = utcnow()
    by_source = {row.source_id: row for row in repo.crawl_runs(session, run_id)}
    for cfg in sources:
        source = session.get(Source, cfg["id"])
        run = by_source.get(cfg["id"])
        if source is None or run is None:
            continue
        entry_points = len(cfg.get("feeds", [])) + len(cfg.get("sitemaps", [])) + len(cfg.get("listings", []))
        failed = status != "ok" or (entry_points > 0 and run.entry_errors >= entry_points)
        source.consecutive_failures = source.consecutive_failures + 1 if failed else 0
        if failed:
            source.last_error_at = now
            source.last_error = run.message or f"{run.entry_errors}/{entry_points} entry points failed"
            run.status = "failed"
        else:
            source.last_success_at = now
        if run.new:
            source.last_new_at = now
        base = max(min_interval, float(cfg.get("interval_minutes", 60)))
        source.current_interval_minutes = next_interval(
            base, source.current_interval_minutes or base, run.new, failed, source.consecutive_failures,
            min_interval)
        source.next_due_at = now + timedelta(minutes=source.current_interval_minutes)


def preview(settings: Settings, source: dict[str, Any], limit: int = 10) -> list[dict[str, Any]]:
    """Fetch a source once without storing anything: what it announces and what extraction makes of it."""
    with tempfile.TemporaryDirectory(prefix="hdm-check-") as tmp:
        out = Path(tmp) / "preview.jsonl"
        scrapy = _job_settings(settings, "preview", log_dir(settings) / "check.log")
        scrapy["ITEM_PIPELINES"] = {PREVIEW_PIPELINE: 300}
        scrapy.pop("HDM_KNOWN_URLS")  # a check fetches what the source announces, stored or not, and needs no database
        scrapy["HDM_PREVIEW_FILE"] = str(out)
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps({"sources": [source], "max_articles": limit, "settings": scrapy},
                                       ensure_ascii=False, default=str), encoding="utf-8")
        exit_code, status, cause = _run_subprocess(job_file, settings.crawl_timeout_seconds)
        if exit_code != 0:
            raise CollectError(f"kiểm tra thất bại / check failed: {status}{cause}")
        if not out.exists():
            return []
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
