"""Would more hand-labeled real news lift the tier decision? Its cross-validated figures when each fold's
model is fitted on a share of the other folds' real articles.

    HDM_SHARED_DATA_DIR=../shared/data .venv/bin/python -m bench.tier_learning_curve [--draws 3]

For each share (a quarter, a half, three quarters, all) prints one JSON line: tier accuracy and focus F1
of `hdmonitor eval --data vntc-tiers`'s cross-validation, the mean and range over `--draws` seeded
draws (one at the full share, which has nothing to draw). A flat curve says the labels are not what
is missing; the model is.
"""

from __future__ import annotations

import argparse
import json
import statistics

from config.settings import load_settings
from pipeline.evaluation import cross_validated_tiers, examples_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=3, help="seeded draws per share below 1")
    args = parser.parse_args()
    settings = load_settings()
    real, _ = examples_for("vntc-tiers", settings.shared_data_dir)
    for share in (0.25, 0.5, 0.75, 1.0):
        runs = [cross_validated_tiers(settings, real, share=share, draw=d)
                for d in range(args.draws if share < 1 else 1)]
        accuracy = [r["accuracy"] for r in runs]
        focus = [r["per_class"]["focus"]["f1"] for r in runs]
        print(json.dumps({"bench": "tier_learning_curve", "share": share, "articles": len(real),
                          "draws": len(runs), "accuracy": round(statistics.mean(accuracy), 4),
                          "accuracy_range": [min(accuracy), max(accuracy)],
                          "focus_f1": round(statistics.mean(focus), 4), "focus_f1_range": [min(focus), max(focus)]}),
              flush=True)


if __name__ == "__main__":
    main()
