"""The daemon: `run` collects every source at its own interval and analyses what waits; `run --once`."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.common import CliError, add_command, console, engine_of, settings_of, sources_of

ALREADY_RUNNING_EXIT = 3


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.daemon.lock import AlreadyRunning, DaemonLock
    from pipeline.daemon.scheduler import run_forever, run_once
    from store import repo
    from store.db import session_scope

    settings = settings_of(args)
    sources = sources_of(settings, args.sources)
    engine = engine_of(settings)
    with session_scope(engine, write=True) as session:
        repo.upsert_sources(session, [s.model_dump(mode="json") for s in sources])
    try:
        with DaemonLock(engine, settings.sqlite_path):
            if args.once:
                results = run_once(settings, engine)
                for result in results:
                    console.print(" ".join(f"{k}={v}" for k, v in result.items()), markup=False)
                failed = [r for r in results if r.get("status") not in (None, "ok")]
                return 1 if failed else 0
            console.print(f"hdmonitor run: {sum(s.enabled for s in sources)} nguồn đang bật / enabled sources; "
                          "Ctrl+C hoặc SIGTERM để dừng / to stop")
            run_forever(settings, engine, [s.id for s in sources])
    except AlreadyRunning as exc:
        raise CliError(str(exc), ALREADY_RUNNING_EXIT) from exc
    return 0


def register(sub: Any) -> None:
    """Add run."""
    p = add_command(sub, "run", "chạy theo lịch / the scheduled daemon")
    p.add_argument("--once", action="store_true",
                   help="chạy mỗi việc đến hạn một lần rồi thoát / run every due job once, then exit")
    p.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    p.set_defaults(func=cmd_run)
