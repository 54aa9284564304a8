"""Run one crawl in this process: `python -m crawlers.run JOB.json` (a fresh reactor per run)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from twisted.python.failure import Failure

from crawlers.settings import crawl_settings
from crawlers.spiders.source import SourceSpider


def die_with_parent() -> None:
    """On Linux, have the kernel kill this crawl when the process that started it dies.

    A collect run killed with SIGKILL must not leave an orphan crawl behind to race the next run.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        raise SystemExit(3)


def main(argv: list[str] | None = None) -> int:
    """Read the job file the caller wrote and crawl its sources; the exit code says how it went."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m crawlers.run JOB.json", file=sys.stderr)
        return 2
    die_with_parent()
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    process = CrawlerProcess(crawl_settings(job.get("settings", {})), install_root_handler=True)
    crawler = process.create_crawler(SourceSpider)
    failures: list[Failure] = []
    done = process.crawl(crawler, sources=job["sources"], entry_state=job.get("entry_state"),
                         max_articles=job.get("max_articles"))
    done.addErrback(failures.append)
    process.start()
    if failures:
        # A crawl that could not start (e.g. the storing pipeline failed to load) must not look
        # like a crawl that found nothing new.
        print(f"crawl failed: {failures[0].getErrorMessage()}", file=sys.stderr)
        print(failures[0].getTraceback(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
