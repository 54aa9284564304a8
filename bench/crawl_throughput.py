"""Collect throughput: bare Scrapy vs the project's crawl, extraction, analysis and end to end, in one run.

    .venv/bin/python -m bench.crawl_throughput [--pages 2000] [--feeds 20] [--province-share 0.01]
        [--database sqlite|postgresql] [--workers N] [--server auto|nginx|python]

Serves real VNTC article texts in real page boilerplate behind RSS feeds (bench.vntc_farm; nginx when
installed), then on a fresh database each time:
1. bare Scrapy fetches the feeds and every page and drops them (the baseline);
2. "staged": the project's crawl with extraction workers, then the analysis as a second pass on the
   same worker pool, so crawl and analysis are timed apart;
3. "pipelined": what `hdmonitor demo` and the daemon do, crawl + extraction + analysis at once: the
   end-to-end articles/s.
Prints one JSON line per measurement: wall seconds, pages or articles per second, CPU ms per page
(all processes, and the crawl process, the workers and the coordinator apart), peak memory (MB) of
the crawl process (read while it runs), of the largest worker (forked: the pages it shares with the
coordinator count) and of the coordinator (with the models loaded once for the forked workers).
`--province-share 1` makes every article about the province, so every one runs the models.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench.vntc_farm import VntcFarm
from config import load_settings
from config.settings import Settings
from pipeline.collect import crawl, subprocess_env
from pipeline.workers import WorkPool
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article

PG = os.environ.get("HDM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _cpu() -> float:
    """CPU seconds of this process and every child it has waited for."""
    return _own_cpu() + _children_cpu()


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _emit(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


class Database:
    """A fresh SQLite file or PostgreSQL schema per measurement, removed afterwards."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind, self.tmp, self.schema = kind, tmp, ""

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        self.schema = f"hdm_bench_{uuid.uuid4().hex[:8]}"
        with create_engine(PG).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        return f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc: object) -> None:
        if self.schema:
            with create_engine(PG).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))


def _settings(url: str, workers: int | None) -> Settings:
    settings = load_settings(database_url=url)
    scrapy = {**settings.scrapy, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
              "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "ERROR"}
    return settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy, "crawl_timeout_seconds": 3600,
                                       "workers": workers})


def _counts(engine: Any) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        stored = int(session.scalar(select(func.count(Article.id))) or 0)
        analysed = int(session.scalar(select(func.count(Analysis.id))) or 0)
        flagged = int(session.scalar(select(func.count(Analysis.id)).where(Analysis.flagged)) or 0)
    return stored, analysed, flagged


def bare(farm: VntcFarm) -> float:
    """The baseline crawl; returns its wall seconds."""
    cpu0, t0 = _cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bench.bare_feed_spider", *farm.feed_urls], check=True,
                         env=subprocess_env(), capture_output=True, text=True).stdout
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    pages = json.loads(out.strip().splitlines()[-1])["pages"]
    _emit(bench="crawl_bare_scrapy", pages=pages, wall_s=round(wall, 2), pages_per_s=round(pages / wall, 1),
          cpu_ms_per_page=round(1000 * cpu / max(pages, 1), 2))
    return wall


def staged(farm: VntcFarm, url: str, workers: int | None, bare_wall: float, label: str) -> None:
    """Crawl (with extraction workers), then analysis on the same pool: timed apart."""
    settings = _settings(url, workers)
    engine = make_engine(url)
    upgrade(engine)
    source = {"id": "bench", "name": "bench", "kind": "domestic", "lang": "vi", "feeds": farm.feed_urls}
    own0, cpu0, t0 = _own_cpu(), _cpu(), time.perf_counter()
    report = crawl(settings, engine, [source])
    crawl_wall, crawl_cpu, own = time.perf_counter() - t0, _cpu() - cpu0, _own_cpu() - own0
    stored, _, _ = _counts(engine)
    _emit(bench=f"crawl_project{label}", pages=len(farm.pages), stored=stored, status=report.status,
          crawl_process_s=round(report.usage.wall_s, 2), crawl_and_extract_s=round(crawl_wall, 2),
          pages_per_s=round(len(farm.pages) / crawl_wall, 1),
          crawl_over_bare=round(crawl_wall / bare_wall, 2),
          crawl_process_over_bare=round(report.usage.wall_s / bare_wall, 2),
          cpu_ms_per_page=round(1000 * crawl_cpu / len(farm.pages), 2),
          crawl_process_cpu_ms_per_page=round(1000 * report.usage.cpu_s / len(farm.pages), 2),
          workers_cpu_ms_per_page=round(1000 * (crawl_cpu - own - report.usage.cpu_s) / len(farm.pages), 2),
          coordinator_cpu_ms_per_page=round(1000 * own / len(farm.pages), 2),
          crawl_process_peak_rss_mb=round(report.usage.peak_rss_mb, 1),
          errors=report.work.errors, problems=report.work.problems[:3])
    cpu0, t0 = _cpu(), time.perf_counter()
    with WorkPool(settings, analyse=True) as pool:
        done = pool.analyse_waiting(engine, settings.analyse_batch_size)
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    _emit(bench=f"analyse{label}", articles=done.analysed, flagged=done.flagged, failed=done.failed,
          wall_s=round(wall, 2), articles_per_s=round(done.analysed / wall, 1),
          cpu_ms_per_article=round(1000 * cpu / max(done.analysed, 1), 2))
    _emit(bench=f"staged_end_to_end{label}", articles=done.analysed, wall_s=round(crawl_wall + wall, 2),
          articles_per_s=round(done.analysed / (crawl_wall + wall), 1))
    engine.dispose()


def pipelined(farm: VntcFarm, url: str, workers: int | None, label: str) -> None:
    """Crawl, extraction and analysis at once, as the demo and the daemon run them."""
    settings = _settings(url, workers)
    engine = make_engine(url)
    upgrade(engine)
    source = {"id": "bench", "name": "bench", "kind": "domestic", "lang": "vi", "feeds": farm.feed_urls}
    cpu0, t0 = _cpu(), time.perf_counter()
    report = crawl(settings, engine, [source], analyse=True)
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    stored, analysed, flagged = _counts(engine)
    _emit(bench=f"end_to_end{label}", pages=len(farm.pages), stored=stored, analysed=analysed, flagged=flagged,
          relevant_pages=len(farm.province_paths), wall_s=round(wall, 2),
          crawl_process_s=round(report.usage.wall_s, 2),
          after_crawl_s=round(wall - report.usage.wall_s, 2), articles_per_s=round(analysed / wall, 1),
          cpu_ms_per_article=round(1000 * cpu / max(analysed, 1), 2),
          crawl_process_peak_rss_mb=round(report.usage.peak_rss_mb, 1),
          largest_child_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
          coordinator_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--province-share", type=float, default=0.01)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--server", choices=["auto", "nginx", "python"], default="auto")
    parser.add_argument("--skip", nargs="*", default=[], choices=["staged", "pipelined"])
    args = parser.parse_args()
    label = "" if args.province_share < 0.5 else "_all_about_the_province"
    t0 = time.perf_counter()
    with VntcFarm(args.pages, args.feeds, args.province_share, server=args.server) as farm, \
            tempfile.TemporaryDirectory() as tmp:
        _emit(bench="farm", pages=len(farm.pages), feeds=len(farm.feed_urls), server=farm.server_kind,
              about_the_province=len(farm.province_paths), database=args.database,
              workers=args.workers or os.cpu_count(), build_s=round(time.perf_counter() - t0, 1))
        bare_wall = bare(farm)
        if "staged" not in args.skip:
            with Database(args.database, Path(tmp)) as url:
                staged(farm, url, args.workers, bare_wall, label)
        if "pipelined" not in args.skip:
            with Database(args.database, Path(tmp)) as url:
                pipelined(farm, url, args.workers, label)


if __name__ == "__main__":
    main()
