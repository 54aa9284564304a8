"""The daemon under faults: killed at random, started twice, frozen past its schedule, its database
locked or gone for a while. Every outcome is asserted; every wait is bounded."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select, update

from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, JobRun, Page, Quarantine, Source
from tests.conftest import free_port
from tests.fixtures.daemon import counts, daemon_env, job_runs, python_cli, run_cli, sources_file
from tests.fixtures.tcp_proxy import TcpProxy

KILL_ROUNDS = 20
FAST = {"HDM_ANALYSE_INTERVAL_SECONDS": "1"}


def _start(url: str, sources: Path, log: Path, **env: str) -> subprocess.Popen[str]:
    with log.open("a") as out:
        return subprocess.Popen(python_cli("run", "--sources", str(sources)), env=daemon_env(url, **env),
                                stdout=out, stderr=subprocess.STDOUT, text=True)


def _stop(daemon: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 120) -> int:
    if daemon.poll() is None:
        daemon.send_signal(sig)
    try:
        return daemon.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()
        return -999  # did not stop in time


def _wait(condition, timeout: float, what: str, step: float = 0.3,  # type: ignore[no-untyped-def]
          log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    tail = f"\n--- the daemon's log, last lines ---\n{log.read_text()[-6000:]}" if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{tail}")


def _exactly_once(url: str, expected: int) -> None:
    engine = make_engine(url)
    with session_scope(engine) as s:
        articles = int(s.scalar(select(func.count(Article.id))) or 0)
        distinct_urls = int(s.scalar(select(func.count(func.distinct(Article.announced_hash)))) or 0)
        analyses = int(s.scalar(select(func.count(Analysis.id))) or 0)
        analysed_articles = int(s.scalar(select(func.count(func.distinct(Analysis.article_id)))) or 0)
        queued = int(s.scalar(select(func.count(Page.id))) or 0)
        waiting = int(s.scalar(select(func.count(Article.id)).where(Article.status == "new")) or 0)
        reasons = list(s.scalars(select(Quarantine.reason)))
    engine.dispose()
    assert (articles, distinct_urls) == (expected, expected)
    assert (analyses, analysed_articles) == (expected, expected)  # each analysed once
    assert (queued, waiting) == (0, 0)
    assert not [r for r in reasons if "locked" in r.lower() or "unavailable" in r.lower()], reasons


def _make_due(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine, write=True) as s:
        s.execute(update(Source).values(next_due_at=None))
    engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sigkill_at_random_moments_loses_and_doubles_nothing(database, request, tmp_path, demo_web):
    url = f"sqlite:///{tmp_path / 'hdm.db'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    sources = sources_file(demo_web, tmp_path)
    log = tmp_path / "daemon.log"
    rng = random.Random(20261204)
    at_kill: list[tuple[int, int]] = []  # (stored, analysed) when each kill landed
    for round_ in range(KILL_ROUNDS):
        if round_ % 2 == 0:
            _make_due(url)  # every other round starts with collection due, the others with analysis first
        daemon = _start(url, sources, log, **FAST)
        time.sleep(rng.uniform(1.5, 10.0))  # start-up takes one to two seconds
        daemon.kill()  # SIGKILL: no clean-up of any kind
        daemon.wait()
        at_kill.append(counts(url))
    cut_short = Counter(r.job_id.split(":")[0] for r in job_runs(url) if r.status in ("running", "interrupted"))
    # the kills landed in the middle of collecting (crawl, extraction and analysis of what is new), with part
    # of the fixture web stored and part not
    assert cut_short["collect"] >= 3, cut_short
    assert any(0 < stored < expected for stored, _ in at_kill), at_kill
    final = run_cli(url, "--once", "--sources", str(sources), timeout=600)
    assert final.returncode == 0, final.stdout + final.stderr
    _exactly_once(url, expected)
    runs = job_runs(url)
    assert not [r for r in runs if r.status == "running"]  # every run cut short is marked interrupted
    assert "Traceback" not in log.read_text() + final.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_daemons_started_together_exactly_one_runs(database, request, tmp_path, demo_web):
    url = f"sqlite:///{tmp_path / 'hdm.db'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    upgrade(make_engine(url))  # both start on an initialised database, as under systemd
    sources = sources_file(demo_web, tmp_path)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    daemons = [_start(url, sources, log) for log in logs]
    try:
        _wait(lambda: any(d.poll() is not None for d in daemons), 120, "one daemon to give way")
        time.sleep(2)
        exited = [d for d in daemons if d.poll() is not None]
        running = [d for d in daemons if d.poll() is None]
        assert len(exited) == 1 and len(running) == 1
        assert exited[0].returncode == 3
        refused = logs[daemons.index(exited[0])].read_text()
        assert "already running on this database" in refused and "Traceback" not in refused
    finally:
        codes = [_stop(d) for d in daemons]
    assert codes[daemons.index(running[0])] == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_frozen_daemon_catches_up_once_per_job(database, request, tmp_path, demo_web):
    """SIGSTOP for several intervals looks to the scheduler like a clock jump: one catch-up run, not one per
    missed interval. Then two days of downtime: each job runs once on start."""
    url = f"sqlite:///{tmp_path / 'hdm.db'}" if database == "sqlite" else request.getfixturevalue("pg_url")
    sources = sources_file(demo_web, tmp_path)
    log = tmp_path / "daemon.log"
    daemon = _start(url, sources, log, HDM_ANALYSE_INTERVAL_SECONDS="2")
    try:
        _wait(lambda: {"housekeeping", "analyse"} <= {r.job_id for r in job_runs(url) if r.finished_at},
              240, "the first runs of every job")
        _wait(lambda: len([r for r in job_runs(url) if r.job_id == "analyse"]) >= 3, 60, "analyse runs")
        daemon.send_signal(signal.SIGSTOP)
        time.sleep(20)  # ten analyse intervals missed
        before = len([r for r in job_runs(url) if r.job_id == "analyse"])
        resumed = time.time()
        daemon.send_signal(signal.SIGCONT)
        _wait(lambda: len([r for r in job_runs(url) if r.job_id == "analyse"]) > before, 60, "the catch-up run")
        time.sleep(5)
        # in the 5 s after the catch-up run the 2 s grid allows at most three regular runs; ten missed runs
        # replayed one after another would give ten or more
        after = [r for r in job_runs(url) if r.job_id == "analyse"][before:]
        assert after[0].started_at.timestamp() >= resumed - 0.5
        window_end = after[0].started_at.timestamp() + 5
        assert 1 <= len([r for r in after if r.started_at.timestamp() < window_end]) <= 4, \
            [r.started_at for r in after]
    finally:
        assert _stop(daemon) == 0, log.read_text()[-3000:]
    # the server was off for two days: every job is due, and each runs once when it starts again
    engine = make_engine(url)
    two_days = timedelta(days=2)
    with session_scope(engine, write=True) as s:
        for run in s.scalars(select(JobRun)):
            run.started_at -= two_days
        for source in s.scalars(select(Source)):
            source.next_due_at = source.next_due_at - two_days if source.next_due_at else None
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE scheduler_jobs SET next_run_time = next_run_time - 172800")
        conn.commit()
    engine.dispose()
    started = len(job_runs(url))
    daemon = _start(url, sources, log, HDM_ANALYSE_INTERVAL_SECONDS="3600")
    try:
        expected_jobs = {"analyse", "mail", "health", "recheck", "housekeeping"} | {
            f"collect:{s['id']}" for s in yaml.safe_load(sources.read_text(encoding="utf-8"))["sources"]}
        _wait(lambda: {r.job_id for r in job_runs(url)[started:] if r.finished_at} >= expected_jobs, 240,
              "the catch-up runs")
        time.sleep(3)
    finally:
        assert _stop(daemon) == 0
    catch_up = Counter(r.job_id for r in job_runs(url)[started:])
    assert set(catch_up) == expected_jobs and set(catch_up.values()) == {1}, catch_up


def test_sqlite_locked_by_another_writer_is_waited_out(sqlite_url, tmp_path, demo_web):
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    upgrade(make_engine(sqlite_url))
    path = sqlite_url.split("///", 1)[1]
    held = []

    def other_writer() -> None:  # e.g. a person's sqlite3 shell in the middle of an edit, twice
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        for pause in (2.0, 3.0):
            time.sleep(pause)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE sources SET name = name")
            held.append(time.monotonic())
            time.sleep(5)  # five times the busy timeout below
            conn.execute("COMMIT")
        conn.close()

    writer = threading.Thread(target=other_writer, daemon=True)
    writer.start()
    try:
        result = run_cli(sqlite_url, "--once", "--sources", str(sources_file(demo_web, tmp_path)), timeout=900,
                         HDM_SQLITE_BUSY_MS="1000")
    finally:
        writer.join(timeout=60)
    assert len(held) == 2  # the lock was held twice while the daemon worked
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "database is locked" not in output and "lỗi / error" not in output
    assert "another process is writing" in output  # the waits are logged, in words a person understands
    _exactly_once(sqlite_url, expected)
    assert {r.status for r in job_runs(sqlite_url)} == {"ok"}


@pytest.mark.postgres
def test_postgresql_gone_for_a_while_is_waited_out(pg_url, tmp_path, demo_web):
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    port = free_port()
    proxied = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    assert proxied != pg_url
    upgrade(make_engine(pg_url))
    sources = sources_file(demo_web, tmp_path)
    log = tmp_path / "daemon.log"
    metrics = f"127.0.0.1:{free_port()}"
    with TcpProxy(("127.0.0.1", 5432), port) as proxy:
        daemon = _start(proxied, sources, log, HDM_METRICS_ADDRESS=metrics, **FAST)
        try:
            _wait(lambda: any(r.job_id.startswith("collect:") for r in job_runs(pg_url)), 120, "the first collect")
            time.sleep(1.0)
            proxy.cut()  # a restart of the server, a network cut: connections dropped, new ones refused
            health = httpx.get(f"http://{metrics}/healthz", timeout=30)
            assert health.status_code == 503 and "unavailable" in health.json()["database"]
            status = subprocess.run(python_cli("status"), env=daemon_env(proxied), capture_output=True, text=True,
                                    timeout=120)
            assert status.returncode != 0 and "cannot connect to database" in status.stderr
            time.sleep(8)
            assert daemon.poll() is None, log.read_text()[-3000:]
            proxy.restore()
            _wait(lambda: counts(pg_url) == (expected, expected), 300, "everything stored and analysed", log=log)
            _wait(lambda: httpx.get(f"http://{metrics}/healthz", timeout=30).status_code == 200, 60, "healthy")
        finally:
            code = _stop(daemon)
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "database unavailable" in text  # the daemon said what it was waiting for
    _exactly_once(pg_url, expected)
    waited = [r for r in job_runs(pg_url) if (r.summary or {}).get("waited_for_database_s")]
    assert waited, "a job records how long it waited for the database"
    status = subprocess.run(python_cli("status"), env=daemon_env(pg_url), capture_output=True, text=True,
                            timeout=120)
    assert status.returncode == 0 and "waited_for_database_s=" in status.stdout, status.stdout


def test_hanging_failing_and_silent_sources_leave_the_others_alone(sqlite_url, tmp_path, demo_web):
    from tests.fixtures.hostile_web import HostileWeb

    expected = sum(len(s.articles) for s in demo_web.sites.values())
    with HostileWeb() as web:
        bad = [
            {"id": "hangs", "name": "Treo / hangs", "kind": "blog", "lang": "vi", "enabled": True,
             "interval_minutes": 60, "feeds": [f"{web.base}/daemon/hang.rss"]},
            {"id": "fails", "name": "Lỗi / fails", "kind": "blog", "lang": "vi", "enabled": True,
             "interval_minutes": 60, "feeds": [f"{web.base}/daemon/fail.rss"]},
            {"id": "silent", "name": "Im lặng / silent", "kind": "blog", "lang": "vi", "enabled": True,
             "interval_minutes": 60, "feeds": [f"{web.base}/daemon/quiet.rss"]},
        ]
        sources = sources_file(demo_web, tmp_path, bad)
        env = {"HDM_CRAWL_TIMEOUT_SECONDS": "10", "HDM_SCRAPY__DOWNLOAD_TIMEOUT": "600",
               "HDM_SCRAPY__RETRY_TIMES": "0"}
        first = run_cli(sqlite_url, "--once", "--sources", str(sources), timeout=600, **env)
        assert first.returncode == 1, first.stdout + first.stderr  # some jobs failed, and it says so
        assert counts(sqlite_url) == (expected + 1, expected + 1)  # the others are unaffected
        runs = {r.job_id: r for r in job_runs(sqlite_url)}
        assert runs["collect:hangs"].status == "failed" and "timeout" in (runs["collect:hangs"].error or "")
        assert runs["collect:fails"].status == "failed"
        assert runs["collect:silent"].status == "ok"
        engine = make_engine(sqlite_url)
        with session_scope(engine) as s:
            rows = {r.id: r for r in s.scalars(select(Source))}
            # a hung crawl costs at most one skipped run; the failing source backs off
            assert rows["hangs"].current_interval_minutes == 120
            assert rows["fails"].current_interval_minutes == 120
        for _ in range(2):  # two more failures in a row: the source counts as failing
            with session_scope(engine, write=True) as s:
                s.execute(update(Source).where(Source.id == "fails").values(next_due_at=None))
            again = run_cli(sqlite_url, "--once", "--sources", str(sources), timeout=600, **env)
            assert "job=collect:fails status=failed" in again.stdout
            assert "job=collect:hangs" not in again.stdout  # not due: it backs off
        with session_scope(engine, write=True) as s:
            assert s.get(Source, "fails").current_interval_minutes == 480  # 60 × 2³
            # the silent source has published nothing for forty days; the health check is due
            silence = timedelta(days=40)
            silent = s.get(Source, "silent")
            silent.created_at -= silence
            silent.last_new_at -= silence
            for article in s.scalars(select(Article).where(Article.source_id == "silent")):
                article.fetched_at -= silence
            for run in s.scalars(select(JobRun).where(JobRun.job_id == "health")):
                run.started_at -= silence
        engine.dispose()
        last = run_cli(sqlite_url, "--once", "--sources", str(sources), timeout=600, **env)
    health = [r for r in job_runs(sqlite_url) if r.job_id == "health"][-1]
    assert health.summary.get("stale") == ["silent"] and health.summary.get("failing") == ["fails"]
    assert "source silent: stale" in last.stderr and "source fails: failing" in last.stderr
    status = subprocess.run(python_cli("status"), env=daemon_env(sqlite_url), capture_output=True, text=True,
                            timeout=120)
    assert "nguồn / source silent: stale" in status.stdout and "nguồn / source fails: failing" in status.stdout
    assert counts(sqlite_url) == (expected + 1, expected + 1)
    assert os.path.exists(sqlite_url.split("///", 1)[1])
