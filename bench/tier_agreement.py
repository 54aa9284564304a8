"""How far two independent readings of the real-news tier set agree: a ceiling for the tier model.

    .venv/bin/python -m bench.tier_agreement

`nlp/tiers/vntc_tiers.jsonl` is the set `hdmonitor eval --data vntc-tiers` measures against;
`nlp/tiers/vntc_tiers_second_reading.jsonl` is a second reading of the same articles, labeled without
seeing the first. Where the two disagreed, a third reading (`vntc_tiers_third_reading.jsonl`, also
blind) settled the tier by majority; the set keeps the first reading's tier in `first_reading` where
it was outvoted. Prints one JSON line: agreement, Cohen's kappa and the focus F1 of the first reading
against the second (the figure the tier model's cross-validated focus F1 is compared with), and how
the disputes were settled.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

TIERS = Path(__file__).resolve().parents[1] / "nlp" / "tiers"
LABELS = ("focus", "mention", "none")


def read(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """Each article's label row in a labels file."""
    with path.open(encoding="utf-8") as fh:
        return {(r["split"], r["file"]): r for r in map(json.loads, fh)}


def tiers(rows: dict[tuple[str, str], dict[str, str]], key: str = "tier") -> dict[tuple[str, str], str]:
    """Each article's tier (`key` "first_reading" gives the first reading's where it was outvoted)."""
    return {k: r.get(key, r["tier"]) for k, r in rows.items()}


def agreement(first: dict[tuple[str, str], str], second: dict[tuple[str, str], str]) -> dict[str, object]:
    if set(first) != set(second):
        raise SystemExit("the two readings label different articles")
    pairs = [(first[k], second[k]) for k in sorted(first)]
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    expected = sum(sum(a == label for a, _ in pairs) * sum(b == label for _, b in pairs) for label in LABELS) / n**2
    counts = Counter(pairs)
    both = counts[("focus", "focus")]
    only_one = sum(v for (a, b), v in counts.items() if (a == "focus") != (b == "focus"))
    return {"n": n, "agreement": round(observed, 4), "kappa": round((observed - expected) / (1 - expected), 4),
            "focus_f1": round(2 * both / (2 * both + only_one), 4),
            "confusion": {a: {b: counts[(a, b)] for b in LABELS} for a in LABELS}}


def main() -> None:
    labeled = read(TIERS / "vntc_tiers.jsonl")
    first, settled = tiers(labeled, "first_reading"), tiers(labeled)
    second = tiers(read(TIERS / "vntc_tiers_second_reading.jsonl"))
    third = tiers(read(TIERS / "vntc_tiers_third_reading.jsonl"))
    disputed = {k for k in first if first[k] != second[k]}
    if disputed != set(third):
        raise SystemExit("the third reading must cover exactly the disputed articles")
    if any(settled[k] != (first[k] if first[k] in (second[k], third[k]) else second[k]) for k in disputed):
        raise SystemExit("a disputed article's tier is not the majority of the three readings")
    result = agreement(first, second)
    print(json.dumps({"bench": "tier_agreement", **result, "disputed": len(disputed),
                      "settled_against_first_reading": sum(settled[k] != first[k] for k in disputed)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
