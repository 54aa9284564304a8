"""Worker: run the units of work (collect, extract, analyse) as Celery tasks from the broker."""

from __future__ import annotations

import argparse
import os
import socket
from typing import Any

from pipeline.cli.common import CliError, add_command, settings_of


def cmd_worker(args: argparse.Namespace) -> int:
    try:
        from pipeline.distributed.app import QUEUES, DistributedError, make_app, require_postgresql
    except ImportError as exc:  # pragma: no cover - the extra is part of the test install
        raise CliError("cần cài thêm / needs: pip install 'hdmonitor[distributed]'", 2) from exc
    settings = settings_of(args)
    try:
        require_postgresql(settings)
    except DistributedError as exc:
        raise CliError(str(exc), 2) from exc
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = sorted(set(queues) - set(QUEUES))
    if not queues or unknown:
        raise CliError(f"hàng đợi không hợp lệ / unknown queue: {', '.join(unknown) or '(none)'} "
                       f"(choose from {', '.join(QUEUES)})", 2)
    concurrency = args.concurrency or settings.workers or os.cpu_count() or 1
    app = make_app(settings)
    app.worker_main(["worker", "-Q", ",".join(queues), "-c", str(concurrency), "--loglevel",
                     "DEBUG" if args.verbose else "INFO", "-n", f"hdmonitor-{os.getpid()}@{socket.gethostname()}",
                     "--without-mingle"])
    return 0


def register(sub: Any) -> None:
    """Add worker."""
    p = add_command(sub, "worker", "chạy worker phân tán / a distributed worker (Celery; PostgreSQL, HDM_BROKER_URL)")
    p.add_argument("--queues", default="collect,analyse", metavar="LIST",
                   help="hàng đợi / queues to take tasks from (collect,analyse)")
    p.add_argument("--concurrency", type=int, metavar="N", help="số tiến trình / processes (HDM_WORKERS, else one "
                                                                  "per core)")
    p.set_defaults(func=cmd_worker)
