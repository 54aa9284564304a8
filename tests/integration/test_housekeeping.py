"""Housekeeping forgets what is past retention and never the office's record."""

import os
import time
from datetime import timedelta

from sqlalchemy import func, select

from pipeline.collect import log_dir
from pipeline.daemon.housekeeping import housekeeping
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, JobRun, Quarantine, Source, utcnow
from tests.conftest import test_settings


def test_old_job_runs_quarantine_and_logs_go_articles_stay(db_url, tmp_path):
    settings = test_settings(db_url).model_copy(update={"keep_days": 30})
    engine = make_engine(db_url)
    upgrade(engine)
    old, recent = utcnow() - timedelta(days=31), utcnow() - timedelta(days=29)
    with session_scope(engine, write=True) as s:
        s.add(Source(id="s", name="S", kind="domestic", lang="vi", config={}))
        s.flush()
        s.add_all([JobRun(job_id="analyse", started_at=old, status="ok", summary={}),
                   JobRun(job_id="analyse", started_at=recent, status="ok", summary={}),
                   Quarantine(at=old, url="http://x/1", reason="HTTP 404"),
                   Quarantine(at=recent, url="http://x/2", reason="HTTP 404"),
                   Article(source_id="s", url="http://x/a", canonical_url="http://x/a", url_hash="a" * 64,
                           title="Tin cũ", text="Nội dung", content_hash="c" * 64, fetched_at=old)])
    logs = log_dir(settings)
    stale, fresh = logs / "crawl-old.log", logs / "crawl-new.log"
    for path in (stale, fresh):
        path.write_text("log\n")
    os.utime(stale, (time.time() - 31 * 86400,) * 2)
    try:
        summary = housekeeping(settings, engine)
        assert summary["job_runs_removed"] == 1 and summary["quarantine_removed"] == 1
        assert summary["logs_removed"] >= 1 and not stale.exists() and fresh.exists()
    finally:
        fresh.unlink(missing_ok=True)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(JobRun.id))) == 1
        assert s.scalar(select(func.count(Quarantine.id))) == 1
        assert s.scalar(select(func.count(Article.id))) == 1  # the record is never deleted
    engine.dispose()
