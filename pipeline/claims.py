"""Known-claim matching wired to the configuration: the bilingual term list from claim_terms.yaml, the
gazetteer and the taxonomy; underthesea's words for Vietnamese; the evaluation sets shipped in nlp/claims/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from config.settings import Settings
from nlp.claims.evaluate import build_index, evaluate, load_set
from nlp.claims.match import ClaimIndex, KnownClaim
from nlp.claims.terms import TermList, build_terms
from pipeline.resources import read_yaml

SETS = {"claims-dev": "dev", "claims-heldout": "heldout"}
SETS_DIR = Path(__file__).resolve().parents[1] / "nlp" / "claims"


def load_terms(settings: Settings) -> TermList:
    """The term list from the configured files."""
    return build_terms(read_yaml(settings.config_file("claim_terms.yaml")),
                       read_yaml(settings.config_file("gazetteer.yaml")),
                       read_yaml(settings.config_file("taxonomy.yaml")))


def vietnamese_words(text: str) -> list[str]:
    """underthesea's words of a Vietnamese text (compounds joined by '_')."""
    from nlp.tokenise import word_tokens

    return word_tokens(text)[0]


def claim_index(settings: Settings, claims: list[KnownClaim]) -> ClaimIndex:
    """A compiled index of the given claims."""
    return build_index(claims, load_terms(settings), vietnamese_words)


def evaluate_claims(settings: Settings, name: str) -> dict[str, Any]:
    """success@k per language pair, false suggestions and strong precision on a named set."""
    claims, pieces = load_set(SETS_DIR / SETS[name])
    started = time.perf_counter()
    index = claim_index(settings, claims)
    built = time.perf_counter()
    report = evaluate(index, pieces)
    report.pop("details")
    report.update({"data": name, "claims": len(claims), "pieces": len(pieces), "method": index_version(index),
                   "build_s": round(built - started, 2),
                   "ms_per_article": round(1000 * (time.perf_counter() - built) / max(1, len(pieces)), 1)})
    return report


def index_version(index: ClaimIndex) -> str:
    """The method's name and thresholds, as a link records them."""
    from nlp.claims.match import VERSION

    return f"{VERSION} suggest={index.suggest} strong={index.strong}"
