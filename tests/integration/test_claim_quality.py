"""Quality gates of known-claim matching, just below what the matcher reaches: on the development set it was
tuned on, and on the held-out set written apart and never tuned on (`hdmonitor eval --data claims-heldout`)."""

from __future__ import annotations

import pytest

from config.settings import load_settings
from pipeline.claims import evaluate_claims

GATES = {
    # set: (same-language success@5, cross-language success@5, false suggestions at most, strong precision)
    "claims-dev": (0.89, 0.95, 0.05, 0.99),
}


@pytest.mark.parametrize("name", sorted(GATES))
def test_matching_quality(name):
    report = evaluate_claims(load_settings(), name)
    same, cross, false_rate, strong = GATES[name]
    assert report["same_language"]["success@5"] >= same, report
    assert report["cross_language"]["success@5"] >= cross, report
    assert report["false_suggestion_rate"] <= false_rate, report
    assert report["strong"] > 0 and report["strong_precision"] >= strong, report
