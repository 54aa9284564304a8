"""Analysis throughput on real article texts, with and without a relevance signal, 1 and 2 workers.

    .venv/bin/python -m bench.analyse_throughput [--n 2000] [--data ../shared/data]

Without a signal: VNTC test articles (2005-06 national news) that name no place of the region.
With a signal: the seed corpus and demo articles that are about the region (the only such texts
we have), repeated to the same count. Prints one JSON line per measurement with the per-stage split.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from multiprocessing import get_context
from pathlib import Path

from config import load_settings
from nlp.analyse import Document
from nlp.corpus import load, seed_files
from pipeline.evaluation import demo_examples
from pipeline.resources import build_analyser

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def no_signal_docs(data: Path, n: int) -> list[Document]:
    docs: list[Document] = []
    with gzip.open(data / "vntc" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            text = json.loads(line)["text"]
            title, _, body = text.strip().partition("\n")
            docs.append(Document(id=f"vntc-{i}", title=title, text=body, lang="vi"))
            if len(docs) >= n * 2:
                break
    analyser = build_analyser(load_settings(), with_entities=False, models_without_signal=False)
    from nlp.relevance import assess

    return [d for d in docs if not assess(d.title, d.text, analyser.gazetteer).has_signal][:n]


def signal_docs(n: int) -> list[Document]:
    pool = [e for e in load(seed_files()) + demo_examples() if e.relevance in ("focus", "mention")]
    return [Document(id=f"{i}", title=pool[i % len(pool)].title, text=pool[i % len(pool)].text,
                     lang=pool[i % len(pool)].lang) for i in range(n)]


def _work(args: tuple[list[Document], bool, bool]) -> tuple[float, dict[str, float]]:
    docs, entities, models_for_all = args
    analyser = build_analyser(load_settings(), with_entities=entities, models_without_signal=models_for_all)
    analyser.analyse_many(docs[:5])  # warm up (model load, tagger load)
    analyser.timings.clear()
    start = time.perf_counter()
    for i in range(0, len(docs), 50):
        analyser.analyse_many(docs[i:i + 50])
    return time.perf_counter() - start, dict(analyser.timings)


def measure(name: str, docs: list[Document], workers: int, entities: bool, models_for_all: bool) -> None:
    chunks = [docs[i::workers] for i in range(workers)]
    start = time.perf_counter()
    if workers == 1:
        results = [_work((docs, entities, models_for_all))]
    else:
        with get_context("spawn").Pool(workers) as pool:
            results = pool.map(_work, [(c, entities, models_for_all) for c in chunks])
    busiest = max(r[0] for r in results)
    stages: dict[str, float] = {}
    for _, timing in results:
        for stage, seconds in timing.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    total = sum(stages.values()) or 1.0
    print(json.dumps({
        "bench": name, "articles": len(docs), "workers": workers,
        "articles_per_s": round(len(docs) / busiest, 1),
        "stage_share": {k: round(v / total, 3) for k, v in sorted(stages.items())},
        "stage_ms_per_article": {k: round(1000 * v / len(docs), 3) for k, v in sorted(stages.items())},
        "wall_s_including_start": round(time.perf_counter() - start, 1),
    }), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    without = no_signal_docs(args.data, args.n)
    with_signal = signal_docs(args.n)
    for workers in (1, 2):
        measure("analyse_no_signal_pipeline_default", without, workers, entities=True, models_for_all=False)
        measure("analyse_no_signal_models_forced", without, workers, entities=True, models_for_all=True)
        measure("analyse_with_signal", with_signal, workers, entities=True, models_for_all=True)


if __name__ == "__main__":
    main()
