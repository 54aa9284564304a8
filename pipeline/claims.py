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
                       read_yaml(settings.gazetteer_file()),
                       read_yaml(settings.config_file("taxonomy.yaml")))


def vietnamese_words(text: str) -> list[str]:
    """underthesea's words of a Vietnamese text (compounds joined by '_')."""
    from nlp.tokenise import word_tokens

    return word_tokens(text)[0]


def learnt_thresholds(settings: Settings) -> dict[str, Any]:
    """The thresholds `train --analyst-labels` wrote beside the model (claims.json), if any."""
    import json

    if settings.model_dir is None:
        return {}
    path = Path(settings.model_dir) / "claims.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, Any] = {k: float(data[k]) for k in ("suggest", "strong") if isinstance(data.get(k), int | float)}
    reranker = data.get("reranker")
    if isinstance(reranker, dict) and isinstance(reranker.get("weights"), list):
        out["reranker"] = (tuple(float(w) for w in reranker["weights"]), float(reranker.get("intercept", 0.0)))
    return out


def claim_index(settings: Settings, claims: list[KnownClaim]) -> ClaimIndex:
    """A compiled index of the given claims, with learnt thresholds when the model has them."""
    learnt = learnt_thresholds(settings)
    index = build_index(claims, load_terms(settings), vietnamese_words, learnt.get("suggest"), learnt.get("strong"))
    index.reranker = learnt.get("reranker")
    return index


def tune_from_decisions(settings: Settings, engine: Any) -> dict[str, Any]:
    """Thresholds from the links analysts confirmed or rejected (see nlp.claims.thresholds)."""
    from nlp.claims.match import STRONG, SUGGEST
    from nlp.claims.thresholds import fit_reranker, tune
    from store.claims import labelled_pairs
    from store.db import session_scope

    with session_scope(engine) as session:
        rows = labelled_pairs(session)
    out = tune([(score, ok) for _, _, score, ok, _ in rows], SUGGEST, STRONG)
    reranker = fit_reranker([(features, ok) for _, _, _, ok, features in rows])
    if reranker is not None:
        out["reranker"] = reranker
    return out


def evaluate_claims(settings: Settings, name: str, variants: bool = True) -> dict[str, Any]:
    """success@k per language pair, false suggestions and strong precision on a named set (without the
    claims' variant phrasings when asked: matching across languages on the summary alone)."""
    claims, pieces = load_set(SETS_DIR / SETS[name])
    if not variants:
        claims = [KnownClaim(c.id, c.text, c.lang, ()) for c in claims]
    started = time.perf_counter()
    index = claim_index(settings, claims)
    built = time.perf_counter()
    report = evaluate(index, pieces)
    report.pop("details")
    report.update({"data": name, "variants": variants, "claims": len(claims), "pieces": len(pieces),
                   "method": index_version(index), "build_s": round(built - started, 2),
                   "ms_per_article": round(1000 * (time.perf_counter() - built) / max(1, len(pieces)), 1)})
    return report


def index_version(index: ClaimIndex) -> str:
    """The method's name and thresholds, as a link records them."""
    from nlp.claims.match import VERSION

    return f"{VERSION} suggest={index.suggest} strong={index.strong}"
