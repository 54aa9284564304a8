"""What each part of known-claim matching adds: the evaluation of a set with one part switched off at a time.

    .venv/bin/python -m bench.claim_ablation [--data claims-dev|claims-heldout]

Prints one JSON line per variant: same- and cross-language success@5, false-suggestion rate and strong
precision at the shipped thresholds.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nlp.claims.match as match
import nlp.claims.text as text
from config.settings import load_settings
from nlp.claims.evaluate import evaluate, load_set
from nlp.claims.terms import TermList
from pipeline.claims import SETS, SETS_DIR, claim_index, load_terms

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "no character n-grams": {"LEXICAL_WEIGHT": 1.0},
    "no whole-piece coverage": {"WHOLE": 0.0},
    "no two-sentence windows": {"SPAN": 1},
    "no number penalty": {"NUMBER_PENALTY": 1.0},
}


@contextmanager
def patched(module: Any, values: dict[str, Any]) -> Iterator[None]:
    """Module constants set for the duration of the block."""
    old = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)


def _report(name: str, set_name: str, index: Any, pieces: list[Any]) -> dict[str, Any]:
    found = evaluate(index, pieces)
    return {"bench": "claim_ablation", "data": set_name, "variant": name,
            "same_s@5": found["same_language"]["success@5"], "cross_s@5": found["cross_language"]["success@5"],
            "false_suggestions": found["false_suggestion_rate"], "strong_precision": found["strong_precision"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(SETS), default="claims-dev")
    args = parser.parse_args()
    settings = load_settings()
    claims, pieces = load_set(SETS_DIR / SETS[args.data])
    for name, values in VARIANTS.items():
        with patched(match, values):
            print(json.dumps(_report(name, args.data, claim_index(settings, claims), pieces), ensure_ascii=False))
    with patched(match.ClaimIndex, {"_agreement": lambda self, *a: 1.0}):
        print(json.dumps(_report("no place veto", args.data, claim_index(settings, claims), pieces)))
    with patched(text, {"_word_numbers": lambda t: set()}):
        print(json.dumps(_report("no numbers in words", args.data, claim_index(settings, claims), pieces)))
    full = load_terms(settings)
    places_only = TermList(spellings={k: v for k, v in full.spellings.items() if v.startswith("P:")},
                           generic=full.generic)
    index = claim_index(settings, claims)
    index.terms = places_only
    print(json.dumps(_report("no bilingual concepts (places only)", args.data, index.build(), pieces)))
    index = claim_index(settings, claims)
    index.tokenise = None
    print(json.dumps(_report("no underthesea words (syllables only)", args.data, index.build(), pieces)))


if __name__ == "__main__":
    main()
