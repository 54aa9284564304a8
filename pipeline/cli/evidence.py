"""Evidence: re-check flagged articles' original URLs for edits and deletions."""

from __future__ import annotations

import argparse
from typing import Any

from rich.progress import Progress

from pipeline.cli.common import CliError, add_command, console, engine_of, err_console, settings_of


def cmd_evidence_recheck(args: argparse.Namespace) -> int:
    from pipeline.evidence import recheck_flagged

    if args.limit < 1:
        raise CliError("--limit phải lớn hơn 0 / --limit must be at least 1")
    settings = settings_of(args)
    engine = engine_of(settings)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Đang kiểm tra lại / re-checking…", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = recheck_flagged(settings, engine, limit=args.limit, article_ids=args.article or None,
                                 progress=progress)
    console.print(f"Kiểm tra lại / re-checked: {report.checked} bài / articles — "
                  f"không đổi / unchanged {report.unchanged}, bị sửa / edited {report.edited}, "
                  f"bị xoá / deleted {report.deleted}, không truy cập được / unreachable {report.unreachable}, "
                  f"lỗi / problems {len(report.problems)}", markup=False)
    for problem in report.problems[:10]:
        err_console.print(f"  ! {problem}", markup=False)
    if args.article:
        skipped = sorted(set(args.article) - set(report.article_ids) - set(report.failed_ids))
        if skipped:
            err_console.print("  ! không có hoặc không gắn cờ / not found or not flagged: "
                              + ", ".join(map(str, skipped)), markup=False)
    return 1 if report.problems and not report.checked else 0


def register(sub: Any) -> None:
    """Add evidence with its subcommand recheck."""
    p = add_command(sub, "evidence", "bằng chứng theo thời gian / evidence over time")
    evidence_sub = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND", required=True,
                                    title="lệnh con / subcommands")
    q = add_command(evidence_sub, "recheck",
                    "tải lại bài bị gắn cờ, ghi nhận sửa/xoá / re-fetch flagged articles, record edits and deletions")
    q.add_argument("--limit", type=int, default=500, help="số bài tối đa / at most N articles (500)")
    q.add_argument("--article", metavar="ID", type=int, nargs="+", action="extend",
                   help="chỉ các bài này, bất kể lần kiểm tra trước / only these articles, whatever their last check")
    q.set_defaults(func=cmd_evidence_recheck)
