"""SimHash speed: the plain-Python definition (one shingle, byte and bit at a time) vs the numpy simhash.

    .venv/bin/python -m bench.dedup_speed [--n 2000] [--data ../shared/data]

Reads the first n VNTC test articles in place (gzip JSON lines) and prints one JSON line: ms per article
for each implementation, the speed-up, and whether every value was equal.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from nlp.fingerprint import reference_simhash, simhash

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_WORD = re.compile(r"\w+")


def load_texts(data: Path, n: int) -> list[str]:
    """The first n article texts of the VNTC test set."""
    texts: list[str] = []
    with gzip.open(data / "vntc" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) >= n:
                break
    return texts


def timed(func: Callable[[str], int], texts: list[str]) -> tuple[list[int], float]:
    """Values of func over the texts and the seconds taken (after one warm-up call)."""
    func(texts[0])
    start = time.perf_counter()
    values = [func(text) for text in texts]
    return values, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    texts = load_texts(args.data, args.n)
    old_values, old_s = timed(reference_simhash, texts)
    new_values, new_s = timed(simhash, texts)
    print(json.dumps({
        "bench": "dedup_simhash", "articles": len(texts),
        "mean_words": round(sum(len(_WORD.findall(text)) for text in texts) / len(texts), 1),
        "old_ms_per_article": round(1000 * old_s / len(texts), 4),
        "new_ms_per_article": round(1000 * new_s / len(texts), 4),
        "speedup": round(old_s / new_s, 2),
        "all_equal": old_values == new_values,
    }), flush=True)


if __name__ == "__main__":
    main()
