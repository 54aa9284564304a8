"""Serve: the review web app."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.common import add_command, console, engine_of, settings_of


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from review.app import create_app

    settings = settings_of(args)
    engine_of(settings)
    console.print(f"Mở / open http://{args.host}:{args.port}/  (Ctrl+C để dừng / to stop)")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def register(sub: Any) -> None:
    """Add serve."""
    p = add_command(sub, "serve", "mở ứng dụng web / start the web app")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ nghe / listen address (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="cổng / port (8000)")
    p.set_defaults(func=cmd_serve)
