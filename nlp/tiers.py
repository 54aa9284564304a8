"""Focus or mention, learned: a small logistic model over what the gazetteer found and where.

The rule in nlp.relevance calls a piece focus when the region is in the headline, in the lead twice or
named often. Real news breaks it both ways: a national round-up names a province four times in a list,
a hometown in brackets sits in the lead, a short item about a district names it once. These features
describe each accepted name's place and company; the weights are fitted by `hdmonitor train` on the
seed corpus and the hand-labeled real news, and shipped as plain numbers in the model directory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FEATURES = (
    "in_title", "lead_matches", "body_matches_log", "density", "distinct_places", "max_weight",
    "first_position", "list_share", "bracket_share", "origin_share", "length_log", "other_regions_log",
    "other_near_share", "bias",
)
_NEAR = 80  # characters: another province this close to a name of the region puts it in a round-up
_LEAD = 400
_LIST_BEFORE = re.compile(r"(,|;|\bvà|\band)\s*$")
_LIST_AFTER = re.compile(r"^\s*(,|;|và\b|and\b)\s*[A-ZĐÀ-Ỹ]")
_ORIGIN = re.compile(r"(?:\b(?:que|nguoi|ho khau|tru quan|sinh ra|from|native of|hometown|born in|"
                     r"xuat than|goc)\s+(?:\S+\s+){0,2})$")


@dataclass(frozen=True)
class Found:
    """One accepted name as the tier model sees it."""

    start: int
    end: int
    in_title: bool
    weight: float
    entry_id: str


def features(found: Sequence[Found], full: str, folded: str, title_end: int,
             others: Sequence[tuple[int, str]] = ()) -> list[float]:
    """The feature vector (FEATURES order) for a piece with at least one accepted name (`folded` is the
    text's fold); `others` are where the text names other provinces or cities, and which."""
    length = max(1, len(full) - title_end)
    body = [f for f in found if not f.in_title]
    lead = [f for f in body if f.start < title_end + _LEAD]
    words = max(1, length // 6)

    def share(test: Any) -> float:
        return sum(1 for f in found if test(f)) / len(found)

    def in_list(f: Found) -> bool:
        return bool(_LIST_BEFORE.search(full[max(0, f.start - 6):f.start]) or _LIST_AFTER.match(full[f.end:f.end + 12]))

    def bracketed(f: Found) -> bool:
        before, after = full[max(0, f.start - 40):f.start], full[f.end:f.end + 3]
        return "(" in before and ")" not in before[before.rfind("("):] and ")" in after

    def origin(f: Found) -> bool:
        return bool(_ORIGIN.search(folded[max(0, f.start - 30):f.start]))

    first = min((f.start for f in body), default=title_end + length)
    return [
        1.0 if any(f.in_title for f in found) else 0.0,
        float(min(len(lead), 3)),
        math.log1p(len(body)),
        min(1000.0 * len(body) / words, 40.0) / 10.0,
        float(min(len({f.entry_id for f in found}), 4)),
        max(f.weight for f in found),
        (first - title_end) / length,
        share(in_list),
        share(bracketed),
        share(origin),
        math.log10(length),
        math.log1p(len({name for _, name in others})),
        share(lambda f: any(abs(at - f.start) <= _NEAR for at, _ in others)),
        1.0,
    ]


@dataclass(frozen=True)
class TierModel:
    """Weights of the focus-vs-mention logistic model; focus when its probability reaches the threshold."""

    weights: tuple[float, ...]
    threshold: float = 0.5

    def focus_probability(self, vector: Sequence[float]) -> float:
        """P(focus) for one feature vector."""
        z = sum(w * x for w, x in zip(self.weights, vector, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """As stored in tiers.json."""
        return {"features": list(FEATURES), "weights": list(self.weights), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierModel:
        """From tiers.json; the feature list must be this code's."""
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("tiers.json was fitted on other features")
        return cls(tuple(float(w) for w in data["weights"]), float(data.get("threshold", 0.5)))

    @classmethod
    def fit(cls, vectors: Sequence[Sequence[float]], focus: Sequence[bool], c: float = 1.0) -> TierModel:
        """Logistic regression (the bias is a feature, so no separate intercept)."""
        from sklearn.linear_model import LogisticRegression

        if len(set(focus)) < 2:
            raise ValueError("the tier model needs focus and mention examples")
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000, class_weight="balanced")
        model.fit([list(v) for v in vectors], [int(f) for f in focus])
        return cls(tuple(round(float(w), 6) for w in model.coef_[0]))
