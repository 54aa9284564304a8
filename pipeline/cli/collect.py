"""Collecting: init, demo and crawl."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from config.settings import Settings
from pipeline.cli.analyse import analyse_and_show
from pipeline.cli.common import (
    DEMO_PORT,
    CliError,
    add_command,
    console,
    engine_of,
    err_console,
    settings_of,
    sources_of,
)


def cmd_init(args: argparse.Namespace) -> int:
    from pipeline.search_index import index_missing
    from store import repo
    from store.db import session_scope
    from store.migrate import current_revision

    settings = settings_of(args)
    sources = sources_of(settings, None)
    engine = engine_of(settings)
    with session_scope(engine, write=True) as session:
        repo.upsert_sources(session, [s.model_dump(mode="json") for s in sources])
    indexed = index_missing(engine)
    if indexed:
        console.print(f"tìm kiếm / search: {indexed} bài cũ đã được lập chỉ mục / older articles indexed")
    console.print(f"CSDL sẵn sàng / database ready: {settings.database_url} "
                  f"(revision {current_revision(engine)}); {len(sources)} nguồn / sources "
                  f"({sum(s.enabled for s in sources)} đang bật / enabled)")
    return 0


def _crawl_and_show(settings: Settings, engine: Any, sources: list[dict[str, Any]], analyse: bool = False) -> Any:
    from pipeline.collect import CollectError, crawl

    with console.status("Đang thu thập / collecting…") as status:
        def progress(rows: list[dict[str, Any]]) -> None:
            fetched = sum(r["fetched"] for r in rows)
            new = sum(r["new"] for r in rows)
            status.update(f"Đang thu thập / collecting… {fetched} trang, {new} bài mới / pages, new")

        try:
            return crawl(settings, engine, sources, progress, analyse=analyse)
        except CollectError as exc:
            raise CliError(str(exc)) from exc


def _summary_table(engine: Any, report: Any, title: str) -> Table:
    from store import repo
    from store.db import session_scope
    from store.models import Article

    table = Table(title=title)
    for col in ("Nguồn / source", "Tải / fetched", "Mới / new", "Trùng / duplicates",
                "Không đổi / unchanged", "Lỗi / errors", "Liên quan / relevant", "Gắn cờ / flagged"):
        table.add_column(col, justify="left" if col.startswith("Nguồn") else "right", overflow="fold")
    totals = [0] * 7
    with session_scope(engine) as session:
        for row in report.rows:
            counts = repo.relevance_counts(session, row["source_id"], run_id=report.run_id)
            values = [row["fetched"], row["new"], row["duplicates"], row["unchanged"], row["errors"],
                      counts["relevant"], counts["flagged"]]
            totals = [a + b for a, b in zip(totals, values, strict=True)]
            table.add_row(row["source_id"], *map(str, values))
        table.add_row("Tổng / total", *map(str, totals), style="bold")
        stored = session.query(Article).count()
    table.caption = f"Trong CSDL / stored in total: {stored} bài / articles"
    return table


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo.server import DemoWeb
    from store import repo
    from store.db import session_scope

    settings = settings_of(args)
    scrapy = dict(settings.scrapy)
    scrapy.update({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False})
    settings = settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy})
    engine = engine_of(settings)
    try:
        web = DemoWeb(port=args.port)
    except OSError as exc:
        raise CliError(f"cổng {args.port} đang bận / port {args.port} is busy ({exc.strerror}); "
                       "dùng --port / use --port (bài mẫu sẽ có URL khác / demo URLs will differ)") from exc
    with web:
        console.print(f"Trang mẫu / demo sites: {web.base_url}/ ({', '.join(web.sites)})")
        sources = [site.source_config(web.base_url) for site in web.sites.values()]
        report = _crawl_and_show(settings, engine, sources, analyse=True)
    analysed = analyse_and_show(settings, engine)  # whatever an earlier, interrupted run left waiting
    console.print(_summary_table(engine, report, "hdmonitor demo — thu thập + phân tích / collect + analyse"))
    with session_scope(engine) as session:
        open_cases = len(repo.flagged_cases(session, "open", limit=10_000))
    done, flagged = report.work.analysed + analysed.analysed, report.work.flagged + analysed.flagged
    console.print(f"Phân tích / analysed: {done}, gắn cờ / flagged: {flagged}, "
                  f"lỗi / failed: {report.work.failed + analysed.failed}; "
                  f"hồ sơ chờ duyệt / open review cases: {open_cases}")
    location = settings.sqlite_path.resolve() if settings.sqlite_path else settings.database_url
    console.print(f"CSDL / database: {location}")
    console.print(f"Nhật ký thu thập / crawl log: {report.log_path}")
    if report.status != "ok":
        err_console.print(f"lỗi / error: thu thập thất bại / the crawl failed: {report.message}", markup=False)
        return 1
    console.print("Tiếp theo / next: đặt / set HDM_SECRET_KEY, 'hdmonitor users add NAME --role admin', "
                  "'make serve' rồi mở / then open http://127.0.0.1:8000/ (README: Quick start)")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    sources = [s for s in sources_of(settings, args.sources) if s.enabled]
    if args.source:
        sources = [s for s in sources if s.id == args.source]
        if not sources:
            raise CliError(f"không có nguồn đang bật với id / no enabled source with id '{args.source}'")
    engine = engine_of(settings)
    report = _crawl_and_show(settings, engine, [s.model_dump(mode="json") for s in sources])
    console.print(_summary_table(engine, report, f"crawl {report.run_id}"))
    if report.status != "ok":
        err_console.print(f"lỗi / error: thu thập thất bại / the crawl failed: {report.message}", markup=False)
        return 1
    return 0


def register(sub: Any) -> None:
    """Add init, demo and crawl."""
    p = add_command(sub, "init", "tạo hoặc nâng cấp CSDL, nạp nguồn / create or upgrade the database")
    p.set_defaults(func=cmd_init)

    p = add_command(sub, "demo", "chạy thử với các trang mẫu ngoại tuyến / run the offline demo")
    p.add_argument("--port", type=int, default=DEMO_PORT, help=f"cổng trang mẫu / demo port ({DEMO_PORT})")
    p.set_defaults(func=cmd_demo)

    p = add_command(sub, "crawl", "thu thập một lần / collect once")
    p.add_argument("--once", action="store_true", default=True, help="một lần rồi dừng (mặc định) / once")
    p.add_argument("--source", metavar="ID", help="chỉ một nguồn / one source only")
    p.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    p.set_defaults(func=cmd_crawl)
