"""Every mail but the digest, rendered from its outbox row's payload alone: an alert, a spike, the daily source
health, saved-search matches, a case assignment, and one user's daily bundle of the last two."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from digest.numbers import vn_decimal, vn_int
from digest.render import Rendered, environment, one_line

SPIKE_CAUSES = {"flagged": "tin bị gắn cờ", "negative": "tin tiêu cực"}


@dataclass
class Section:
    """A heading and its lines: (text, link or "", detail)."""

    heading: str
    lines: list[tuple[str, str, str]] = field(default_factory=list)


def _article_lines(app: str, articles: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(str(a.get("title") or "—"), f"{app}/articles/{a['id']}", str(a.get("source") or ""))
            for a in articles]


def _sections(kind: str, subject: str, payload: dict[str, Any], app: str) -> tuple[str, str, list[Section]]:
    """(subject, intro, sections) of one mail."""
    if kind == "alert":
        risk = vn_decimal(float(payload.get("risk", 0)), 2)
        detail = "; ".join(payload.get("reasons") or [])
        return (f"[Cảnh báo] Rủi ro {risk}: {subject}",
                f"Một bài vượt ngưỡng cảnh báo (rủi ro {risk}) vừa được gắn cờ và chờ chuyên viên xem xét.",
                [Section("Bài bị gắn cờ", [(str(payload.get("title") or subject),
                                              f"{app}/articles/{payload['article_id']}",
                                              f"{payload.get('source_id', '')} · {detail}")])])
    if kind == "spike":
        cause = SPIKE_CAUSES.get(str(payload.get("cause")), str(payload.get("cause")))
        mean = vn_decimal(float(payload.get("mean", 0)))
        return (f"[Cảnh báo] Tăng đột biến {cause}: {vn_int(payload.get('count', 0))} trong 24 giờ "
                f"(thường {mean}/ngày)",
                f"Trong 24 giờ qua có {vn_int(payload.get('count', 0))} {cause} về Hải Dương, vượt xa mức thường "
                f"của 14 ngày trước ({mean} mỗi ngày).",
                [Section("Các bài mới nhất", _article_lines(app, payload.get("articles") or []))])
    if kind == "health":
        problems = payload.get("problems") or []
        return (f"[Tình trạng nguồn] {payload.get('day', '')}: {vn_int(len(problems))} nguồn cần kiểm tra",
                "Các nguồn dưới đây lỗi, im lặng bất thường hoặc tăng đột biến so với hai tuần qua.",
                [Section("Nguồn cần kiểm tra", [(f"{p['name']} ({p['source_id']})", f"{app}/sources/{p['source_id']}",
                                                 f"{p['state_label']} — {p['reason']}") for p in problems])])
    if kind == "saved_search":
        articles = payload.get("articles") or []
        return (f"[Tìm kiếm đã lưu] {payload.get('name', '')}: {vn_int(len(articles))} bài mới",
                f"Tìm kiếm đã lưu “{payload.get('name', '')}” có bài mới.",
                [Section(str(payload.get("name", "")), _article_lines(app, articles))])
    if kind == "assignment":
        return (f"[Hồ sơ] Bạn được giao hồ sơ #{payload['case_id']}: {payload.get('title', '')}",
                f"{payload.get('by', '')} đã giao cho bạn một hồ sơ phản bác.",
                [Section("Hồ sơ", [(f"#{payload['case_id']} {payload.get('title', '')}",
                                    f"{app}/rebuttals/{payload['case_id']}",
                                    f"hạn {payload['due_local']}" if payload.get("due_local") else "")])])
    if kind == "claim":
        return (f"[Lặp lại khẳng định] Hồ sơ #{payload['case_id']}: {payload.get('article_title', '')}",
                f"Một bài mới lặp lại khẳng định của hồ sơ #{payload['case_id']} “{payload.get('title', '')}”, "
                "đã có bài phản bác: có thể chia sẻ lại ngay hôm nay.",
                [Section("Bài mới", [(str(payload.get("article_title") or "—"),
                                      f"{app}/articles/{payload['article_id']}", str(payload.get("sentence", "")))]),
                 Section("Hồ sơ", [(f"#{payload['case_id']} {payload.get('title', '')}",
                                    f"{app}/rebuttals/{payload['case_id']}", "")])])
    if kind == "daily":
        parts = payload.get("parts") or []
        sections = [section for part in parts
                    for section in _sections(part["kind"], part["subject"], part["payload"], app)[2]]
        return (f"[Tổng hợp ngày {payload.get('day', '')}] {vn_int(len(parts))} mục mới",
                "Những gì mới cho bạn từ lần tổng hợp trước.", sections)
    raise ValueError(f"unknown mail kind {kind!r}")


def render_notice(kind: str, subject: str, payload: dict[str, Any], app_url: str) -> Rendered:
    """The mail of one outbox row (HTML and text with the same facts; no images, no attachment)."""
    app = app_url.rstrip("/")
    title, intro, sections = _sections(kind, subject, payload, app)
    env = environment()
    context = {"title": one_line(title), "intro": intro, "sections": sections, "app": app}
    return Rendered(one_line(title, 250), env.get_template("notice.html").render(**context),
                    env.get_template("notice.txt").render(**context))
