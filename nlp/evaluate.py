"""Classification metrics as plain data: per-class precision/recall/F1 and a confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def classification_metrics(gold: Sequence[str], predicted: Sequence[str],
                           labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1/support and the confusion matrix (rows = gold)."""
    present = [lab for lab in (labels or sorted(set(gold) | set(predicted)))
               if lab in set(gold) | set(predicted)]
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=present, zero_division=0)
    matrix = confusion_matrix(gold, predicted, labels=present)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(sum(f) / len(f)) if len(f) else 0.0, 4),
        "per_class": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                  "f1": round(float(f[i]), 4), "support": int(s[i])}
            for i, lab in enumerate(present)
        },
        "labels": list(present),
        "confusion": matrix.tolist(),
    }
