"""The risk as one learned probability: a logistic model over the evidence the hand-weighted score adds up.

nlp.risk sums its parts with weights chosen by hand (phrase rules, the distortion classifier, the
source, negativity on a sensitive topic). `hdmonitor train` fits this model on the same parts, scored
for training examples by heads that never saw them, so that the parts count as much as they proved
to. Out of fold on the seed corpus it finds more distortion at the same false-flag rate than the sum
calibrated alone. The parts an analyst reads as reasons are unchanged; the model only weighs them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RISK_MODEL_C = 1.0  # flat from 0.3 to 10 out of fold


@dataclass(frozen=True)
class Evidence:
    """What the model reads for one piece: the score's parts and the analysis around them."""

    components: Mapping[str, float]  # nlp.risk's parts: rule:<id>, classifier, source, sensitive_negative
    distortion_probability: float
    negative_probability: float
    sensitive_topic: bool
    tier: str
    source_kind: str | None  # carried for reading back; never weighed by the model (see named_features)
    lang: str


def named_features(evidence: Evidence) -> dict[str, float]:
    """The evidence as named numbers (a name the model does not know is left out, one it knows and
    the evidence lacks counts as 0).

    The kind of source is not among them: in the seed corpus most distortion comes from overseas and
    foreign outlets, and a model given the kind learns to flag fair coverage from them for where it
    was published. It keeps its small fixed part in the hand-weighted score and in the reasons."""
    p = min(max(evidence.distortion_probability, 1e-4), 1 - 1e-4)
    rules = {k: float(v) for k, v in evidence.components.items() if k.startswith("rule:")}
    named = {
        "p_distorted": p,
        "logit_distorted": math.log(p / (1 - p)),
        "rules_total": sum(rules.values()),
        "negative_sensitive": evidence.negative_probability if evidence.sensitive_topic else 0.0,
        "negative": evidence.negative_probability,
        "about_region": 1.0 if evidence.tier != "none" else 0.0,
        "focus": 1.0 if evidence.tier == "focus" else 0.0,
        "english": 1.0 if evidence.lang == "en" else 0.0,
        **rules,
    }
    return named


@dataclass(frozen=True)
class RiskModel:
    """Weights over named features; the probability that the piece distorts."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, evidence: Evidence) -> float:
        """P(distorted) for one piece."""
        named = named_features(evidence)
        z = self.bias + sum(w * named.get(n, 0.0) for n, w in zip(self.names, self.weights, strict=True))
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    @classmethod
    def fit(cls, evidence: Sequence[Evidence], distorted: Sequence[bool], c: float = RISK_MODEL_C) -> RiskModel:
        """Logistic regression on every feature name the evidence shows."""
        from sklearn.linear_model import LogisticRegression

        if len(evidence) != len(distorted) or len(set(distorted)) < 2:
            raise ValueError("the risk model needs distorted and fair pieces")
        rows = [named_features(e) for e in evidence]
        names = tuple(sorted({n for row in rows for n in row}))
        model = LogisticRegression(C=c, max_iter=5000)
        model.fit([[row.get(n, 0.0) for n in names] for row in rows], [int(d) for d in distorted])
        return cls(names, tuple(round(float(w), 6) for w in model.coef_[0]), round(float(model.intercept_[0]), 6))

    def to_dict(self) -> dict[str, Any]:
        """For the model card."""
        return {"features": list(self.names), "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RiskModel | None:
        """From the model card; None when the card has none."""
        if not data:
            return None
        names, weights = tuple(str(n) for n in data["features"]), tuple(float(w) for w in data["weights"])
        if len(names) != len(weights):
            raise ValueError("risk model: as many weights as features are needed")
        return cls(names, weights, float(data["bias"]))
