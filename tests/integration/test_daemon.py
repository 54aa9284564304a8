"""`hdmonitor run`: every due job once, one daemon per database, a clean stop on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import inspect, select, text

from pipeline.daemon.lock import DaemonLock
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Source
from tests.conftest import free_port
from tests.fixtures.daemon import counts, daemon_env, finished_jobs, run_cli, sources_file


def test_run_once_collects_and_analyses_every_due_source_then_nothing_is_due(db_url, demo_web, tmp_path):
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    sources = sources_file(demo_web, tmp_path)
    first = run_cli(db_url, "--once", "--sources", str(sources))
    assert first.returncode == 0, first.stderr
    assert counts(db_url) == (expected, expected)
    assert first.stdout.count("job=collect:") == len(demo_web.sites)
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        assert all(src.next_due_at is not None for src in s.scalars(select(Source).where(Source.enabled)))
    second = run_cli(db_url, "--once", "--sources", str(sources))  # nothing is due yet: nothing is collected
    assert second.returncode == 0, second.stderr
    assert "job=collect:" not in second.stdout and "job=analyse" in second.stdout
    assert counts(db_url) == (expected, expected)


def test_a_second_daemon_on_the_same_database_refuses_to_start(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sqlite_path = Path(db_url.split("///", 1)[1]) if db_url.startswith("sqlite") else None
    with DaemonLock(engine, sqlite_path):
        second = run_cli(db_url, "--once", timeout=120)
    assert second.returncode == 3
    assert "another 'hdmonitor run' is already running on this database" in second.stderr
    assert "Traceback" not in second.stderr
    again = run_cli(db_url, "--once", timeout=300)  # the lock is released with its holder
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_daemon_collects_on_start_and_stops_cleanly(sqlite_url, demo_web, tmp_path, stop):
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    sources = sources_file(demo_web, tmp_path)
    log = tmp_path / "daemon.log"
    address = f"127.0.0.1:{free_port()}"
    with log.open("w") as out:
        daemon = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--sources", str(sources)],
                                  env=daemon_env(sqlite_url, address), stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and daemon.poll() is None:
            # every article in, and every collect job ended: the metrics are counted when a job returns,
            # which can be a moment after its last article was analysed
            collects = {f"collect:{site.id}" for site in demo_web.sites.values()}
            if os.path.exists(sqlite_url.split("///", 1)[1]) and counts(sqlite_url) == (expected, expected) \
                    and {"housekeeping", *collects} <= set(finished_jobs(sqlite_url)):
                break
            time.sleep(0.5)
        assert daemon.poll() is None, log.read_text()
        assert counts(sqlite_url) == (expected, expected), log.read_text()
        health = httpx.get(f"http://{address}/healthz", timeout=30)
        assert health.status_code == 200 and health.json()["database"] == "ok", health.text
        metrics = httpx.get(f"http://{address}/metrics", timeout=30).text
        assert 'hdm_queue_size{queue="new_articles"} 0.0' in metrics
        assert f"hdm_articles_analysed_total {float(expected)}" in metrics
        assert 'hdm_job_duration_seconds_count{job="collect"} 3.0' in metrics
        daemon.send_signal(stop)
        daemon.wait(timeout=120)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, log.read_text()
    engine = make_engine(sqlite_url)
    assert inspect(engine).has_table("scheduler_jobs")
    with engine.connect() as conn:
        jobs = set(conn.execute(text("SELECT id FROM scheduler_jobs")).scalars())
    daily = {"health", "recheck", "housekeeping"}
    assert jobs == {"analyse", "mail"} | daily | {f"collect:{s['id']}"
                                                  for s in yaml.safe_load(sources.read_text())["sources"]}
    assert set(finished_jobs(sqlite_url)) == jobs  # every job ran on start, and its run was recorded
    status = subprocess.run([sys.executable, "-m", "pipeline.cli", "status"], env=daemon_env(sqlite_url),
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert all(f"  {job}: " in status.stdout for job in jobs), status.stdout
    for line in [ln for ln in status.stdout.splitlines() if ln.startswith("  collect:")]:
        assert " ok " in line and "new=" in line, line  # last run: result, duration, what it did
    assert "0 trang chờ trích xuất / pages to extract, 0 bài chờ phân tích / articles to analyse" in status.stdout
    assert "Mô hình / model: —" not in status.stdout and " ! " not in status.stdout
