"""A digest as mail readers see it: the subject, an HTML part (inline CSS, tables, no script), a plain-text part
with the same facts, the charts as PNG for the HTML to reference by Content-ID, the week's items as XLSX."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from digest.attachment import items_workbook
from digest.charts import breakdown_chart, daily_chart
from digest.labels import Labels
from digest.numbers import vn_change, vn_date, vn_int, vn_percent, vn_time
from digest.query import Figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Image:
    """A chart: its Content-ID (without angle brackets) and PNG bytes."""

    cid: str
    png: bytes
    alt: str


@dataclass
class Rendered:
    """Everything a mail is built from."""

    subject: str
    html: str
    text: str
    images: list[Image] = field(default_factory=list)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, media type, bytes)

    def html_with_data_uris(self) -> str:
        """The HTML with each cid: reference replaced by the image itself (a preview file a browser can open)."""
        html = self.html
        for image in self.images:
            data = base64.b64encode(image.png).decode("ascii")
            html = html.replace(f"cid:{image.cid}", f"data:image/png;base64,{data}")
        return html


def one_line(text: str, limit: int = 200) -> str:
    """Any text bound for a header or a subject: line breaks and control characters become one space."""
    cleaned = "".join(" " if (ord(c) < 32 or c in "\x7f\u2028\u2029\x85") else c for c in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def environment() -> Environment:
    """Templates of digest/templates; HTML escaped, text not."""
    env = Environment(loader=PackageLoader("digest", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(int=vn_int, one_line=one_line)
    return env


def digest_subject(figures: Figures) -> str:
    """Names the week and its headline figures."""
    p = figures.period
    return one_line(f"Bản tin tuần {p.label} ({p.first:%d/%m} – {p.last:%d/%m/%Y}): "
                    f"{vn_int(figures.totals.relevant)} bài về Hải Dương, {vn_int(figures.totals.flagged)} bị gắn cờ "
                    f"/ Weekly digest")


def _cid(name: str, label: str) -> str:
    return f"{name}-{label.lower()}@hdmonitor"


def render_digest(figures: Figures, labels: Labels, app_url: str, office_name: str, tz: Any) -> Rendered:
    """The weekly digest's subject, HTML, text, charts and attachment."""
    label = figures.period.label
    images = [
        Image(_cid("daily", label), daily_chart(figures.by_day, "Tin về Hải Dương theo ngày"),
              "Biểu đồ: số bài về Hải Dương theo ngày"),
        Image(_cid("topics", label), breakdown_chart(figures.by_topic, labels.topics, "Theo chủ đề"),
              "Biểu đồ: số bài theo chủ đề"),
    ]
    context = _context(figures, labels, app_url, office_name, tz)
    context["images"] = images
    env = environment()
    html = env.get_template("digest.html").render(**context)
    text = env.get_template("digest.txt").render(**context)
    name = f"hdmonitor-{label}.xlsx"
    return Rendered(digest_subject(figures), html, text, images,
                    [(name, XLSX, items_workbook(figures, labels, app_url, tz))])


def _context(figures: Figures, labels: Labels, app_url: str, office_name: str, tz: Any) -> dict[str, Any]:
    t, b = figures.totals, figures.before
    relevant = t.relevant

    def rows(counter: Any, kind: str) -> list[tuple[str, str, str]]:
        return [(labels.of(kind, code), vn_int(n), vn_percent(n, relevant)) for code, n in counter.most_common()]

    return {
        "f": figures, "labels": labels, "app": app_url.rstrip("/"), "office": office_name,
        "time": lambda m: vn_time(m, tz), "date": lambda m: vn_date(m, tz),
        "totals": [("Tổng số bài thu thập", t.articles, b.articles), ("Bài về Hải Dương", t.relevant, b.relevant),
                   ("Bị gắn cờ (nghi sai lệch)", t.flagged, b.flagged),
                   ("Sắc thái tiêu cực", t.negative, b.negative)],
        "change": vn_change, "percent": vn_percent,
        "breakdowns": [("Theo chủ đề", rows(figures.by_topic, "topics")),
                       ("Theo sắc thái", rows(figures.by_sentiment, "sentiments")),
                       ("Theo loại nguồn", rows(figures.by_kind, "source_kinds")),
                       ("Theo ngôn ngữ", rows(figures.by_lang, "langs"))],
    }
