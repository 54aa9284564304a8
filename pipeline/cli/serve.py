"""Serve: the review web app."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.common import CliError, add_command, console, engine_of, err_console, settings_of


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from review.app import create_app
    from review.auth import ConfigError
    from store import accounts
    from store.db import session_scope

    settings = settings_of(args)
    engine = engine_of(settings)
    try:
        app = create_app(settings)
    except ConfigError as exc:
        raise CliError(str(exc), code=2) from exc
    with session_scope(engine) as s:
        if not accounts.list_users(s):
            err_console.print("chưa có người dùng nào; tạo quản trị viên đầu tiên / no users yet; create the first "
                              "admin: hdmonitor users add NAME --role admin", markup=False)
    console.print(f"Mở / open http://{args.host}:{args.port}/  (Ctrl+C để dừng / to stop)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: Any) -> None:
    """Add serve."""
    p = add_command(sub, "serve", "mở ứng dụng web / start the web app")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ nghe / listen address (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="cổng / port (8000)")
    p.set_defaults(func=cmd_serve)
