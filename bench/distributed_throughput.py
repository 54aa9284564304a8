"""Distributed collection: articles/s with 1, 2 and 3 `hdmonitor worker` processes on this machine, and the
request rate one host sees, with and without a politeness delay.

    .venv/bin/python -m bench.distributed_throughput [--pages 1000] [--feeds 20] [--workers 1 2 3]
        [--delay-runs 0.05]

Serves the VNTC farm (bench.vntc_farm: real article text in real page boilerplate behind RSS feeds, all on
one host), one source per feed, on a fresh PostgreSQL schema per run and the local Redis (database 12,
emptied first). Each run starts the workers, sends one collect task per source (crawl, extraction and
analysis in the worker) and times until every result is in. Prints one JSON line per run: workers, delay,
wall seconds, articles stored and analysed, articles/s, requests/s seen by the host (feeds and pages over the
wall time), and the speed-up against one worker. With a delay (`--delay-runs`), the shared politeness key
caps the host at one request per delay whatever the number of workers.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import redis
from sqlalchemy import create_engine, func, select, text

from bench.vntc_farm import VntcFarm
from config import load_settings
from pipeline.collect import subprocess_env
from pipeline.distributed.app import make_app
from store import repo
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article

PG = os.environ.get("HDM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BROKER = "redis://127.0.0.1:6379/12"


def _schema() -> tuple[str, str]:
    name = f"bench_dist_{uuid.uuid4().hex[:8]}"
    with create_engine(PG).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    return name, f"{PG}?options=-csearch_path%3D{name}"


def _drop(name: str) -> None:
    with create_engine(PG).begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


def run(farm: VntcFarm, workers: int, delay: float) -> dict[str, Any]:
    """One timed collection of every feed by `workers` worker processes."""
    redis.Redis.from_url(BROKER).flushdb()
    schema, url = _schema()
    engine = make_engine(url)
    upgrade(engine)
    sources = [{"id": f"feed-{i}", "name": f"feed {i}", "kind": "domestic", "lang": "vi", "enabled": True,
                "feeds": [feed]} for i, feed in enumerate(farm.feed_urls)]
    with session_scope(engine, write=True) as session:
        repo.upsert_sources(session, sources)
    env = dict(subprocess_env(), HDM_DATABASE_URL=url, HDM_BROKER_URL=BROKER, HDM_ALLOW_PRIVATE_HOSTS="true",
               HDM_SCRAPY__DOWNLOAD_DELAY=str(delay), HDM_SCRAPY__AUTOTHROTTLE_ENABLED="false",
               HDM_SCRAPY__RANDOMIZE_DOWNLOAD_DELAY="false", HDM_SCRAPY__CONCURRENT_REQUESTS_PER_DOMAIN="8")
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline.cli", "worker", "--concurrency", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        app = make_app(load_settings().model_copy(update={"database_url": url, "broker_url": BROKER}))
        app.control.inspect(timeout=5).ping()  # the workers are up before the clock starts
        time.sleep(3)
        started = time.perf_counter()
        results = [app.send_task("hdmonitor.collect", args=[s["id"]]) for s in sources]
        for result in results:
            result.get(timeout=3600)
        wall = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(120)
    with session_scope(engine) as session:
        stored = int(session.scalar(select(func.count(Article.id))) or 0)
        analysed = int(session.scalar(select(func.count(func.distinct(Analysis.article_id)))) or 0)
    engine.dispose()
    _drop(schema)
    requests = len(farm.pages) + len(farm.feed_urls)
    return {"bench": "distributed_throughput", "workers": workers, "delay_s": delay, "wall_s": round(wall, 1),
            "stored": stored, "analysed": analysed, "articles_per_s": round(analysed / wall, 1),
            "host_requests_per_s": round(requests / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--delay-runs", type=float, default=0.05, help="a politeness delay for a second series "
                                                                        "(0: none)")
    args = parser.parse_args()
    with VntcFarm(args.pages, args.feeds, 0.01) as farm:
        first: float | None = None
        for n in args.workers:
            row = run(farm, n, 0.0)
            first = first or row["articles_per_s"]
            row["speed_up"] = round(row["articles_per_s"] / first, 2)
            print(json.dumps(row), flush=True)
        if args.delay_runs > 0:
            for n in (min(args.workers), max(args.workers)):
                row = run(farm, n, args.delay_runs)
                row["host_cap_per_s"] = round(1 / args.delay_runs, 1)
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
