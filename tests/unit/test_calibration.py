"""The risk calibration: a monotone map from raw score to probability, fitted out of fold."""

import pytest

from nlp.calibration import RiskCalibration, expected_calibration_error, reliability
from nlp.corpus import Example
from nlp.train import TrainingError, fold_of, out_of_fold


def test_fitted_map_never_decreases_and_stays_a_probability():
    raw = [0.05, 0.1, 0.15, 0.3, 0.35, 0.5, 0.6, 0.8, 0.9, 0.95]
    truth = [False, False, True, False, False, True, False, True, True, True]
    cal = RiskCalibration.fit(raw, truth)
    values = [cal.apply(x / 100) for x in range(0, 101)]
    assert values == sorted(values) and 0.0 <= values[0] and values[-1] <= 1.0
    assert cal.apply(0.0) < 0.5 < cal.apply(1.0)
    assert RiskCalibration.from_dict(cal.to_dict()) == cal


def test_calibration_needs_both_outcomes_and_a_sane_card():
    with pytest.raises(ValueError):
        RiskCalibration.fit([0.1, 0.9], [True, True])
    assert RiskCalibration.from_dict(None) is None and RiskCalibration.from_dict({}) is None
    with pytest.raises(ValueError):
        RiskCalibration.from_dict({"x": [0.5, 0.1], "y": [0.2, 0.3]})


def test_reliability_bins_count_every_item_and_measure_the_gap():
    probabilities = [0.05, 0.05, 0.95, 0.95, 0.55]
    outcomes = [False, False, True, True, False]
    rows = reliability(probabilities, outcomes)
    assert sum(r["n"] for r in rows) == 5
    assert [(r["predicted"], r["observed"]) for r in rows] == [(0.05, 0.0), (0.55, 0.0), (0.95, 1.0)]
    assert expected_calibration_error(rows) == pytest.approx((2 * 0.05 + 0.55 + 2 * 0.05) / 5, abs=1e-4)


def test_out_of_fold_heads_never_see_their_fold():
    examples = [Example(id=f"x{i}", title=f"Tin {i}", text=("tốt đẹp " if i % 2 else "xấu xa ") * 5 + str(i),
                        lang="vi", topic="economy" if i % 3 else "society",
                        sentiment="positive" if i % 2 else "negative", distorted=bool(i % 4 == 0))
                for i in range(60)]
    seen: list[str] = []
    for part, bundle in out_of_fold(examples, folds=3):
        assert part and all(fold_of(e.id, 3) == fold_of(part[0].id, 3) for e in part)
        assert set(bundle.heads) == {"topic", "sentiment", "distortion"}
        seen += [e.id for e in part]
    assert sorted(seen) == sorted(e.id for e in examples)  # every example scored exactly once
    with pytest.raises(TrainingError):
        next(out_of_fold(examples, folds=1))
