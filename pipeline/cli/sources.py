"""Sources: list, check one without storing, per-source health."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from rich.table import Table

from config.settings import Settings
from pipeline.cli.common import CliError, add_command, console, engine_of, local_time, settings_of, sources_of


def cmd_sources(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    sources = sources_of(settings, args.sources)
    table = Table(title="Nguồn / sources")
    for col in ("id", "tên / name", "loại / kind", "ngữ / lang", "bật / on", "phút / min", "prior",
                "feeds", "sitemaps", "listings"):
        table.add_column(col, overflow="fold")
    for s in sources:
        table.add_row(s.id, s.name, s.kind.value, s.lang, "✓" if s.enabled else "—",
                      str(s.interval_minutes), f"{s.prior:+.1f}", str(len(s.feeds)), str(len(s.sitemaps)),
                      str(len(s.listings)))
    console.print(table)
    return 0


def _find_source(settings: Settings, path: str | None, source_id: str) -> Any:
    for source in sources_of(settings, path):
        if source.id == source_id:
            return source
    raise CliError(f"không có nguồn với id / no source with id '{source_id}'")


def cmd_sources_check(args: argparse.Namespace) -> int:
    from pipeline.collect import CollectError, preview

    settings = settings_of(args)
    source = _find_source(settings, args.sources, args.id)
    with console.status(f"Đang kiểm tra / checking {source.id}…"):
        try:
            lines = preview(settings, source.model_dump(mode="json"), args.limit)
        except CollectError as exc:
            raise CliError(str(exc)) from exc
    announced = sum(int(x.get("entries", 0)) for x in lines if x["type"] == "entry_point")
    articles = [x for x in lines if x["type"] == "article"]
    problems = [x for x in lines if x["type"] == "problem"]
    console.print(f"Nguồn / source: {source.id} — {source.name} ({source.kind.value}, {source.lang})"
                  + ("" if source.enabled else " [đang tắt / disabled]"), markup=False)
    page_problems = [p for p in problems if p["stage"] == "article"]
    console.print(f"Được công bố / announced: {announced} mục / entries; đã thử / tried: "
                  f"{len(articles) + len(page_problems)}; trích xuất được / extracted: {len(articles)}")
    for item in articles[:3]:
        when = item.get("published_at")
        local = local_time(datetime.fromisoformat(when), settings.timezone) if when else "không rõ ngày / no date"
        console.print(f"  • {item['title']} — {local} ({item['lang']}, {item['chars']} ký tự / chars)",
                      markup=False)
    warnings = [f"{p['url']}: {p['reason']}" for p in problems]
    warnings += [f"{a['url']}: không có ngày đăng / no publication date" for a in articles if not a.get("published_at")]
    if not announced and not articles:
        warnings.append("không thu được gì / nothing collected")
    for warning in warnings[:10]:
        console.print(f"  ! {warning}", markup=False)
    console.print("Kết luận / verdict: " + ("dùng được / usable" if articles and len(articles) >= len(problems)
                                            else "cần xem lại / needs attention"))
    return 0 if articles else 1


def cmd_sources_health(args: argparse.Namespace) -> int:
    from pipeline.health import sources_health
    from store.db import session_scope
    from store.models import utcnow

    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    now = utcnow()
    table = Table(title="Tình trạng nguồn / source health")
    for col in ("id", "trạng thái / state", "thành công cuối / last success", "lỗi cuối / last error",
                "bài/ngày (7 ngày) / items per day", "lý do / reason"):
        table.add_column(col, overflow="fold")
    with session_scope(engine) as session:
        for row in sources_health(session, now):
            source, health, per_day = row.source, row.health, row.per_day
            error = f"{local_time(source.last_error_at, settings.timezone)} {source.last_error or ''}".strip() \
                if source.last_error_at else "—"
            table.add_row(source.id, health.state, local_time(source.last_success_at, settings.timezone), error,
                          f"{per_day:.1f}", health.reason)
    console.print(table)
    return 0


def register(sub: Any) -> None:
    """Add sources with its subcommands list, check and health."""
    p = add_command(sub, "sources", "quản lý nguồn / sources")
    sources_sub = p.add_subparsers(dest="sources_command", metavar="SUBCOMMAND", required=True,
                                   title="lệnh con / subcommands")
    q = add_command(sources_sub, "list", "liệt kê nguồn / list sources")
    q.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    q.set_defaults(func=cmd_sources)
    q = add_command(sources_sub, "check", "thử một nguồn, không lưu / fetch a source once, store nothing")
    q.add_argument("id", metavar="ID", help="id nguồn / source id")
    q.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    q.add_argument("--limit", type=int, default=10, help="số bài thử tối đa / articles to try (10)")
    q.set_defaults(func=cmd_sources_check)
    q = add_command(sources_sub, "health", "tình trạng từng nguồn / per-source health")
    q.set_defaults(func=cmd_sources_health)
