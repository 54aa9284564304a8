"""Vietnamese labels for codes (topics, sentiments, relevance, source kinds) from config/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGS = {"vi": "Tiếng Việt", "en": "Tiếng Anh", "und": "Chưa rõ"}
CASE_STATES = {"open": "Chờ xử lý", "confirmed": "Đã xác nhận", "dismissed": "Đã bác bỏ"}
REBUTTAL_STATES = {"open": "Mới mở", "verifying": "Đang xác minh", "drafting": "Đang soạn", "published": "Đã đăng",
                   "closed": "Đã đóng"}
HEALTH_STATES = {"failing": "Lỗi liên tiếp", "stale": "Không có bài mới", "never": "Chưa thu thập được",
                 "silent": "Im lặng bất thường", "surge": "Tăng đột biến"}


@dataclass(frozen=True)
class Labels:
    """code → Vietnamese label, per kind of code."""

    topics: dict[str, str] = field(default_factory=dict)
    sentiments: dict[str, str] = field(default_factory=dict)
    relevance: dict[str, str] = field(default_factory=dict)
    source_kinds: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str, code: str | None) -> str:
        """The label of a code of one kind (topics, sentiments, relevance, source_kinds, langs, …); the code if none."""
        table = {"topics": self.topics, "sentiments": self.sentiments, "relevance": self.relevance,
                 "source_kinds": self.source_kinds, "langs": LANGS, "cases": CASE_STATES,
                 "rebuttals": REBUTTAL_STATES, "health": HEALTH_STATES}[kind]
        return table.get(code or "", code or "—")


def load_labels(path: Path) -> Labels:
    """Read the taxonomy file (Vietnamese labels under each code's `vi`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def table(name: str) -> dict[str, str]:
        return {str(code): str((value or {}).get("vi", code)) for code, value in (data.get(name) or {}).items()}

    return Labels(table("topics"), table("sentiments"), table("relevance"), table("source_kinds"))
