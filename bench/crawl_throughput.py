"""Crawl throughput: the full collect path vs a bare Scrapy crawl, and extraction vs trafilatura alone.

    .venv/bin/python -m bench.crawl_throughput [--pages 2000]

Prints one JSON line per measurement (pages/s, CPU-seconds per page, and the ratios).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura

from bench.pages import PageFarm
from config import load_settings
from pipeline.collect import crawl, subprocess_env
from pipeline.extract import extract
from store.db import make_engine
from store.migrate import upgrade


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _emit(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with PageFarm(args.pages) as farm, tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = load_settings(database_url=url)
        scrapy = dict(settings.scrapy)
        scrapy.update({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "ERROR"})
        settings = settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy,
                                               "crawl_timeout_seconds": 3600})
        engine = make_engine(url)
        upgrade(engine)
        source = {"id": "bench", "name": "bench", "kind": "domestic", "lang": "vi",
                  "sitemaps": [f"{farm.base}/sitemap.xml"]}

        cpu0, t0 = _children_cpu(), time.perf_counter()
        report = crawl(settings, engine, [source])
        full_wall, full_cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        stored = report.rows[0]["new"]
        _emit(bench="crawl_full", pages=args.pages, stored=stored, wall_s=round(full_wall, 2),
              pages_per_s=round(args.pages / full_wall, 1), cpu_s_per_page=round(full_cpu / args.pages, 5))

        cpu0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.bare_spider", farm.base], check=True, env=subprocess_env())
        bare_wall, bare_cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        _emit(bench="crawl_bare_scrapy", pages=args.pages, wall_s=round(bare_wall, 2),
              pages_per_s=round(args.pages / bare_wall, 1), cpu_s_per_page=round(bare_cpu / args.pages, 5))
        _emit(bench="crawl_ratio", wall_full_over_bare=round(full_wall / bare_wall, 2),
              cpu_full_over_bare=round(full_cpu / bare_cpu, 2))

        pages = [(f"{farm.base}{p}", body.decode("utf-8")) for p, body in farm.pages.items()]
        t0 = time.process_time()
        for page_url, html in pages:
            extract(html, page_url)
        ours = time.process_time() - t0
        t0 = time.process_time()
        for page_url, html in pages:
            trafilatura.bare_extraction(html, url=page_url, with_metadata=True)
        alone = time.process_time() - t0
        _emit(bench="extraction", pages=len(pages), pages_per_s=round(len(pages) / ours, 1),
              trafilatura_alone_pages_per_s=round(len(pages) / alone, 1), ratio=round(ours / alone, 2))


if __name__ == "__main__":
    main()
