"""Demo sites: their articles (JSONL written by the project) rendered into pages and feeds."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
SITES_DIR = HERE / "sites"
VIETNAM = timezone(timedelta(hours=7))
_WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")

_env = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def slugify(text: str) -> str:
    """ASCII slug of a section name."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


@dataclass
class DemoArticle:
    """One article of a demo site with its expected labels."""

    site: DemoSite
    slug: str
    title: str
    summary: str
    body: list[str]
    author: str
    published: datetime
    section: str
    tags: list[str]
    expected: dict[str, Any]

    @property
    def path(self) -> str:
        """The article's path on the demo server."""
        if self.site.template == "gocnhin":
            return f"/{self.site.folder}/{self.published:%Y/%m}/{self.slug}/"
        return f"/{self.site.folder}/{slugify(self.section)}/{self.slug}.html"

    @property
    def local(self) -> datetime:
        """Publication time in Vietnam."""
        return self.published.astimezone(VIETNAM)

    @property
    def vn_datetime(self) -> str:
        """'Thứ năm, 20/11/2026 08:30 (GMT+7)'."""
        return f"{_WEEKDAYS[self.local.weekday()]}, {self.local:%d/%m/%Y %H:%M} (GMT+7)"


@dataclass
class DemoSite:
    """A demo site: metadata from site.yaml and its articles, newest first."""

    folder: str
    id: str
    name: str
    kind: str
    lang: str
    prior: float
    feed: str
    feed_format: str
    template: str
    notes: str = ""
    tracking_query: str = ""
    articles: list[DemoArticle] = field(default_factory=list)

    @cached_property
    def by_path(self) -> dict[str, DemoArticle]:
        """Articles by their path."""
        return {a.path: a for a in self.articles}

    def source_config(self, base_url: str) -> dict[str, Any]:
        """This site as a source entry (same form as config/sources.yaml)."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "lang": self.lang,
            "feeds": [f"{base_url}/{self.folder}/{self.feed}"], "interval_minutes": 60,
            "enabled": True, "prior": self.prior, "notes": self.notes,
        }

    def feed_link(self, article: DemoArticle, base_url: str) -> str:
        """The link a feed gives for an article (some sites add tracking parameters)."""
        link = base_url + article.path
        return f"{link}?{self.tracking_query}" if self.tracking_query else link

    def render_article(self, article: DemoArticle, base_url: str) -> str:
        """The article page, with the site's boilerplate around it."""
        related = [a for a in self.articles if a is not article][:4]
        return _env.get_template(f"{self.template}_article.html").render(
            site=self, article=article, related=related, base_url=base_url)

    def render_index(self, base_url: str, page: int = 1, per_page: int = 10) -> str:
        """A page of the home listing (newest first), with a rel=next link while more remain."""
        start = (page - 1) * per_page
        return _env.get_template("index.html").render(
            site=self, base_url=base_url, articles=self.articles[start:start + per_page],
            next_page=page + 1 if start + per_page < len(self.articles) else None)

    def render_sitemap(self, base_url: str) -> str:
        """A Google News sitemap of every article."""
        return _env.get_template("sitemap.xml").render(site=self, base_url=base_url)

    def render_feed(self, base_url: str) -> str:
        """RSS 2.0 or Atom with every article."""
        updated = max(a.published for a in self.articles)
        return _env.get_template(f"{self.feed_format}.xml").render(
            site=self, base_url=base_url, updated=updated)


def _article(site: DemoSite, row: dict[str, Any]) -> DemoArticle:
    published = datetime.fromisoformat(row["published"]).astimezone(UTC)
    return DemoArticle(site=site, slug=row["slug"], title=row["title"], summary=row["summary"],
                       body=list(row["body"]), author=row["author"], published=published,
                       section=row["section"], tags=list(row.get("tags", [])),
                       expected=dict(row.get("expected", {})))


def load_sites(root: Path = SITES_DIR) -> list[DemoSite]:
    """Every demo site under the directory, in a stable order."""
    sites = []
    for folder in sorted(p for p in root.iterdir() if (p / "site.yaml").exists()):
        meta = yaml.safe_load((folder / "site.yaml").read_text(encoding="utf-8"))
        site = DemoSite(folder=folder.name, **meta)
        with (folder / "articles.jsonl").open(encoding="utf-8") as fh:
            site.articles = [_article(site, json.loads(line)) for line in fh if line.strip()]
        site.articles.sort(key=lambda a: a.published, reverse=True)
        sites.append(site)
    return sites
