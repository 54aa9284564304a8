"""Export: articles with their analysis and review case, as JSONL, CSV or XLSX."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.cli.common import CliError, add_command, close_out, engine_of, err_console, open_out, settings_of


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline import export
    from store.db import session_scope

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError as exc:
            raise CliError(f"ngày không hợp lệ / invalid date {args.since!r} (YYYY-MM-DD)") from exc
        since = since if since.tzinfo else since.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        since = since.astimezone(UTC)
    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    with session_scope(engine) as session:
        rows = export.records(session, since, args.flagged)
        if args.format == "xlsx":
            if args.output == "-":
                raise CliError("xlsx cần một tệp / xlsx needs an output file")
            tmp = Path(args.output + ".tmp")
            count = export.write(rows, "xlsx", tmp)
            tmp.replace(args.output)
        else:
            out = open_out(args.output)
            count = export.write(rows, args.format, out)
            close_out(out, args.output)
    err_console.print(f"{count} bài / articles → {args.output}")
    return 0


def register(sub: Any) -> None:
    """Add export."""
    p = add_command(sub, "export", "xuất dữ liệu / export articles")
    p.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default="jsonl",
                   help="định dạng / format (jsonl)")
    p.add_argument("--since", metavar="DATE", help="từ ngày / since (YYYY-MM-DD, giờ Việt Nam)")
    p.add_argument("--flagged", action="store_true", help="chỉ bài bị gắn cờ / flagged only")
    p.add_argument("--output", required=True, metavar="FILE", help="tệp ra / output file, '-' = stdout")
    p.set_defaults(func=cmd_export)
