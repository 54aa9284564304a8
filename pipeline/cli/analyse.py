"""Analysing: analyse stored articles, classify JSONL lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings
from pipeline.cli.common import (
    CliError,
    add_command,
    close_out,
    console,
    engine_of,
    err_console,
    open_out,
    read_lines,
    settings_of,
)


def analyse_and_show(settings: Settings, engine: Any, limit: int | None = None) -> Any:
    """Analyse the waiting articles behind a progress line."""
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


def cmd_analyse(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    from pipeline.saved_searches import run_saved_searches

    report = analyse_and_show(settings, engine, args.limit)
    matched = run_saved_searches(engine)
    console.print(f"Phân tích / analysed: {report.analysed}, gắn cờ / flagged: {report.flagged}, "
                  f"hồ sơ mới / cases opened: {report.cases_opened}, cảnh báo / alerts: {report.alerts}, "
                  f"lỗi / failed: {report.failed}, khớp tìm kiếm đã lưu / saved-search matches: {matched}")
    return 0


def _classify_inputs(path: str) -> list[Any]:
    from nlp.analyse import Document
    from nlp.corpus import jsonl_objects
    from nlp.normalise import clean_text

    docs: list[Document] = []
    for where, row in jsonl_objects(read_lines(path), path):
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

    settings = settings_of(args)
    docs = _classify_inputs(args.input)
    analyser = build_analyser(settings)
    out = open_out(args.output)
    try:
        for start in range(0, len(docs), 64):
            for result in analyser.analyse_many(docs[start:start + 64]):
                out.write(json.dumps(result.contract(), ensure_ascii=False) + "\n")
    except BaseException:
        if out is not sys.stdout:
            out.close()
            Path(args.output + ".tmp").unlink(missing_ok=True)
        raise
    close_out(out, args.output)
    if args.output != "-":
        err_console.print(f"{len(docs)} dòng / lines → {args.output}")
    return 0


def register(sub: Any) -> None:
    """Add analyse and classify."""
    p = add_command(sub, "analyse", "phân tích bài mới / analyse new articles")
    p.add_argument("--limit", type=int, metavar="N", help="tối đa N bài / at most N articles")
    p.set_defaults(func=cmd_analyse)

    p = add_command(sub, "classify", "phân loại JSONL / classify JSONL lines")
    p.add_argument("--input", required=True, metavar="FILE", help="JSONL vào / input JSONL, '-' = stdin")
    p.add_argument("--output", required=True, metavar="FILE", help="JSONL ra / output JSONL, '-' = stdout")
    p.set_defaults(func=cmd_classify)
