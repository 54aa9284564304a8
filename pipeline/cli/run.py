"""The daemon: `run` collects every source at its own interval and analyses what waits; `run --once`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from pipeline.cli.common import CliError, add_command, console, settings_of, sources_of

ALREADY_RUNNING_EXIT = 3


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.daemon.lock import AlreadyRunning, DaemonLock
    from pipeline.daemon.logs import configure_logging
    from pipeline.daemon.scheduler import run_forever, run_once
    from store import repo
    from store.db import make_engine, write_unit
    from store.migrate import upgrade

    settings = settings_of(args)
    log_format = args.log_format or settings.log_format
    log_file = Path(args.log_file) if args.log_file else settings.log_file
    if not args.once or args.log_format or args.log_file:
        configure_logging(log_format, log_file, settings.log_max_mb, settings.log_backups,
                          logging.DEBUG if args.verbose else logging.INFO)
    sources = sources_of(settings, args.sources)
    dispatcher = _dispatcher(settings) if args.distributed else None
    engine = make_engine(settings.database_url)
    try:
        with DaemonLock(engine, settings.sqlite_path) as lock:
            # only the daemon holding the lock migrates and writes: two started together must not race here
            upgrade(engine)
            write_unit(engine, lambda session: repo.upsert_sources(session, [s.model_dump(mode="json")
                                                                             for s in sources]),
                       "sources", settings.database_wait_seconds, logging.getLogger(__name__))
            if args.once:
                results = run_once(settings, engine, lock, dispatcher)
                for result in results:
                    console.print(" ".join(f"{k}={v}" for k, v in result.items()), markup=False)
                failed = [r for r in results if r.get("status") not in (None, "ok", "skipped")]
                return 1 if failed else 0
            console.print(f"hdmonitor run: {sum(s.enabled for s in sources)} nguồn đang bật / enabled sources; "
                          "Ctrl+C hoặc SIGTERM để dừng / to stop")
            code = run_forever(settings, engine, [s.id for s in sources], lock, dispatcher)
    except AlreadyRunning as exc:
        raise CliError(str(exc), ALREADY_RUNNING_EXIT) from exc
    if code == ALREADY_RUNNING_EXIT:
        raise CliError("mất khoá CSDL vào tay một tiến trình khác / lost the database lock to another daemon",
                       ALREADY_RUNNING_EXIT)
    return code


def _dispatcher(settings: Any) -> Any:
    """The task sender of `run --distributed` (PostgreSQL only; Celery installed with hdmonitor[distributed])."""
    try:
        from pipeline.distributed.app import DistributedError, make_app, require_postgresql
        from pipeline.distributed.schedule import Dispatcher
    except ImportError as exc:  # pragma: no cover - the extra is part of the test install
        raise CliError("cần cài thêm / needs: pip install 'hdmonitor[distributed]'", 2) from exc
    try:
        require_postgresql(settings)
    except DistributedError as exc:
        raise CliError(str(exc), 2) from exc
    return Dispatcher(make_app(settings), settings)


def register(sub: Any) -> None:
    """Add run."""
    p = add_command(sub, "run", "chạy theo lịch / the scheduled daemon")
    p.add_argument("--once", action="store_true",
                   help="chạy mỗi việc đến hạn một lần rồi thoát / run every due job once, then exit")
    p.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    p.add_argument("--log-format", choices=["text", "json"],
                   help="nhật ký dạng chữ hay JSON / log lines as text or JSON (env HDM_LOG_FORMAT)")
    p.add_argument("--log-file", metavar="FILE",
                   help="ghi nhật ký vào tệp, tự xoay vòng / log to a rotating file (env HDM_LOG_FILE)")
    p.add_argument("--distributed", action="store_true",
                   help="giao việc thu thập và phân tích cho các worker / enqueue collect and analyse tasks for "
                        "`hdmonitor worker` processes (PostgreSQL, HDM_BROKER_URL)")
    p.set_defaults(func=cmd_run)
