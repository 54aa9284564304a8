"""Repository functions for the daemon's job runs (session first, never commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import JobRun, utcnow


def start_job_run(session: Session, job_id: str) -> int:
    """A new run of a job, status running; its id."""
    run = JobRun(job_id=job_id, started_at=utcnow(), status="running", summary={})
    session.add(run)
    session.flush()
    return int(run.id)


def finish_job_run(session: Session, run_id: int, status: str, duration_s: float, summary: dict[str, Any],
                   error: str | None = None) -> None:
    """Record how a run ended."""
    session.execute(update(JobRun).where(JobRun.id == run_id).values(
        finished_at=utcnow(), status=status, duration_s=round(duration_s, 3), summary=summary,
        error=(error or None) and error[:2000]))


def interrupt_running(session: Session) -> int:
    """Runs still marked running when a daemon starts were cut short (killed, power lost): say so."""
    result = session.execute(update(JobRun).where(JobRun.status == "running").values(
        status="interrupted", finished_at=utcnow(),
        error="tiến trình bị dừng giữa chừng / the daemon stopped during this run"))
    return int(getattr(result, "rowcount", 0) or 0)


def last_runs(session: Session) -> dict[str, JobRun]:
    """The latest run of every job id."""
    latest = (select(JobRun.job_id, func.max(JobRun.id).label("id")).group_by(JobRun.job_id).subquery())
    rows = session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id).order_by(JobRun.job_id))
    return {r.job_id: r for r in rows}


def recent_failures(session: Session, since: datetime) -> list[JobRun]:
    """Runs since a moment that failed or were interrupted, newest first."""
    return list(session.scalars(select(JobRun).where(JobRun.started_at >= since,
                                                     JobRun.status.in_(("failed", "interrupted")))
                                .order_by(JobRun.id.desc())))


def delete_runs_before(session: Session, before: datetime) -> int:
    """Forget runs older than a moment (housekeeping); how many."""
    result = session.execute(delete(JobRun).where(JobRun.started_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
