"""Digest: preview a week's digest as an HTML file, or send it once per ISO week."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.cli.common import CliError, add_command, console, engine_of, err_console, settings_of


def _week(args: argparse.Namespace, tz: ZoneInfo) -> Any:
    from digest.period import PeriodError, iso_week, last_complete_week
    from store.models import utcnow

    try:
        return iso_week(args.week, tz) if args.week else last_complete_week(utcnow(), tz)
    except PeriodError as exc:
        raise CliError(str(exc), 2) from exc


def cmd_preview(args: argparse.Namespace) -> int:
    from digest.weekly import build_digest

    settings = settings_of(args)
    period = _week(args, ZoneInfo(settings.timezone))
    engine = engine_of(settings, migrate=False)
    found, rendered = build_digest(settings, engine, period)
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(rendered.html_with_data_uris(), encoding="utf-8")
        tmp.replace(out)
        if args.text:
            Path(args.text).write_text(rendered.text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"không ghi được / cannot write {exc.filename}: {exc.strerror}") from exc
    err_console.print(f"{rendered.subject}\n→ {out} ({found.totals.relevant} bài về Hải Dương / articles about "
                      f"the province, {found.totals.flagged} bị gắn cờ / flagged)", markup=False)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from digest.send import MailError
    from digest.weekly import send_digest

    settings = settings_of(args)
    period = _week(args, ZoneInfo(settings.timezone))
    engine = engine_of(settings, migrate=True)
    if not settings.smtp_host:
        raise CliError("chưa đặt máy chủ thư / no mail server: set HDM_SMTP_HOST (and HDM_DIGEST_TO)")
    try:
        outcome = send_digest(settings, engine, period, force=args.force)
    except MailError as exc:
        raise CliError(str(exc)) from exc
    if outcome.status == "already_sent":
        console.print(f"Bản tin tuần {outcome.week} đã gửi rồi, không gửi lại / the digest of {outcome.week} was "
                      "already sent: nothing sent (--force gửi lại / resends)", markup=False)
        return 0
    if outcome.status == "busy":
        raise CliError(f"bản tin tuần {outcome.week} đang được gửi bởi tiến trình khác / is being sent by another "
                       "process", 3)
    if outcome.status == "failed":
        raise CliError(f"bản tin tuần {outcome.week} chưa gửi được, sẽ thử lại / not sent, will be retried: "
                       f"{outcome.error}")
    console.print(f"Đã gửi bản tin tuần {outcome.week} tới / digest sent to {', '.join(outcome.recipients)}"
                  + (f" ({outcome.error})" if outcome.error else ""), markup=False)
    return 0


def register(sub: Any) -> None:
    """Add digest preview | send."""
    p = add_command(sub, "digest", "bản tin tuần / weekly digest")
    inner = p.add_subparsers(dest="digest_command", metavar="SUBCOMMAND", required=True,
                             title="lệnh con / subcommands")
    preview = add_command(inner, "preview", "xem trước thành tệp HTML / write the digest as an HTML file")
    preview.add_argument("--week", metavar="YYYY-Www", help="tuần ISO / ISO week (mặc định / default: the last "
                                                            "complete week, Vietnam time)")
    preview.add_argument("--output", required=True, metavar="FILE", help="tệp HTML / HTML file")
    preview.add_argument("--text", metavar="FILE", help="cũng ghi phần văn bản / also write the plain-text part")
    preview.set_defaults(func=cmd_preview)
    send = add_command(inner, "send", "gửi bản tin một lần mỗi tuần / send the digest, once per week")
    send.add_argument("--week", metavar="YYYY-Www", help="tuần ISO / ISO week (mặc định / default: the last "
                                                         "complete week)")
    send.add_argument("--force", action="store_true", help="gửi lại dù đã gửi / send again even if sent")
    send.set_defaults(func=cmd_send)
