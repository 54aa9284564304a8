"""Evaluate the analysis on labeled data: a JSONL file, the held-out seed split or the demo sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.settings import Settings
from nlp.analyse import Document
from nlp.calibration import expected_calibration_error, reliability
from nlp.corpus import RELEVANCE, SENTIMENTS, TOPICS, Example, load, seed_files
from nlp.evaluate import classification_metrics
from nlp.normalise import clean_text
from pipeline.demo.sites import load_sites
from pipeline.resources import build_analyser

NAMED = ("seed-test", "demo", "vntc", "vntc-tiers", "uit-vsfc", "reintel", "claims-dev", "claims-heldout")
MAX_TITLE_CHARS = 200  # a first line longer than this in a VNTC file is a paragraph, not a headline
TIER_LABELS = Path(__file__).resolve().parent.parent / "nlp" / "tiers" / "vntc_tiers.jsonl"
VNTC_TOPICS = {  # VNTC's 2005-06 sections onto our codes (sport results without a local angle are 'other')
    "Chinh tri Xa hoi": "politics", "Doi song": "society", "Khoa hoc": "science_technology",
    "Kinh doanh": "economy", "Phap luat": "security_law", "Suc khoe": "society", "The gioi": "other",
    "The thao": "other", "Van hoa": "culture_tourism", "Vi tinh": "science_technology",
}


class EvaluationError(ValueError):
    """Unknown data name or unreadable file."""


def demo_examples() -> list[Example]:
    """The demo sites' articles with the labels their authors gave them."""
    out = []
    for site in load_sites():
        for a in site.articles:
            out.append(Example(
                id=f"{site.id}/{a.slug}", title=a.title, text="\n\n".join([a.summary, *a.body]),
                lang=site.lang, source_kind=site.kind, topic=a.expected.get("topic"),
                sentiment=a.expected.get("sentiment"), relevance=a.expected.get("relevance"),
                distorted=a.expected.get("flag"),
            ))
    return out


def public_examples(name: str, data: Path) -> list[Example]:
    """A public labeled set from ../shared/data as examples (never shipped, never trained on here)."""
    import csv
    import json
    import sys

    if not data.is_dir():
        raise EvaluationError(f"không thấy dữ liệu công khai / no public data at {data} (HDM_SHARED_DATA_DIR)")
    if name == "vntc":
        out = []
        with (data / "vntc" / "sample_test.jsonl").open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                row = json.loads(line)
                title, _, body = row["text"].strip().partition("\n")
                out.append(Example(id=f"vntc-{i}", title=title, text=body, lang="vi", topic=VNTC_TOPICS[row["label"]]))
        return out
    if name == "vntc-tiers":
        return tier_examples(data)
    if name == "uit-vsfc":
        rows = json.loads((data / "uit-vsfc" / "UIT-VSFC-test.json").read_text(encoding="utf-8"))
        return [Example(id=f"vsfc-{i}", title="", text=r["sentence"], lang="vi", sentiment=r["sentiment"])
                for i, r in enumerate(rows)]
    csv.field_size_limit(sys.maxsize)
    with (data / "reintel-vlsp2020" / "public_train.csv").open(encoding="utf-8", newline="") as fh:
        return [Example(id=f"reintel-{r['id']}", title="", text=r.get("post_message") or " ", lang="vi",
                        source_kind="blog", distorted=r["label"] == "1")
                for r in csv.DictReader(fh) if r.get("label") in ("0", "1")]


def tier_examples(data: Path, labels: Path = TIER_LABELS) -> list[Example]:
    """Real VNTC news that names a place of the region, with hand-given tiers (focus / mention / none).

    The project keeps only the labels (split, file, tier, reason); the texts are read from the data set.
    """
    import gzip
    import json

    wanted: dict[tuple[str, str], str] = {}
    with labels.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            wanted[(row["split"], row["file"])] = row["tier"]
    out = []
    for split in sorted({s for s, _ in wanted}):
        with gzip.open(data / "vntc" / f"{split}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                tier = wanted.get((split, row["file"]))
                if tier is not None:
                    title, _, body = row["text"].strip().partition("\n")
                    if len(title) > MAX_TITLE_CHARS:  # no headline line: the file starts with its first paragraph
                        title, body = "", row["text"]
                    out.append(Example(id=f"{split}/{row['file']}", title=clean_text(title), text=clean_text(body),
                                       lang="vi", relevance=tier))
    if len(out) != len(wanted):
        missing = len(wanted) - len(out)
        raise EvaluationError(f"thiếu bài trong dữ liệu / {missing} labeled articles not found in {data}")
    return out


def examples_for(name: str, data: Path | None = None) -> tuple[list[Example], dict[str, float]]:
    """Examples for a name or a path, and the source prior to use per example id."""
    if name in ("vntc", "vntc-tiers", "uit-vsfc", "reintel"):
        return public_examples(name, data or Path("../shared/data")), {}
    if name == "seed-test":
        return load(seed_files(), split="test"), {}
    if name == "demo":
        priors = {f"{s.id}/{a.slug}": s.prior for s in load_sites() for a in s.articles}
        return demo_examples(), priors
    path = Path(name)
    if not path.is_file():
        raise EvaluationError(f"không có tệp hay tên dữ liệu / no such file or data name: {name} "
                              f"(names: {', '.join(NAMED)})")
    return load([path]), {}


def evaluate(settings: Settings, examples: list[Example], priors: dict[str, float]) -> dict[str, Any]:
    """Per-task metrics for every label the examples carry."""
    analyser = build_analyser(settings, with_entities=False)
    docs = [Document(id=e.id, title=e.title, text=e.text, lang=e.lang, source_kind=e.source_kind,
                     source_prior=priors.get(e.id, 0.0)) for e in examples]
    results = analyser.analyse_many(docs)
    report: dict[str, Any] = {"n": len(examples), "model_version": analyser.models.version}
    tasks = (("topic", TOPICS), ("sentiment", SENTIMENTS), ("relevance", RELEVANCE))
    for task, labels in tasks:
        pairs = [(getattr(e, task), getattr(r, task)) for e, r in zip(examples, results, strict=True)
                 if getattr(e, task) is not None]
        if pairs:
            report[task] = classification_metrics([g for g, _ in pairs], [p for _, p in pairs], labels)
    flags = [("flag" if e.distorted else "ok", "flag" if r.flagged else "ok")
             for e, r in zip(examples, results, strict=True) if e.distorted is not None]
    if flags:
        report["flagged"] = classification_metrics([g for g, _ in flags], [p for _, p in flags], ("ok", "flag"))
        gold = [1 if e.distorted else 0 for e in examples if e.distorted is not None]
        if 0 < sum(gold) < len(gold):
            from sklearn.metrics import roc_auc_score

            scores = [r.risk_components.get("classifier", 0.0) for e, r in zip(examples, results, strict=True)
                      if e.distorted is not None]
            report["distortion_roc_auc"] = round(float(roc_auc_score(gold, scores)), 4)
        rows = reliability([r.risk for e, r in zip(examples, results, strict=True) if e.distorted is not None],
                           [bool(e.distorted) for e in examples if e.distorted is not None])
        calibrated = analyser.calibration is not None or analyser.risk_model is not None
        report["risk_reliability"] = {"calibrated": calibrated,
                                      "expected_calibration_error": expected_calibration_error(rows), "bins": rows}
    return report


def evaluate_named(settings: Settings, name: str) -> dict[str, Any]:
    """Evaluate on a named set or a JSONL file."""
    if name.startswith("claims-"):
        from pipeline.claims import SETS, evaluate_claims

        if name not in SETS:
            raise EvaluationError(f"không có bộ này / no such claim set: {name} (names: {', '.join(SETS)})")
        return evaluate_claims(settings, name)
    examples, priors = examples_for(name, settings.shared_data_dir)
    if not examples:
        raise EvaluationError(f"không có mẫu nào / no examples in {name}")
    report = {"data": name, **evaluate(settings, examples, priors)}
    if name == "vntc-tiers":
        report["relevance_cross_validated"] = cross_validated_tiers(settings, examples)
    return report


def cross_validated_tiers(settings: Settings, real: list[Example], folds: int = 5, share: float = 1.0,
                          draw: int = 0) -> dict[str, Any]:
    """The tier decision on real news it was not fitted on: for each fold, a tier model fitted on the seed
    corpus's training split and the other folds, measured on this one (the shipped model saw them all).

    `share` < 1 fits each fold's model on that share of the other folds' pieces only (drawn with the seed
    `draw`), for the learning curve in bench.tier_learning_curve."""
    import random

    from nlp.corpus import split_of
    from nlp.relevance import Gazetteer, assess
    from nlp.train import fold_of
    from pipeline.resources import TIER_C, fit_tier_model, read_yaml, tier_pieces

    gazetteer = Gazetteer.from_dict(read_yaml(settings.gazetteer_file()))
    seed = [p for p in tier_pieces(gazetteer, [e for e in load(seed_files()) if split_of(e.id) == "train"]) if p]
    own = tier_pieces(gazetteer, real)  # each piece's features, worked out once for every fold
    of = [fold_of(e.id, folds) for e in real]
    gold: list[str] = []
    predicted: list[str] = []
    rng = random.Random(draw)
    for k in range(folds):
        kept = [p for p, f in zip(own, of, strict=True) if p is not None and f != k and rng.random() < share]
        model = fit_tier_model(seed, kept, TIER_C)
        for e, f in zip(real, of, strict=True):
            if f == k:
                gold.append(e.relevance or "none")
                predicted.append(assess(e.title, e.text, gazetteer, model).tier)
    return {"folds": folds, **classification_metrics(gold, predicted, RELEVANCE)}
