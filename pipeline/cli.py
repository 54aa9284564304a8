"""hdmonitor command line. Vietnamese first, English second; errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from config.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("hdmonitor")
# Piped output (scripts, logs) gets wide tables instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DEMO_PORT = 8765


class CliError(Exception):
    """A problem the user can fix; printed as one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------- helpers

def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config, database_url=args.database)


def _engine(settings: Settings, migrate: bool = True) -> Any:
    from store.db import make_engine
    from store.migrate import current_revision, head_revision, upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    elif current_revision(engine) != head_revision(engine):
        raise CliError("CSDL chưa được khởi tạo, chạy 'hdmonitor init' / database not initialised: "
                       "run 'hdmonitor init'")
    return engine


def _local(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M") if value else "—"


def _sources(settings: Settings, path: str | None) -> list[Any]:
    from config.sources import load_sources

    file = Path(path) if path else settings.config_file("sources.yaml")
    if path and not file.exists():
        raise CliError(f"không tìm thấy tệp / file not found: {path}")
    return load_sources(file)


def _open_out(path: str) -> IO[str]:
    if path == "-":
        return sys.stdout
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise CliError(f"thư mục không tồn tại / directory not found: {target.parent}")
    return (target.with_name(target.name + ".tmp")).open("w", encoding="utf-8", newline="")


def _close_out(handle: IO[str], path: str) -> None:
    if handle is sys.stdout:
        handle.flush()
        return
    handle.close()
    Path(path + ".tmp").replace(path)


def _read_lines(path: str) -> Iterator[tuple[int, str]]:
    if path == "-":
        stream: IO[str] = sys.stdin
    else:
        file = Path(path)
        if not file.is_file():
            raise CliError(f"không tìm thấy tệp / file not found: {path}")
        stream = file.open(encoding="utf-8")
    try:
        yield from enumerate(stream, 1)
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: không phải UTF-8 / not UTF-8: {exc.reason} at byte {exc.start}") from exc
    finally:
        if stream is not sys.stdin:
            stream.close()


# ------------------------------------------------------------------------------------- commands

def cmd_init(args: argparse.Namespace) -> int:
    from store import repo
    from store.db import session_scope
    from store.migrate import current_revision

    settings = _settings(args)
    sources = _sources(settings, None)
    engine = _engine(settings)
    with session_scope(engine) as session:
        repo.upsert_sources(session, [s.model_dump(mode="json") for s in sources])
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


def _analyse_and_show(settings: Settings, engine: Any, limit: int | None = None) -> Any:
    from pipeline.analyse import analyse_pending
    from pipeline.resources import build_analyser

    with console.status("Đang nạp mô hình / loading models…") as status:
        analyser = build_analyser(settings, models_without_signal=settings.analyse_without_signal)
        status.update("Đang phân tích / analysing…")
        return analyse_pending(
            engine, analyser, settings.analyse_batch_size, limit,
            lambda r: status.update(f"Đang phân tích / analysing… {r.analysed} xong, {r.flagged} gắn cờ"),
            alert_threshold=settings.alert_threshold,
        )


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

    settings = _settings(args)
    scrapy = dict(settings.scrapy)
    scrapy.update({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False})
    settings = settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy})
    engine = _engine(settings)
    try:
        web = DemoWeb(port=args.port)
    except OSError as exc:
        raise CliError(f"cổng {args.port} đang bận / port {args.port} is busy ({exc.strerror}); "
                       "dùng --port / use --port (bài mẫu sẽ có URL khác / demo URLs will differ)") from exc
    with web:
        console.print(f"Trang mẫu / demo sites: {web.base_url}/ ({', '.join(web.sites)})")
        sources = [site.source_config(web.base_url) for site in web.sites.values()]
        report = _crawl_and_show(settings, engine, sources, analyse=True)
    analysed = _analyse_and_show(settings, engine)  # whatever an earlier, interrupted run left waiting
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
    console.print("Tiếp theo / next: 'make serve' rồi mở / then open http://127.0.0.1:8000/")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    settings = _settings(args)
    sources = [s for s in _sources(settings, args.sources) if s.enabled]
    if args.source:
        sources = [s for s in sources if s.id == args.source]
        if not sources:
            raise CliError(f"không có nguồn đang bật với id / no enabled source with id '{args.source}'")
    engine = _engine(settings)
    report = _crawl_and_show(settings, engine, [s.model_dump(mode="json") for s in sources])
    console.print(_summary_table(engine, report, f"crawl {report.run_id}"))
    if report.status != "ok":
        err_console.print(f"lỗi / error: thu thập thất bại / the crawl failed: {report.message}", markup=False)
        return 1
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _engine(settings, migrate=False)
    report = _analyse_and_show(settings, engine, args.limit)
    console.print(f"Phân tích / analysed: {report.analysed}, gắn cờ / flagged: {report.flagged}, "
                  f"hồ sơ mới / cases opened: {report.cases_opened}, cảnh báo / alerts: {report.alerts}, "
                  f"lỗi / failed: {report.failed}")
    return 0


def _classify_inputs(path: str) -> list[Any]:
    from nlp.analyse import Document
    from nlp.corpus import jsonl_objects
    from nlp.normalise import clean_text

    docs: list[Document] = []
    for where, row in jsonl_objects(_read_lines(path), path):
        if "id" not in row or not isinstance(row.get("text", ""), str) or not (row.get("text") or row.get("title")):
            raise CliError(f"{where}: cần 'id' và 'title'/'text' / needs 'id' and 'title' or 'text'")
        kind = row.get("source_kind")
        if kind is not None and kind not in ("domestic", "foreign", "overseas_vietnamese", "blog"):
            raise CliError(f"{where}: source_kind không hợp lệ / invalid source_kind {kind!r}")
        docs.append(Document(
            id=str(row["id"]), title=clean_text(str(row.get("title") or "")),
            text=clean_text(str(row.get("text") or "")), lang=row.get("lang"), url=row.get("url"),
            source=row.get("source"), source_kind=kind, source_prior=float(row.get("source_prior") or 0.0),
        ))
    return docs


def cmd_classify(args: argparse.Namespace) -> int:
    from pipeline.resources import build_analyser

    settings = _settings(args)
    docs = _classify_inputs(args.input)
    analyser = build_analyser(settings)
    out = _open_out(args.output)
    try:
        for start in range(0, len(docs), 64):
            for result in analyser.analyse_many(docs[start:start + 64]):
                out.write(json.dumps(result.contract(), ensure_ascii=False) + "\n")
    except BaseException:
        if out is not sys.stdout:
            out.close()
            Path(args.output + ".tmp").unlink(missing_ok=True)
        raise
    _close_out(out, args.output)
    if args.output != "-":
        err_console.print(f"{len(docs)} dòng / lines → {args.output}")
    return 0


def _analyst_examples(settings: Settings) -> list[Any]:
    """Confirmed and dismissed review cases as distortion labels (training split only)."""
    from nlp.corpus import Example
    from store import repo
    from store.db import session_scope

    engine = _engine(settings, migrate=False)
    out = []
    with session_scope(engine) as session:
        for article, distorted in repo.analyst_decisions(session):
            # ids prefixed so that split_of() puts analyst labels where the hash says; kept either way
            out.append(Example(id=f"analyst-{article.id}", title=article.title, text=article.text,
                               lang=article.lang, source_kind=article.source.kind if article.source else None,
                               distorted=distorted))
    return out


def cmd_train(args: argparse.Namespace) -> int:
    from nlp.corpus import CorpusError, load, seed_files
    from nlp.train import TrainingError, train_bundle

    files = [] if args.no_seed else seed_files()
    for path in args.data or []:
        if not Path(path).is_file():
            raise CliError(f"không tìm thấy tệp / file not found: {path}")
        files.append(Path(path))
    extra: list[dict[str, Any]] = []
    try:
        examples = load(files)
        if args.analyst_labels:
            decided = _analyst_examples(_settings(args))
            examples += decided
            extra.append({"analyst_decisions": len(decided), "database": "configured database"})
        bundle = train_bundle(examples, files, extra_sources=extra, version=args.version,
                              progress=lambda m: err_console.print(m))
    except (CorpusError, TrainingError) as exc:
        raise CliError(str(exc)) from exc
    out = Path(args.out) if args.out else Path("var") / "models" / bundle.version
    bundle.save(out)
    sys.stdout.write(json.dumps({
        "out": str(out), "version": bundle.version,
        "metrics_heldout": {k: {"accuracy": v["accuracy"], "macro_f1": v["macro_f1"]}
                            for k, v in bundle.card["metrics_heldout"].items()},
    }, ensure_ascii=False) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluation import EvaluationError, evaluate_named

    settings = _settings(args)
    try:
        result = evaluate_named(settings, args.data)
    except EvaluationError as exc:
        raise CliError(str(exc)) from exc
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


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
    settings = _settings(args)
    engine = _engine(settings, migrate=False)
    with session_scope(engine) as session:
        rows = export.records(session, since, args.flagged)
        if args.format == "xlsx":
            if args.output == "-":
                raise CliError("xlsx cần một tệp / xlsx needs an output file")
            tmp = Path(args.output + ".tmp")
            count = export.write(rows, "xlsx", tmp)
            tmp.replace(args.output)
        else:
            out = _open_out(args.output)
            count = export.write(rows, args.format, out)
            _close_out(out, args.output)
    err_console.print(f"{count} bài / articles → {args.output}")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    settings = _settings(args)
    sources = _sources(settings, args.sources)
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
    for source in _sources(settings, path):
        if source.id == source_id:
            return source
    raise CliError(f"không có nguồn với id / no source with id '{source_id}'")


def cmd_sources_check(args: argparse.Namespace) -> int:
    from pipeline.collect import CollectError, preview

    settings = _settings(args)
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
        local = _local(datetime.fromisoformat(when), settings.timezone) if when else "không rõ ngày / no date"
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
    from sqlalchemy import func, select

    from pipeline.health import assess_health
    from store.db import session_scope
    from store.models import Article, Source, utcnow

    settings = _settings(args)
    engine = _engine(settings, migrate=False)
    now = utcnow()
    table = Table(title="Tình trạng nguồn / source health")
    for col in ("id", "trạng thái / state", "thành công cuối / last success", "lỗi cuối / last error",
                "bài/ngày (7 ngày) / items per day", "lý do / reason"):
        table.add_column(col, overflow="fold")
    with session_scope(engine) as session:
        week = dict(session.execute(
            select(Article.source_id, func.count(Article.id))
            .where(Article.fetched_at >= now - timedelta(days=7)).group_by(Article.source_id)).all())
        for source in session.scalars(select(Source).order_by(Source.id)):
            per_day = week.get(source.id, 0) / 7.0
            health = assess_health(source.enabled, source.last_success_at, source.last_new_at,
                                   source.consecutive_failures, per_day, source.created_at, now)
            error = f"{_local(source.last_error_at, settings.timezone)} {source.last_error or ''}".strip() \
                if source.last_error_at else "—"
            table.add_row(source.id, health.state, _local(source.last_success_at, settings.timezone), error,
                          f"{per_day:.1f}", health.reason)
    console.print(table)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from review.app import create_app

    settings = _settings(args)
    _engine(settings)
    console.print(f"Mở / open http://{args.host}:{args.port}/  (Ctrl+C để dừng / to stop)")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.migrate import current_revision
    from store.models import Article, CrawlRun, ReviewCase

    settings = _settings(args)
    engine = _engine(settings, migrate=False)
    with session_scope(engine) as session:
        by_status = dict(session.execute(select(Article.status, func.count()).group_by(Article.status)).all())
        cases = dict(session.execute(select(ReviewCase.status, func.count()).group_by(ReviewCase.status)).all())
        last = session.scalar(select(func.max(CrawlRun.finished_at)))
    console.print(f"CSDL / database: {settings.database_url} (revision {current_revision(engine)})")
    console.print(f"Bài / articles: {sum(by_status.values())} " + json.dumps(by_status))
    console.print(f"Hồ sơ / review cases: {json.dumps(cases)}")
    console.print(f"Lần thu thập cuối / last crawl: {_local(last, settings.timezone)} ({settings.timezone})")
    return 0


# --------------------------------------------------------------------------------------- parser

class _Formatter(argparse.HelpFormatter):
    """Help in Vietnamese first, English second."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "cách dùng / usage: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """Argument errors as one bilingual line after the usage."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(2, f"lỗi / error: {self.prog}: {message}\n")


def _bilingual(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser._optionals.title = "tùy chọn / options"
    parser._positionals.title = "lệnh / commands"
    parser.add_argument("-h", "--help", action="help", help="hiện trợ giúp này / show this help")
    return parser


def _command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    return _bilingual(sub.add_parser(name, help=help_text, description=help_text, add_help=False,
                                     formatter_class=_Formatter))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the test that keeps the README honest)."""
    parser = _bilingual(_Parser(
        prog="hdmonitor", add_help=False, formatter_class=_Formatter,
        description="Theo dõi báo chí về Hải Dương / media monitoring for Hải Dương",
    ))
    parser.add_argument("--database", metavar="URL", help="địa chỉ CSDL / database URL (env HDM_DATABASE_URL)")
    parser.add_argument("--config", metavar="DIR", help="thư mục cấu hình / config directory (env HDM_CONFIG_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết / verbose logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, title="lệnh / commands")

    p = _command(sub, "init", "tạo hoặc nâng cấp CSDL, nạp nguồn / create or upgrade the database")
    p.set_defaults(func=cmd_init)

    p = _command(sub, "demo", "chạy thử với các trang mẫu ngoại tuyến / run the offline demo")
    p.add_argument("--port", type=int, default=DEMO_PORT, help=f"cổng trang mẫu / demo port ({DEMO_PORT})")
    p.set_defaults(func=cmd_demo)

    p = _command(sub, "crawl", "thu thập một lần / collect once")
    p.add_argument("--once", action="store_true", default=True, help="một lần rồi dừng (mặc định) / once")
    p.add_argument("--source", metavar="ID", help="chỉ một nguồn / one source only")
    p.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    p.set_defaults(func=cmd_crawl)

    p = _command(sub, "analyse", "phân tích bài mới / analyse new articles")
    p.add_argument("--limit", type=int, metavar="N", help="tối đa N bài / at most N articles")
    p.set_defaults(func=cmd_analyse)

    p = _command(sub, "classify", "phân loại JSONL / classify JSONL lines")
    p.add_argument("--input", required=True, metavar="FILE", help="JSONL vào / input JSONL, '-' = stdin")
    p.add_argument("--output", required=True, metavar="FILE", help="JSONL ra / output JSONL, '-' = stdout")
    p.set_defaults(func=cmd_classify)

    p = _command(sub, "train", "huấn luyện mô hình / train the models")
    p.add_argument("--data", nargs="*", metavar="PATH", help="thêm tệp JSONL có nhãn / extra labeled JSONL")
    p.add_argument("--out", metavar="DIR", help="thư mục ghi mô hình / output directory")
    p.add_argument("--no-seed", action="store_true", help="không dùng kho mẫu / without the seed corpus")
    p.add_argument("--version", metavar="NAME", help="tên phiên bản mô hình / model version name")
    p.add_argument("--analyst-labels", action="store_true",
                   help="thêm quyết định của cán bộ từ CSDL / add analysts' decisions from the database")
    p.set_defaults(func=cmd_train)

    p = _command(sub, "eval", "đánh giá mô hình / evaluate on labeled data (JSON metrics)")
    p.add_argument("--data", required=True, metavar="FILE|NAME",
                   help="JSONL có nhãn hoặc tên / labeled JSONL or a name: seed-test, demo, vntc, uit-vsfc, reintel")
    p.set_defaults(func=cmd_eval)

    p = _command(sub, "export", "xuất dữ liệu / export articles")
    p.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default="jsonl",
                   help="định dạng / format (jsonl)")
    p.add_argument("--since", metavar="DATE", help="từ ngày / since (YYYY-MM-DD, giờ Việt Nam)")
    p.add_argument("--flagged", action="store_true", help="chỉ bài bị gắn cờ / flagged only")
    p.add_argument("--output", required=True, metavar="FILE", help="tệp ra / output file, '-' = stdout")
    p.set_defaults(func=cmd_export)

    p = _command(sub, "sources", "quản lý nguồn / sources")
    sources_sub = p.add_subparsers(dest="sources_command", metavar="SUBCOMMAND", required=True,
                                   title="lệnh con / subcommands")
    q = _command(sources_sub, "list", "liệt kê nguồn / list sources")
    q.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    q.set_defaults(func=cmd_sources)
    q = _command(sources_sub, "check", "thử một nguồn, không lưu / fetch a source once, store nothing")
    q.add_argument("id", metavar="ID", help="id nguồn / source id")
    q.add_argument("--sources", metavar="FILE", help="tệp nguồn khác / another sources file")
    q.add_argument("--limit", type=int, default=10, help="số bài thử tối đa / articles to try (10)")
    q.set_defaults(func=cmd_sources_check)
    q = _command(sources_sub, "health", "tình trạng từng nguồn / per-source health")
    q.set_defaults(func=cmd_sources_health)

    p = _command(sub, "serve", "mở ứng dụng web / start the web app")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ nghe / listen address (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="cổng / port (8000)")
    p.set_defaults(func=cmd_serve)

    p = _command(sub, "status", "tình trạng hệ thống / system status")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hdmonitor` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from nlp.corpus import CorpusError
    from nlp.models import ModelLoadError
    from store.db import DatabaseError

    try:
        return int(args.func(args))
    except CliError as exc:
        err_console.print(f"lỗi / error: {exc}", markup=False)
        return exc.code
    except (SettingsError, DatabaseError, ModelLoadError, CorpusError) as exc:
        err_console.print(f"lỗi / error: {exc}", markup=False)
        return 1
    except KeyboardInterrupt:
        err_console.print("đã dừng / interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the user sees one line; -v shows the traceback
        logger.debug("unexpected error", exc_info=True)
        if args.verbose:
            raise
        err_console.print(f"lỗi không mong đợi / unexpected error: {type(exc).__name__}: {exc} "
                          "(chạy lại với -v để xem chi tiết / rerun with -v for details)", markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
