"""Distortion-risk score in [0, 1] from evidence an analyst can check, with reasons in Vietnamese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nlp.normalise import fold

KIND_LABELS = {
    "domestic": "báo chí trong nước",
    "foreign": "báo chí nước ngoài",
    "overseas_vietnamese": "báo tiếng Việt ở nước ngoài",
    "blog": "blog/mạng xã hội",
}


def vn_number(value: float, digits: int = 2) -> str:
    """A number written the Vietnamese way (decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


@dataclass(frozen=True)
class RiskCategory:
    """A family of phrases that mark distortion or hostility."""

    id: str
    reason: str
    weight: float
    cap: float
    pattern: re.Pattern[str]


@dataclass
class RiskRules:
    """Parsed config/risk_rules.yaml."""

    categories: list[RiskCategory]
    rules_cap: float = 0.45
    weights: dict[str, float] = field(default_factory=dict)
    source_kind_bias: dict[str, float] = field(default_factory=dict)
    sensitive_topics: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskRules:
        """Build from the parsed YAML."""
        categories = []
        for cat in data.get("categories", []):
            phrases = sorted({fold(str(p)).strip() for p in cat.get("phrases", [])}, key=len, reverse=True)
            alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
            categories.append(RiskCategory(
                id=str(cat["id"]), reason=str(cat["reason"]), weight=float(cat["weight"]),
                cap=float(cat.get("cap", cat["weight"])),
                pattern=re.compile(r"(?=(?<!\w)(" + alternation + r")(?!\w))"),
            ))
        return cls(
            categories=categories,
            rules_cap=float(data.get("rules_cap", 0.45)),
            weights={k: float(v) for k, v in (data.get("weights") or {}).items()},
            source_kind_bias={k: float(v) for k, v in (data.get("source_kind_bias") or {}).items()},
            sensitive_topics=frozenset(data.get("sensitive_topics", [])),
        )


@dataclass(frozen=True)
class RiskInput:
    """Everything the score looks at for one piece."""

    title: str
    text: str
    topic: str
    topic_label: str
    negative_probability: float
    distortion_probability: float
    relevant: bool
    source_kind: str | None = None
    source_prior: float = 0.0


@dataclass(frozen=True)
class RiskResult:
    """The score, its parts and the reasons to show, largest contribution first."""

    risk: float
    components: dict[str, float]
    reasons: list[str]
    phrases: dict[str, list[str]]


def score(item: RiskInput, rules: RiskRules) -> RiskResult:
    """Combine phrase rules, the classifier, the source and sensitive negativity into one risk."""
    full = f"{item.title}\n{item.text}"
    folded = fold(full)
    weights = rules.weights
    parts: list[tuple[str, float, str]] = []
    phrases: dict[str, list[str]] = {}

    rule_total = 0.0
    for cat in rules.categories:
        spans = [(m.start(1), m.end(1)) for m in cat.pattern.finditer(folded)]
        # overlapping matches are all found; one inside a longer one is not counted twice
        spans = [a for a in spans if not any(b != a and b[0] <= a[0] and a[1] <= b[1] for b in spans)]
        found: list[str] = []
        for start, end in spans:
            snippet = full[start:end]
            if fold(snippet) not in {fold(s) for s in found}:
                found.append(snippet)
        if found:
            value = min(cat.cap, cat.weight * len(found))
            rule_total += value
            phrases[cat.id] = found
            quoted = ", ".join(f"«{s}»" for s in found[:4])
            parts.append((f"rule:{cat.id}", value, f"{cat.reason}: {quoted}"))
    if rule_total > rules.rules_cap:
        scale = rules.rules_cap / rule_total
        parts = [(k, v * scale, r) for k, v, r in parts]

    p = item.distortion_probability
    parts.append(("classifier", weights.get("classifier", 0.65) * p,
                  f"Mô hình phân loại đánh giá khả năng xuyên tạc {round(p * 100)}%"))

    kind_bias = rules.source_kind_bias.get(item.source_kind or "", 0.0)
    source_value = kind_bias - weights.get("source_prior", 0.10) * item.source_prior
    if item.source_kind or item.source_prior:
        kind = KIND_LABELS.get(item.source_kind or "", "không rõ loại")
        parts.append(("source", source_value,
                      f"Nguồn: {kind}, độ tin cậy tiên nghiệm {vn_number(item.source_prior, 1)}"))

    if item.topic in rules.sensitive_topics:
        value = weights.get("sensitive_negative", 0.12) * item.negative_probability
        if item.negative_probability >= 0.5:
            parts.append(("sensitive_negative", value,
                          f"Sắc thái tiêu cực ({round(item.negative_probability * 100)}%) "
                          f"về chủ đề nhạy cảm: {item.topic_label}"))

    raw = sum(v for _, v, _ in parts)
    factor = 1.0 if item.relevant else weights.get("not_relevant_factor", 0.5)
    risk = max(0.0, min(1.0, raw * factor))
    components = {k: round(v, 4) for k, v, _ in parts}
    ordered = sorted(parts, key=lambda part: part[1], reverse=True)
    reasons = [f"{text} (+{vn_number(v)})" for _, v, text in ordered if v >= 0.02]
    reasons += [f"{text} ({vn_number(v)})" for _, v, text in ordered if v <= -0.02]
    if not item.relevant:
        reasons.append(f"Không nói trực tiếp về địa bàn: điểm nhân {vn_number(factor, 1)}")
    return RiskResult(round(risk, 4), components, reasons, phrases)
