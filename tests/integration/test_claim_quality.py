"""Quality gates of known-claim matching, just below what the matcher reaches: on the development set it was
tuned on, and on the held-out set written apart and never tuned on (`hdmonitor eval --data claims-heldout`)."""

from __future__ import annotations

import pytest

from config.settings import load_settings
from pipeline.claims import evaluate_claims

GATES = {
    # set: (same-language success@5, cross-language success@5, false suggestions at most, strong precision)
    "claims-dev": (0.86, 0.95, 0.04, 0.99),  # reached: 0.878, 0.974, 0.030, 1.0
    "claims-heldout": (0.94, 0.95, 0.045, 0.99),  # reached: 0.951, 0.964, 0.036, 1.0
}


@pytest.mark.parametrize("name", sorted(GATES))
def test_matching_quality(name):
    report = evaluate_claims(load_settings(), name)
    same, cross, false_rate, strong = GATES[name]
    assert report["same_language"]["success@5"] >= same, report
    assert report["cross_language"]["success@5"] >= cross, report
    assert report["false_suggestion_rate"] <= false_rate, report
    assert report["strong"] > 0 and report["strong_precision"] >= strong, report
