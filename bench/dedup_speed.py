"""SimHash speed: the plain-Python definition (one shingle, byte and bit at a time) vs the numpy simhash.

    .venv/bin/python -m bench.dedup_speed [--n 2000] [--data ../shared/data]

Reads the first n VNTC test articles in place (gzip JSON lines) and prints one JSON line: ms per article
for each implementation (and for the numpy one given the folded words, as ingest calls it), the speed-up,
and whether every value was equal.
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
from nlp.normalise import fold
from nlp.query import words_of_folded

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
    plain_values, plain_s = timed(reference_simhash, texts)
    new_values, new_s = timed(simhash, texts)
    words = {text: words_of_folded(fold(text)) for text in texts}  # as ingest hands them over
    given_values, given_s = timed(lambda text: simhash(text, words=words[text]), texts)
    print(json.dumps({
        "bench": "dedup_simhash", "articles": len(texts),
        "mean_words": round(sum(len(_WORD.findall(text)) for text in texts) / len(texts), 1),
        "plain_python_ms_per_article": round(1000 * plain_s / len(texts), 4),
        "numpy_ms_per_article": round(1000 * new_s / len(texts), 4),
        "numpy_words_given_ms_per_article": round(1000 * given_s / len(texts), 4),
        "speedup": round(plain_s / new_s, 2),
        "all_equal": plain_values == new_values == given_values,
    }), flush=True)


if __name__ == "__main__":
    main()
