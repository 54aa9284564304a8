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
    from pipeline.claim_links import ClaimLinker
    from pipeline.resources import build_analyser

    with console.status("Đang nạp mô hình / loading models…") as status:
        analyser = build_analyser(settings, models_without_signal=settings.analyse_without_signal)
        status.update("Đang phân tích / analysing…")
        return analyse_pending(
            engine, analyser, settings.analyse_batch_size, limit,
            lambda r: status.update(f"Đang phân tích / analysing… {r.analysed} xong, {r.flagged} gắn cờ"),
            alert_threshold=settings.alert_threshold, linker=ClaimLinker(settings, engine),
        )


def cmd_analyse(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    engine = engine_of(settings, migrate=False)
    from pipeline.saved_searches import run_saved_searches

    report = analyse_and_show(settings, engine, args.limit)
    matched = run_saved_searches(engine)
    console.print(f"Phân tích / analysed: {report.analysed}, gắn cờ / flagged: {report.flagged}, "
                  f"hồ sơ mới / cases opened: {report.cases_opened}, cảnh báo / alerts: {report.alerts}, "
                  f"lặp lại khẳng định đã biết / known-claim links: {report.claim_links}, "
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


def _claims_index(settings: Any, path: str) -> Any:
    """The known claims of a JSON Lines file ({"id", "text", "lang", "variants"?}), compiled for matching."""
    from nlp.claims.evaluate import ClaimSetError, claims_of
    from nlp.corpus import jsonl_objects
    from pipeline.claims import claim_index

    rows = [row for _, row in jsonl_objects(read_lines(path), path)]
    try:
        claims = claims_of(rows, path)
    except ClaimSetError as exc:
        raise CliError(str(exc)) from exc
    if len({c.id for c in claims}) != len(claims):
        raise CliError(f"{path}: mã khẳng định bị trùng / duplicate claim ids")
    return claim_index(settings, claims)


def cmd_classify(args: argparse.Namespace) -> int:
    from pipeline.resources import build_analyser

    settings = settings_of(args)
    docs = _classify_inputs(args.input)
    index = _claims_index(settings, args.claims) if args.claims else None
    analyser = build_analyser(settings)
    out = open_out(args.output)
    try:
        for start in range(0, len(docs), 64):
            chunk = docs[start:start + 64]
            for doc, result in zip(chunk, analyser.analyse_many(chunk), strict=True):
                line = result.contract()
                if index is not None:
                    line["claim_matches"] = [
                        {"claim_id": m.claim_id, "score": m.score, "level": m.level, "sentence": m.sentence}
                        for m in index.match(doc.title, doc.text, result.lang)]
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
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
    p.add_argument("--claims", metavar="FILE", help="các khẳng định đã biết (JSONL) / known claims (JSONL): adds "
                                                    "claim_matches to each line")
    p.set_defaults(func=cmd_classify)
