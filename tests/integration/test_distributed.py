"""Collection and analysis on Celery workers over the real Redis, sharing the real PostgreSQL: three worker
processes store every article of the fixture web exactly once, a task given twice does its work once, a worker
killed in the middle of a task gives it back and another completes it; SQLite is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from config.settings import load_settings
from pipeline.distributed.app import make_app
from store import repo
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, CrawlRun
from tests.fixtures.daemon import daemon_env, python_cli

BROKER_DB = 11  # a Redis database of its own, emptied before each test
_APPS: list = []  # Celery apps this process made: closed after each test, or kombu's after-fork clean-up
#                   would try to close their broker channels in every process a later test forks


@pytest.fixture(autouse=True)
def _close_apps():  # type: ignore[no-untyped-def]
    yield
    while _APPS:
        app = _APPS.pop()
        app.close()
        from multiprocessing import util

        for key in list(util._afterfork_registry.keys()):
            if getattr(key[2], "__module__", "").startswith("kombu"):
                util._afterfork_registry.pop(key, None)


@pytest.fixture
def broker() -> str:
    url = f"redis://127.0.0.1:6379/{BROKER_DB}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # the machine starts Redis before every session and before CI
        pytest.fail(f"Redis required at {url}: {exc}")
    client.flushdb()
    yield url
    client.flushdb()


def _workers(url: str, broker: str, log: Path, n: int = 3) -> list[subprocess.Popen[str]]:
    env = daemon_env(url, HDM_BROKER_URL=broker, HDM_BROKER_VISIBILITY_SECONDS="60", HDM_TASK_RETRIES="2")
    out = log.open("a")
    return [subprocess.Popen(python_cli("worker", "--concurrency", "1"), env=env, stdout=out,
                             stderr=subprocess.STDOUT, text=True) for _ in range(n)]


def _stop(workers: list[subprocess.Popen[str]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _seeded(pg_url: str, demo_web) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    engine = make_engine(pg_url)
    upgrade(engine)
    configs = [{**site.source_config(demo_web.base_url), "enabled": True} for site in demo_web.sites.values()]
    with session_scope(engine, write=True) as s:
        repo.upsert_sources(s, configs)
    engine.dispose()
    return [c["id"] for c in configs], sum(len(s.articles) for s in demo_web.sites.values())


def _exactly_once(url: str) -> tuple[int, int, int, int]:
    engine = make_engine(url)
    with session_scope(engine) as s:
        out = (int(s.scalar(select(func.count(Article.id))) or 0),
               int(s.scalar(select(func.count(func.distinct(Article.url_hash)))) or 0),
               int(s.scalar(select(func.count(Analysis.id))) or 0),
               int(s.scalar(select(func.count(func.distinct(Analysis.article_id)))) or 0))
    engine.dispose()
    return out


def _app(url: str, broker: str):  # type: ignore[no-untyped-def]
    app = make_app(load_settings().model_copy(update={"database_url": url, "broker_url": broker}))
    _APPS.append(app)
    return app


def test_three_workers_store_everything_once_even_when_every_task_is_given_twice(pg_url, broker, demo_web,
                                                                                  tmp_path):
    sources, expected = _seeded(pg_url, demo_web)
    workers = _workers(pg_url, broker, tmp_path / "workers.log")
    try:
        app = _app(pg_url, broker)
        results = [app.send_task("hdmonitor.collect", args=[sid]) for sid in sources * 2]
        outcomes = [r.get(timeout=300) for r in results]
        shown = subprocess.run(python_cli("status"), env=daemon_env(pg_url, HDM_BROKER_URL=broker),
                               capture_output=True, text=True, timeout=120)
        assert "live workers (3)" in shown.stdout, shown.stdout + shown.stderr
    finally:
        _stop(workers)
    assert all(o["status"] == "ok" for o in outcomes), outcomes
    assert _exactly_once(pg_url) == (expected, expected, expected, expected)
    assert "Traceback" not in (tmp_path / "workers.log").read_text()


def test_a_worker_killed_mid_task_gives_the_task_back(pg_url, broker, demo_web, tmp_path):
    sources, expected = _seeded(pg_url, demo_web)
    workers = _workers(pg_url, broker, tmp_path / "workers.log")
    try:
        app = _app(pg_url, broker)
        results = [app.send_task("hdmonitor.collect", args=[sid]) for sid in sources]
        engine = make_engine(pg_url)
        deadline = time.monotonic() + 120
        victim = None
        while victim is None and time.monotonic() < deadline:  # a crawl has started: kill the process running it
            with session_scope(engine) as s:
                running = s.scalar(select(func.count(CrawlRun.id)).where(CrawlRun.finished_at.is_(None)))
            if running:
                victim = _busy_worker_process()
            time.sleep(0.05)
        engine.dispose()
        assert victim is not None, "no crawl was seen running"
        os.kill(victim, signal.SIGKILL)
        outcomes = [r.get(timeout=300) for r in results]
    finally:
        _stop(workers)
    assert all(o["status"] == "ok" for o in outcomes), outcomes
    assert _exactly_once(pg_url) == (expected, expected, expected, expected)
    log = (tmp_path / "workers.log").read_text()
    assert "signal 9" in log  # the pool saw its process die, and the task went back to the queue


def test_a_whole_worker_killed_mid_task_has_its_task_handed_out_again(pg_url, broker, demo_web, tmp_path):
    """The worker's main process and its pool at once (a machine lost): the broker hands the task out again
    after the visibility timeout, and another worker completes it once."""
    sources, expected = _seeded(pg_url, demo_web)
    env = daemon_env(pg_url, HDM_BROKER_URL=broker, HDM_BROKER_VISIBILITY_SECONDS="30")
    log = tmp_path / "workers.log"
    workers = [subprocess.Popen(python_cli("worker", "--concurrency", "1"), env=env, stdout=log.open("a"),
                                stderr=subprocess.STDOUT, text=True, start_new_session=True) for _ in range(3)]
    try:
        app = _app(pg_url, broker)
        results = [app.send_task("hdmonitor.collect", args=[sid]) for sid in sources]
        deadline = time.monotonic() + 120
        pool = None
        while pool is None and time.monotonic() < deadline:
            pool = _busy_worker_process()
            time.sleep(0.05)
        assert pool is not None, "no crawl was seen running"
        victim = next(w for w in workers if _parent(pool) == w.pid)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker, its pool process and the crawl it started
        victim.wait()
        outcomes = [r.get(timeout=300) for r in results]
    finally:
        _stop(workers)
    assert all(o["status"] == "ok" for o in outcomes), outcomes
    assert _exactly_once(pg_url) == (expected,) * 4


def _parent(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def _busy_worker_process() -> int | None:
    """The pid of a Celery pool process that has a crawl subprocess running (its parent)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            if b"crawlers.run" not in cmdline:
                continue
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        return ppid
    return None


def test_a_task_that_keeps_failing_is_dead_lettered_and_shown(pg_url, broker, demo_web, tmp_path):
    _seeded(pg_url, demo_web)
    env = daemon_env(pg_url, HDM_BROKER_URL=broker, HDM_TASK_RETRIES="1")
    workers = [subprocess.Popen(python_cli("worker", "--concurrency", "1", "--queues", "analyse"), env=env,
                                stdout=(tmp_path / "w.log").open("a"), stderr=subprocess.STDOUT, text=True)]
    try:
        failing = _app(pg_url, broker).send_task("hdmonitor.extract", args=[["not a page id"]])
        with pytest.raises(Exception):  # noqa: B017 - whatever the database says of the bad id
            failing.get(timeout=120)
    finally:
        _stop(workers)
    shown = subprocess.run(python_cli("status"), env=env, capture_output=True, text=True, timeout=120)
    assert "dead-lettered tasks: 1" in shown.stdout and "hdmonitor.extract" in shown.stdout, shown.stdout


def test_run_distributed_schedules_here_and_the_workers_do_the_work(pg_url, broker, demo_web, tmp_path):
    from tests.fixtures.daemon import sources_file

    _, expected = _seeded(pg_url, demo_web)
    workers = _workers(pg_url, broker, tmp_path / "workers.log")
    try:
        done = subprocess.run(python_cli("run", "--once", "--distributed", "--sources",
                                         str(sources_file(demo_web, tmp_path))),
                              env=daemon_env(pg_url, HDM_BROKER_URL=broker), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "enqueued=1" in done.stdout  # each collect job became a task
        deadline = time.monotonic() + 240
        while _exactly_once(pg_url) != (expected,) * 4 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        _stop(workers)
    assert _exactly_once(pg_url) == (expected,) * 4


def _one_host(path: str, base: str) -> tuple[bytes, str]:
    """Two feeds of eight articles each on one host."""
    from tests.fixtures.hostile_web import page, rss

    if path.startswith("/feed-"):
        feed = path[len("/feed-"):-len(".xml")]
        return rss([(f"Bài {feed}-{i} về Hải Dương", f"/{feed}/{i}.html", None, None) for i in range(8)],
                   base), "application/rss+xml"
    if path.endswith(".html"):
        return page(f"Bài {path}", "Tin tức về tỉnh Hải Dương. " * 20).encode("utf-8"), "text/html; charset=utf-8"
    return b"", "text/plain"


def test_two_workers_on_one_host_keep_its_delay_between_them(pg_url, broker, tmp_path):
    from tests.fixtures.tiny_web import TinyWeb

    site = TinyWeb(_one_host)
    engine = make_engine(pg_url)
    upgrade(engine)
    configs = [{"id": f"one-host-{name}", "name": f"Một máy {name}", "kind": "blog", "lang": "vi", "enabled": True,
                "feeds": [f"{site.base}/feed-{name}.xml"]} for name in ("a", "b")]
    with session_scope(engine, write=True) as s:
        repo.upsert_sources(s, configs)
    env = daemon_env(pg_url, HDM_BROKER_URL=broker, HDM_SCRAPY__DOWNLOAD_DELAY="0.3",
                     HDM_SCRAPY__RANDOMIZE_DOWNLOAD_DELAY="false")
    workers = [subprocess.Popen(python_cli("worker", "--concurrency", "1"), env=env,
                                stdout=(tmp_path / "w.log").open("a"), stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    try:
        app = _app(pg_url, broker)
        outcomes = [r.get(timeout=300) for r in [app.send_task("hdmonitor.collect", args=[c["id"]]) for c in configs]]
    finally:
        _stop(workers)
        site.close()
    assert sum(o["new"] for o in outcomes) == 16, outcomes  # (either crawl may extract the other's pages)
    with session_scope(engine) as s:
        runs = sorted((r.started_at, r.finished_at) for r in s.scalars(select(CrawlRun)))
    engine.dispose()
    assert runs[1][0] < runs[0][1], runs  # the two crawls ran at the same time
    gaps = [b - a for a, b in zip(sorted(site.times), sorted(site.times)[1:], strict=False)]
    assert len(site.times) >= 18 and min(gaps) >= 0.25, sorted(round(g, 3) for g in gaps)[:5]


def _redis_server(port: int, directory: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                               "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("redis-server did not start")


def test_redis_gone_for_a_while_then_everything_resumes_with_nothing_lost(pg_url, demo_web, tmp_path):
    import shutil

    from tests.conftest import free_port

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed (Debian package redis-server)")
    sources, expected = _seeded(pg_url, demo_web)
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    server = _redis_server(port, tmp_path)
    env = daemon_env(pg_url, HDM_BROKER_URL=broker, HDM_BROKER_VISIBILITY_SECONDS="30")
    log = tmp_path / "workers.log"
    workers = [subprocess.Popen(python_cli("worker", "--concurrency", "1"), env=env, stdout=log.open("a"),
                                stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    try:
        app = _app(pg_url, broker)
        for sid in sources:
            app.send_task("hdmonitor.collect", args=[sid])
        time.sleep(1.0)
        server.terminate()  # the broker goes away with the tasks taken and in progress
        server.wait(30)
        time.sleep(6)
        server = _redis_server(port, tmp_path)  # back, with what it had written to its log
        deadline = time.monotonic() + 240
        while _exactly_once(pg_url) != (expected,) * 4 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert all(w.poll() is None for w in workers), log.read_text()[-3000:]
    finally:
        _stop(workers)
        server.terminate()
        server.wait(30)
    assert _exactly_once(pg_url) == (expected,) * 4, log.read_text()[-3000:]


def test_rabbitmq_works_too(pg_url, demo_web, tmp_path):
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672 (Redis is the default broker; RabbitMQ is optional)")
    sources, expected = _seeded(pg_url, demo_web)
    broker = "amqp://guest:guest@127.0.0.1:5672//"
    workers = _workers(pg_url, broker, tmp_path / "workers.log", n=2)
    try:
        app = _app(pg_url, broker)
        outcomes = [r.get(timeout=300) for r in [app.send_task("hdmonitor.collect", args=[sid]) for sid in sources]]
    finally:
        _stop(workers)
    assert all(o["status"] == "ok" for o in outcomes), outcomes
    assert _exactly_once(pg_url) == (expected,) * 4


def test_sqlite_is_refused(sqlite_url):
    env = daemon_env(sqlite_url)
    for command in (python_cli("worker"), python_cli("run", "--once", "--distributed")):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "PostgreSQL" in done.stderr and "Traceback" not in done.stderr
