"""The risk score as a calibrated probability: a monotone map fitted on scores the models made for
examples they never saw, and the reliability of any probability against what was true."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RiskCalibration:
    """Raw risk → probability that the piece distorts: piecewise linear through fitted points."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def apply(self, raw: float) -> float:
        """The calibrated probability for a raw score (clipped to the fitted range)."""
        return round(float(np.interp(raw, self.x, self.y)), 4)

    @classmethod
    def fit(cls, raw: Sequence[float], distorted: Sequence[bool]) -> RiskCalibration:
        """Isotonic regression of the outcome on the raw score (a higher score never means less risk)."""
        from sklearn.isotonic import IsotonicRegression

        if len(raw) != len(distorted) or len(set(distorted)) < 2:
            raise ValueError("calibration needs scores of both distorted and fair pieces")
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
        iso.fit(np.asarray(raw, dtype=float), np.asarray(distorted, dtype=float))
        xs = [round(float(v), 4) for v in iso.X_thresholds_]
        ys = [round(float(v), 4) for v in iso.y_thresholds_]
        return cls(tuple(xs), tuple(ys))

    def to_dict(self) -> dict[str, Any]:
        """For the model card."""
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RiskCalibration | None:
        """From the model card; None when the card has none (the raw score is used as it is)."""
        if not data or not data.get("x"):
            return None
        x, y = tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"])
        if len(x) != len(y) or any(b < a for a, b in zip(x, x[1:], strict=False)):
            raise ValueError("risk_calibration: x and y must have the same length and x must not decrease")
        return cls(x, y)


def reliability(probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = 10) -> list[dict[str, Any]]:
    """Per equal-width bin of predicted probability: how many, the mean prediction, the observed rate."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(p, o) for p, o in zip(probabilities, outcomes, strict=True)
                  if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if inside:
            rows.append({"from": lo, "to": hi, "n": len(inside),
                         "predicted": round(sum(p for p, _ in inside) / len(inside), 4),
                         "observed": round(sum(1 for _, o in inside if o) / len(inside), 4)})
    return rows


def expected_calibration_error(rows: list[dict[str, Any]]) -> float:
    """The mean gap between predicted and observed rates, weighted by how many fall in each bin."""
    total = sum(r["n"] for r in rows)
    return round(sum(r["n"] * abs(r["predicted"] - r["observed"]) for r in rows) / total, 4) if total else 0.0
