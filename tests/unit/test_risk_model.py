"""The learned risk model: weighs the score's parts, never the kind of source."""

import random

import pytest

from nlp.risk_model import Evidence, RiskModel, named_features


def _evidence(p: float, rules: float = 0.0, kind: str = "domestic", tier: str = "focus") -> Evidence:
    return Evidence(components={"rule:hostile_framing": rules, "classifier": 0.65 * p, "source": 0.04},
                    distortion_probability=p, negative_probability=0.2, sensitive_topic=False, tier=tier,
                    source_kind=kind, lang="vi")


def test_the_kind_of_source_is_not_weighed():
    named = named_features(_evidence(0.4, kind="overseas_vietnamese"))
    assert not any("kind" in name or "source" in name for name in named)
    assert named_features(_evidence(0.4, kind="overseas_vietnamese")) == named_features(_evidence(0.4))
    assert named["rule:hostile_framing"] == 0.0 and named["rules_total"] == 0.0


def test_fitted_model_follows_the_evidence_and_round_trips():
    rng = random.Random(3)
    pieces, truth = [], []
    for _ in range(400):
        distorted = rng.random() < 0.3
        p = min(0.99, max(0.01, rng.gauss(0.7 if distorted else 0.2, 0.15)))
        rules = 0.2 if distorted and rng.random() < 0.6 else 0.0
        pieces.append(_evidence(p, rules, kind=rng.choice(["domestic", "foreign"])))
        truth.append(distorted)
    model = RiskModel.fit(pieces, truth)
    assert model.probability(_evidence(0.9, 0.2)) > 0.8 > 0.2 > model.probability(_evidence(0.1))
    assert model.probability(_evidence(0.5, 0.2)) > model.probability(_evidence(0.5))  # loaded language counts
    assert RiskModel.from_dict(model.to_dict()) == model
    assert RiskModel.from_dict(None) is None
    with pytest.raises(ValueError):
        RiskModel.from_dict({"features": ["p_distorted"], "weights": [1.0, 2.0], "bias": 0.0})
    with pytest.raises(ValueError):
        RiskModel.fit(pieces[:3], [True, True, True])

