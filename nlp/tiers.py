"""Focus or mention, learned: a small logistic model over what the gazetteer found and where.

The rule in nlp.relevance calls a piece focus when the region is in the headline, in the lead twice or
named often. Real news breaks it both ways: a national round-up names a province four times in a list,
a hometown in brackets sits in the lead, a short item about a district names it once. These features
describe each accepted name's place and company; beside them, the words around each name ("held at the
provincial hall", "the provincial police", "hometown", "lost to") add their learned weights. Both are
fitted by `hdmonitor train` on the seed corpus and the hand-labeled real news, and shipped as plain
numbers in the model card.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
CONTEXT_CHARS = 60  # of folded text each side of a name: the words the context weights look at
_PLACE = "_place_"  # the name itself, so that "tai _place_" and "_place_ thua" are terms
_WORD = re.compile(r"\w+")
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


def context_terms(found: Sequence[Found], folded: str) -> frozenset[str]:
    """The words and word pairs of the folded text around each accepted name (the name itself a placeholder)."""
    terms: set[str] = set()
    for f in found:
        words = (_WORD.findall(folded[max(0, f.start - CONTEXT_CHARS):f.start]) + [_PLACE]
                 + _WORD.findall(folded[f.end:f.end + CONTEXT_CHARS]))
        terms.update(words)
        terms.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return frozenset(terms)


@dataclass(frozen=True)
class TierModel:
    """Weights of the focus-vs-mention logistic model; focus when its probability reaches the threshold.

    `context` (term → weight) and `context_bias` are a second logistic model over the words around the
    names; its log-odds are added to the features' when it is there.
    """

    weights: tuple[float, ...]
    threshold: float = 0.5
    context: Mapping[str, float] = field(default_factory=dict)
    context_bias: float = 0.0

    def focus_probability(self, vector: Sequence[float], terms: Iterable[str] = ()) -> float:
        """P(focus) for one feature vector and the context terms of the same piece."""
        z = sum(w * x for w, x in zip(self.weights, vector, strict=True))
        if self.context:
            z += self.context_bias + sum(self.context.get(t, 0.0) for t in terms)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        """As stored in the model card."""
        out: dict[str, Any] = {"features": list(FEATURES), "weights": list(self.weights), "threshold": self.threshold}
        if self.context:
            out["context"] = {"chars": CONTEXT_CHARS, "bias": self.context_bias, "weights": dict(self.context)}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierModel:
        """From the model card; the feature list and the context's width must be this code's."""
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("the tier model was fitted on other features")
        context = data.get("context") or {}
        if context and context.get("chars") != CONTEXT_CHARS:
            raise ValueError("the tier model's context words were taken from another width")
        return cls(tuple(float(w) for w in data["weights"]), float(data.get("threshold", 0.5)),
                   {str(t): float(w) for t, w in (context.get("weights") or {}).items()},
                   float(context.get("bias", 0.0)))

    @classmethod
    def fit(cls, vectors: Sequence[Sequence[float]], focus: Sequence[bool], c: float = 1.0,
            contexts: Sequence[frozenset[str]] | None = None, sample_weight: Sequence[float] | None = None,
            context_c: float = 0.3, min_pieces: int = 3, smallest: float = 0.02) -> TierModel:
        """Logistic regression on the features (the bias is a feature, so no separate intercept) and, given
        `contexts`, a second one on the context terms found in at least `min_pieces` pieces; context weights
        smaller than `smallest` are left out of the stored model."""
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(focus)) < 2:
            raise ValueError("the tier model needs focus and mention examples")
        labels = [int(f) for f in focus]
        weights = None if sample_weight is None else list(sample_weight)
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000, class_weight="balanced")
        model.fit([list(v) for v in vectors], labels, sample_weight=weights)
        coef = tuple(round(float(w), 6) for w in model.coef_[0])
        if contexts is None:
            return cls(coef)
        seen = Counter(t for terms in contexts for t in terms)
        vectoriser = DictVectorizer()
        matrix = vectoriser.fit_transform([{t: 1 for t in terms if seen[t] >= min_pieces} for terms in contexts])
        words = LogisticRegression(C=context_c, max_iter=5000, class_weight="balanced")
        words.fit(matrix, labels, sample_weight=weights)
        kept = {str(t): round(float(w), 4) for t, w in zip(vectoriser.feature_names_, words.coef_[0], strict=True)
                if abs(w) >= smallest}
        return cls(coef, context=dict(sorted(kept.items())), context_bias=round(float(words.intercept_[0]), 6))
