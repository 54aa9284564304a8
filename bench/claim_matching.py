"""Known-claim matching cost: per article against 1,000 known claims, on one and on two processes, and memory.

    .venv/bin/python -m bench.claim_matching [--claims 1000] [--repeat 2]

The 1,000 claims are the development set's 30, then variations of them on other places and numbers of the
region (every place of the gazetteer, numbers scaled), so the index is as large and as varied in vocabulary
as a year of cases; the articles are the development set's appearances and hard negatives. Prints one JSON
line: index build time, ms per article on 1 and 2 processes, articles per second, peak memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import time
from typing import Any

from config.settings import load_settings
from nlp.claims.evaluate import Piece, load_set
from nlp.claims.match import ClaimIndex, KnownClaim
from pipeline.claims import SETS_DIR, claim_index
from pipeline.resources import read_yaml

_index: ClaimIndex | None = None


def synthetic_claims(base: list[KnownClaim], n: int, seed: int = 7) -> list[KnownClaim]:
    """`n` claims: the base ones, then copies moved to other places of the region with other numbers."""
    import re

    settings = load_settings()
    gazetteer = read_yaml(settings.gazetteer_file())
    places = [str(e["names"][0]) for e in gazetteer.get("entries", []) if e.get("names")]
    rng = random.Random(seed)
    out = list(base)
    while len(out) < n:
        claim = rng.choice(base)
        place = rng.choice(places)
        text = re.sub(r"\d+", lambda m: str(int(m.group(0)) * rng.randint(2, 9)), claim.text)
        text = f"{text} ({place})" if rng.random() < 0.5 else f"{place}: {text}"
        out.append(KnownClaim(f"s{len(out)}", text, claim.lang, ()))
    return out


def _init(claims: list[KnownClaim]) -> None:
    global _index
    _index = claim_index(load_settings(), claims)


def _match(pieces: list[Piece]) -> int:
    assert _index is not None
    return sum(len(_index.match(p.title, p.text, p.lang)) for p in pieces)


def _timed(claims: list[KnownClaim], pieces: list[Piece], processes: int) -> float:
    """Seconds to match every piece, split over `processes` (each with its own index, as the workers have)."""
    if processes == 1:
        _init(claims)
        _match(pieces[:5])  # warm: underthesea's model loads on first use
        started = time.perf_counter()
        _match(pieces)
        return time.perf_counter() - started
    chunks = [pieces[i::processes] for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes, initializer=_init, initargs=(claims,)) as pool:
        pool.map(_match, [c[:5] for c in chunks])
        started = time.perf_counter()
        pool.map(_match, chunks)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2, help="each article this many times")
    args = parser.parse_args()
    base, pieces = load_set(SETS_DIR / "dev")
    claims = synthetic_claims(base, args.claims)
    pieces = pieces * args.repeat
    started = time.perf_counter()
    _init(claims)
    built = time.perf_counter() - started
    one = _timed(claims, pieces, 1)
    two = _timed(claims, pieces, 2)
    result: dict[str, Any] = {
        "bench": "claim_matching", "claims": len(claims), "articles": len(pieces), "build_s": round(built, 2),
        "ms_per_article_1": round(1000 * one / len(pieces), 1), "ms_per_article_2": round(1000 * two / len(pieces), 1),
        "articles_per_s_1": round(len(pieces) / one, 1), "articles_per_s_2": round(len(pieces) / two, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
