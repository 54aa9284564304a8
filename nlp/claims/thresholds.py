"""The matcher's thresholds learnt from analysts' decisions on its links (confirmed or rejected pairs).

Nothing is learnt below the suggestion threshold (those pairs were never shown), so analysts can only raise it:
to the lowest score where the WINDOW decided suggestions just above it were mostly confirmed. The strong level moves
to the lowest score above which at least 99 % were confirmed (with at least STRONG_SUPPORT decisions there).
With fewer than MIN_EACH confirmed and MIN_EACH rejected pairs the shipped thresholds stay.
"""

from __future__ import annotations

from typing import Any

MIN_EACH = 20
STRONG_SUPPORT = 10
WINDOW = 10  # decided pairs looked at just above a candidate suggestion threshold


def _precision_above(pairs: list[tuple[float, bool]], threshold: float) -> tuple[float, int]:
    above = [ok for score, ok in pairs if score >= threshold]
    return (sum(above) / len(above) if above else 0.0), len(above)


def tune(pairs: list[tuple[float, bool]], suggest: float, strong: float) -> dict[str, Any]:
    """New thresholds from (score, confirmed?) pairs, with the counts they rest on."""
    confirmed = sum(ok for _, ok in pairs)
    rejected = len(pairs) - confirmed
    out: dict[str, Any] = {"suggest": suggest, "strong": strong, "confirmed": confirmed, "rejected": rejected,
                           "learnt": False}
    if confirmed < MIN_EACH or rejected < MIN_EACH:
        return out
    candidates = sorted({round(score, 4) for score, _ in pairs if score >= suggest})
    ranked = sorted((score, ok) for score, ok in pairs if score >= suggest)
    for i, (t, _) in enumerate(ranked):  # the decided pairs just above t: more confirmed than rejected
        window = [ok for _, ok in ranked[i:i + WINDOW]]
        if sum(window) * 2 > len(window):
            out["suggest"] = max(suggest, round(t, 4))
            break
    for t in candidates:
        precision, support = _precision_above(pairs, t)
        if precision >= 0.99 and support >= STRONG_SUPPORT:
            out["strong"] = max(out["suggest"], t)
            break
    out["strong"] = max(out["strong"], out["suggest"])
    out["learnt"] = True
    return out


def fit_reranker(rows: list[tuple[list[float], bool]]) -> dict[str, Any] | None:
    """A logistic regression over the matcher's measures (nlp.claims.match.FEATURES) of decided links: the
    chance a suggestion is confirmed. None with fewer than MIN_EACH of either decision."""
    from sklearn.linear_model import LogisticRegression

    rows = [(f, ok) for f, ok in rows if f]
    confirmed = sum(ok for _, ok in rows)
    if confirmed < MIN_EACH or len(rows) - confirmed < MIN_EACH:
        return None
    width = min(len(f) for f, _ in rows)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit([f[:width] for f, _ in rows], [int(ok) for _, ok in rows])
    return {"weights": [round(float(w), 6) for w in model.coef_[0]], "intercept": round(float(model.intercept_[0]), 6),
            "trained_on": len(rows)}
