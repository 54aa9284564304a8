"""Status: database, queues, the daemon's jobs, sources that need a person, model version."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.cli.common import add_command, console, engine_of, local_time, settings_of

FAILURE_WINDOW = timedelta(hours=24)  # failed job runs this recent are shown as warnings
QUEUE_WARN_AGE = timedelta(hours=1)  # a page or an article waiting longer than this is worth a look


def _jobs(engine: Any) -> list[tuple[str, datetime | None]]:
    """The daemon's stored jobs and their next run (empty before the first `run`)."""
    from sqlalchemy import inspect, text

    from pipeline.daemon.scheduler import JOBS_TABLE

    if not inspect(engine).has_table(JOBS_TABLE):
        return []
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE} ORDER BY id")).all()
    return [(str(i), datetime.fromtimestamp(t, UTC) if t is not None else None) for i, t in rows]


def cmd_status(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from pipeline.health import sources_health
    from store import jobs as job_runs
    from store.db import session_scope
    from store.migrate import current_revision
    from store.models import Analysis, Article, CrawlRun, Page, ReviewCase, utcnow

    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    tz = settings.timezone
    now = utcnow()
    warnings: list[str] = []
    with session_scope(engine) as session:
        by_status = dict(session.execute(select(Article.status, func.count()).group_by(Article.status)).all())
        cases = dict(session.execute(select(ReviewCase.status, func.count()).group_by(ReviewCase.status)).all())
        last = session.scalar(select(func.max(CrawlRun.finished_at)))
        queued, oldest_page = session.execute(select(func.count(Page.id), func.min(Page.fetched_at))).one()
        oldest_new = session.scalar(select(func.min(Article.fetched_at)).where(Article.status == "new"))
        model = session.scalar(select(Analysis.model_version).order_by(Analysis.id.desc()).limit(1))
        health_lines = []
        for row in sources_health(session, now, enabled_only=True):
            source, health = row.source, row.health
            health_lines.append(f"  {source.id}: {health.state}, {row.week} bài 7 ngày / articles "
                                f"in 7 days, thành công cuối / last success {local_time(source.last_success_at, tz)}")
            if health.state in ("failing", "stale"):
                warnings.append(f"nguồn / source {source.id}: {health.state} — {health.reason}")
        last_run_of = job_runs.last_runs(session)
        failures = job_runs.recent_failures(session, now - FAILURE_WINDOW)
    if queued and oldest_page and now - oldest_page > QUEUE_WARN_AGE:
        warnings.append(f"{queued} trang chờ trích xuất từ / pages waiting for extraction since "
                        f"{local_time(oldest_page, tz)}: chạy / run 'hdmonitor crawl' hoặc / or 'run'")
    if oldest_new and now - oldest_new > QUEUE_WARN_AGE:
        warnings.append(f"{by_status.get('new', 0)} bài chờ phân tích từ / articles waiting for analysis since "
                        f"{local_time(oldest_new, tz)}: chạy / run 'hdmonitor analyse'")
    console.print(f"CSDL / database: {settings.database_url} (revision {current_revision(engine)})")
    console.print(f"Bài / articles: {sum(by_status.values())} " + json.dumps(by_status))
    console.print(f"Hồ sơ / review cases: {json.dumps(cases)}")
    console.print(f"Hàng đợi / queues: {queued} trang chờ trích xuất / pages to extract, "
                  f"{by_status.get('new', 0)} bài chờ phân tích / articles to analyse, "
                  f"{cases.get('open', 0)} hồ sơ mở / open cases")
    console.print(f"Lần thu thập cuối / last crawl: {local_time(last, tz)} ({tz})")
    console.print(f"Mô hình / model: {model or '—'}")
    if health_lines:
        console.print("Nguồn / sources (tình trạng / health):")
        for line in health_lines:
            console.print(line, markup=False)
    jobs = dict(_jobs(engine))
    if jobs or last_run_of:
        console.print("Việc theo lịch / scheduled jobs (lần tới / next run; lần cuối / last run: kết quả / result, "
                      "thời gian / duration):")
        for job_id in sorted(set(jobs) | set(last_run_of)):
            run = last_run_of.get(job_id)
            done = "—"
            if run is not None:
                took = f"{run.duration_s:.1f} s" if run.duration_s is not None else "…"
                facts = " ".join(f"{k}={v}" for k, v in (run.summary or {}).items() if not isinstance(v, list | dict))
                done = f"{local_time(run.started_at, tz)} {run.status} {took}{' ' + facts if facts else ''}"
            console.print(f"  {job_id}: lần tới / next {local_time(jobs.get(job_id), tz)}; "
                          f"lần cuối / last {done}", markup=False)
    else:
        console.print("Việc theo lịch / scheduled jobs: chưa có, chạy / none yet, run 'hdmonitor run'")
    _mail_status(engine, tz, warnings)
    _distributed_status(settings, engine, tz, warnings)
    seen: set[str] = set()
    for run in failures:
        if run.job_id in seen:
            continue
        seen.add(run.job_id)
        warnings.append(f"việc / job {run.job_id} {run.status} lúc / at {local_time(run.started_at, tz)}: "
                        f"{(run.error or '').splitlines()[0][:300] if run.error else '—'}")
    for warning in warnings:
        console.print(f"  ! {warning}", markup=False)
    return 0


def _live_workers(settings: Any) -> list[str] | None:
    """The workers answering on the broker within a second (None: no broker reachable, or not distributed)."""
    if not settings.database_url.startswith(("postgresql", "postgres")):
        return None
    try:
        import redis

        from pipeline.distributed.app import make_app
    except ImportError:  # pragma: no cover - without the distributed extra
        return None
    try:
        if settings.broker_url.startswith("redis"):
            redis.Redis.from_url(settings.broker_url, socket_connect_timeout=1, socket_timeout=1).ping()
        else:  # RabbitMQ: the port answers, or status does not wait on it
            import socket
            from urllib.parse import urlsplit

            parts = urlsplit(settings.broker_url)
            socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=1).close()
    except (redis.RedisError, OSError):
        return None
    replies = make_app(settings).control.inspect(timeout=1.0).ping() or {}
    return sorted(replies)


def _distributed_status(settings: Any, engine: Any, tz: str, warnings: list[str]) -> None:
    """Live workers on the broker, and tasks that kept failing (dead letters) with their reason."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import DeadLetter

    with session_scope(engine) as session:
        dead = int(session.scalar(select(func.count(DeadLetter.id))) or 0)
        last = list(session.scalars(select(DeadLetter).order_by(DeadLetter.id.desc()).limit(5)))
    workers = _live_workers(settings)
    if workers is not None:
        console.print(f"Worker đang chạy / live workers ({len(workers)}): " + (", ".join(workers) or "—"),
                      markup=False)
    if dead:
        console.print(f"Việc hỏng hẳn / dead-lettered tasks: {dead}", markup=False)
    for row in last:
        warnings.append(f"việc / task {row.task} {row.args} hỏng sau / failed after {row.attempts} lần / attempts "
                        f"lúc / at {local_time(row.at, tz)}: {row.error[:300]}")


def _mail_status(engine: Any, tz: str, warnings: list[str]) -> None:
    """The last weekly digests and the outbox: what went, what waits, what failed and why."""
    from sqlalchemy import select

    from store import outbox
    from store.db import session_scope
    from store.models import DigestRun, OutboxMail

    with session_scope(engine) as session:
        runs = list(session.scalars(select(DigestRun).order_by(DigestRun.week.desc()).limit(4)))
        waiting = outbox.counts(session)
        failed = list(session.scalars(select(OutboxMail).where(OutboxMail.status == "failed")
                                      .order_by(OutboxMail.id.desc()).limit(5)))
        retrying = list(session.scalars(select(OutboxMail).where(OutboxMail.status == "pending",
                                                                 OutboxMail.attempts > 0).limit(5)))
    if runs:
        console.print("Bản tin tuần / weekly digests:")
        for run in runs:
            console.print(f"  {run.week}: {run.status}, gửi / sends {run.sends}, lần thử / attempts {run.attempts}, "
                          f"lúc / at {local_time(run.sent_at or run.claimed_at, tz)}"
                          + (f" — {run.last_error}" if run.last_error else ""), markup=False)
            if run.status == "failed":
                warnings.append(f"bản tin tuần / digest {run.week} chưa gửi được / not sent: {run.last_error}")
    console.print("Thư đi / outbox: " + (json.dumps(waiting) if waiting else "trống / empty"))
    for mail in failed:
        warnings.append(f"thư / mail {mail.key} thất bại / failed after {mail.attempts} attempts: {mail.last_error}")
    for mail in retrying:
        warnings.append(f"thư / mail {mail.key} đang thử lại / retrying ({mail.attempts}): {mail.last_error}")


def register(sub: Any) -> None:
    """Add status."""
    p = add_command(sub, "status", "tình trạng hệ thống / system status")
    p.set_defaults(func=cmd_status)
