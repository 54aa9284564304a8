"""Models: train and eval."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings
from pipeline.cli.common import CliError, add_command, engine_of, err_console, settings_of


def _analyst_examples(settings: Settings) -> list[Any]:
    """Analysts' decisions as labels: confirmed or dismissed cases (distortion) and corrected relevance,
    topic and sentiment."""
    from nlp.corpus import Example
    from store.db import session_scope
    from store.decisions import analyst_labels

    engine = engine_of(settings, migrate=False)
    out = []
    with session_scope(engine) as session:
        for article, labels in analyst_labels(session):
            # ids prefixed so that split_of() puts analyst labels where the hash says; kept either way
            distorted = labels.get("distorted")
            out.append(Example(id=f"analyst-{article.id}", title=article.title, text=article.text,
                               lang=article.lang, source_kind=article.source.kind if article.source else None,
                               topic=_text(labels.get("topic")), sentiment=_text(labels.get("sentiment")),
                               relevance=_text(labels.get("relevance")),
                               distorted=distorted if isinstance(distorted, bool) else None))
    return out


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


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
            decided = _analyst_examples(settings_of(args))
            examples += decided
            extra.append({"analyst_decisions": len(decided), "database": "configured database"})
        bundle = train_bundle(examples, files, extra_sources=extra, version=args.version,
                              progress=lambda m: err_console.print(m))
    except (CorpusError, TrainingError) as exc:
        raise CliError(str(exc)) from exc
    from pipeline.resources import calibrate, fit_tiers

    settings = settings_of(args)
    if args.calibration_folds:
        try:
            bundle.card["risk_calibration"] = calibrate(settings, examples, bundle, args.calibration_folds,
                                                        progress=lambda m: err_console.print(m))
        except (TrainingError, ValueError) as exc:
            raise CliError(f"không hiệu chỉnh được / cannot calibrate the risk: {exc}") from exc
    try:
        bundle.card["tier_model"] = fit_tiers(settings, examples)
    except ValueError as exc:
        raise CliError(f"không học được mức liên quan / cannot fit the tier model: {exc}") from exc
    out = Path(args.out) if args.out else Path("var") / "models" / bundle.version
    bundle.save(out)
    claims: dict[str, Any] | None = None
    if args.analyst_labels:  # the known-claim matcher's thresholds, from the links analysts decided
        from pipeline.claims import tune_from_decisions

        claims = tune_from_decisions(settings, engine_of(settings, migrate=False))
        (out / "claims.json").write_text(json.dumps(claims, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps({
        "out": str(out), "version": bundle.version,
        "metrics_heldout": {k: {"accuracy": v["accuracy"], "macro_f1": v["macro_f1"]}
                            for k, v in bundle.card["metrics_heldout"].items()},
        **({"claim_thresholds": claims} if claims is not None else {}),
    }, ensure_ascii=False) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluation import EvaluationError, evaluate_named

    settings = settings_of(args)
    try:
        result = evaluate_named(settings, args.data)
    except EvaluationError as exc:
        raise CliError(str(exc)) from exc
    reliability = result.get("risk_reliability")
    if reliability is not None:
        from pipeline.reliability_plot import write_reliability_plot

        name = re.sub(r"[^\w.-]+", "-", Path(args.data).stem if Path(args.data).is_file() else args.data)
        plot = Path(args.plot) if args.plot else Path("var") / "eval" / f"reliability-{name}.png"
        reliability["plot"] = str(write_reliability_plot(reliability["bins"],
                                                         reliability["expected_calibration_error"], name, plot))
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


def register(sub: Any) -> None:
    """Add train and eval."""
    p = add_command(sub, "train", "huấn luyện mô hình / train the models")
    p.add_argument("--data", nargs="*", metavar="PATH", help="thêm tệp JSONL có nhãn / extra labeled JSONL")
    p.add_argument("--out", metavar="DIR", help="thư mục ghi mô hình / output directory")
    p.add_argument("--no-seed", action="store_true", help="không dùng kho mẫu / without the seed corpus")
    p.add_argument("--version", metavar="NAME", help="tên phiên bản mô hình / model version name")
    p.add_argument("--analyst-labels", action="store_true",
                   help="thêm quyết định của cán bộ từ CSDL / add analysts' decisions from the database")
    p.add_argument("--calibration-folds", type=int, default=5, metavar="N",
                   help="số phần để hiệu chỉnh điểm rủi ro (0: không) / folds for the risk calibration (0: none)")
    p.set_defaults(func=cmd_train)

    p = add_command(sub, "eval", "đánh giá mô hình / evaluate on labeled data (JSON metrics)")
    p.add_argument("--data", required=True, metavar="FILE|NAME",
                   help="JSONL có nhãn hoặc tên / labeled JSONL or a name: seed-test, demo, vntc, vntc-tiers, "
                        "uit-vsfc, reintel, claims-dev, claims-heldout")
    p.add_argument("--plot", metavar="PNG",
                   help="nơi ghi biểu đồ độ tin cậy / where to write the reliability plot "
                        "(default var/eval/reliability-NAME.png)")
    p.set_defaults(func=cmd_eval)
