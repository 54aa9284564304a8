"""Evaluate the analysis on labeled data: a JSONL file, the held-out seed split or the demo sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.settings import Settings
from nlp.analyse import Document
from nlp.corpus import RELEVANCE, SENTIMENTS, TOPICS, Example, load, seed_files
from nlp.evaluate import classification_metrics
from pipeline.demo.sites import load_sites
from pipeline.resources import build_analyser

NAMED = ("seed-test", "demo")


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


def examples_for(name: str) -> tuple[list[Example], dict[str, float]]:
    """Examples for a name or a path, and the source prior to use per example id."""
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
    return report


def evaluate_named(settings: Settings, name: str) -> dict[str, Any]:
    """Evaluate on a named set or a JSONL file."""
    examples, priors = examples_for(name)
    if not examples:
        raise EvaluationError(f"không có mẫu nào / no examples in {name}")
    return {"data": name, **evaluate(settings, examples, priors)}
