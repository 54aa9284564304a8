"""Report: a period report (XLSX, DOCX or PDF) in the shape the office files with its superiors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.cli.common import CliError, add_command, console, engine_of, settings_of

FORMATS = ("xlsx", "docx", "pdf")  # digest.report.REPORT_FORMATS, without importing matplotlib for --help


def _period(args: argparse.Namespace, tz: ZoneInfo) -> Any:
    """The local days from --from to --to, both included; a bad date is the user's to fix."""
    from digest.period import PeriodError, between, parse_date

    try:
        return between(parse_date(args.date_from), parse_date(args.date_to), tz)
    except PeriodError as exc:
        raise CliError(str(exc), code=2) from exc


def _format(args: argparse.Namespace) -> str:
    """--format, else the output file's extension when it names one, else xlsx."""
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return suffix if suffix in FORMATS else "xlsx"


def _target(args: argparse.Namespace, period: Any, fmt: str) -> Path:
    """The output file (default bao-cao-<from>-<to>.<fmt>), its directory checked."""
    if args.output == "-":
        raise CliError("báo cáo cần một tệp, không ghi ra stdout / the report needs an output file, not stdout")
    target = Path(args.output or f"bao-cao-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}.{fmt}")
    if not target.parent.is_dir():
        raise CliError(f"thư mục không tồn tại / directory not found: {target.parent}")
    return target


def _write(target: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees half a report."""
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CliError(f"không ghi được tệp / cannot write {target}: {exc.strerror or exc}") from exc


def cmd_report(args: argparse.Namespace) -> int:
    """Read the period's figures, build the report, write it atomically, say where it went."""
    from digest.labels import load_labels
    from digest.query import figures
    from digest.report import build_report
    from store.db import session_scope

    settings = settings_of(args)
    tz = ZoneInfo(settings.timezone)
    period = _period(args, tz)
    fmt = _format(args)
    target = _target(args, period, fmt)
    labels = load_labels(settings.config_file("taxonomy.yaml"))
    engine = engine_of(settings, migrate=False)
    try:
        with session_scope(engine) as session:
            found = figures(session, period, tz)
    finally:
        engine.dispose()
    _write(target, build_report(found, labels, fmt, settings.office_name, settings.app_url, tz))
    console.print(f"đã ghi báo cáo / report written: {target} ({found.totals.articles} bài / articles)", markup=False)
    return 0


def register(sub: Any) -> None:
    """Add report."""
    p = add_command(sub, "report", "báo cáo theo kỳ / period report (xlsx, docx, pdf)")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                   help="từ ngày / first day (YYYY-MM-DD hoặc DD/MM/YYYY, giờ Việt Nam)")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                   help="đến hết ngày / last day, included (YYYY-MM-DD hoặc DD/MM/YYYY)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="định dạng / format (mặc định theo đuôi tệp, không có thì xlsx / default: the file's "
                        "extension, else xlsx)")
    p.add_argument("--output", metavar="FILE", default=None,
                   help="tệp ra / output file (mặc định / default bao-cao-<from>-<to>.<format>)")
    p.set_defaults(func=cmd_report)
