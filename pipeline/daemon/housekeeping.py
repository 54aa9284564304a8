"""Retention and database upkeep, once a day: what the daemon must not let grow for months.

Articles, analyses, cases, snapshots and audit events are the office's record and are never deleted
here. What goes after HDM_KEEP_DAYS: the daemon's job runs, quarantine rows (pages that could not
become articles) and the crawl subprocesses' log files. Then SQLite's write-ahead log is folded back
into the database and its query planner statistics refreshed (PostgreSQL: ANALYZE; autovacuum does
the rest).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.collect import log_dir
from store.db import session_scope
from store.jobs import delete_runs_before
from store.models import Quarantine, utcnow

logger = logging.getLogger(__name__)


def old_logs(directory: Path, before: float) -> list[Path]:
    """Crawl log files last written before a Unix time."""
    if not directory.is_dir():
        return []
    return [p for p in directory.glob("*.log") if p.is_file() and p.stat().st_mtime < before]


def housekeeping(settings: Settings, engine: Engine) -> dict[str, Any]:
    """Forget what is past retention, tidy the database; a summary of what was done."""
    cutoff = utcnow() - timedelta(days=settings.keep_days)
    with session_scope(engine, write=True) as session:
        runs = delete_runs_before(session, cutoff)
        quarantined = session.execute(delete(Quarantine).where(Quarantine.at < cutoff))
        quarantine_rows = int(getattr(quarantined, "rowcount", 0) or 0)
    logs = 0
    for path in old_logs(log_dir(settings), time.time() - settings.keep_days * 86400):
        try:
            path.unlink()
            logs += 1
        except OSError as exc:
            logger.warning("cannot remove old crawl log %s: %s", path, exc)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("PRAGMA optimize")
    else:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    summary = {"job_runs_removed": runs, "quarantine_removed": quarantine_rows, "logs_removed": logs}
    logger.info("housekeeping: %s", summary)
    return summary
