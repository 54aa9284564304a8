"""Sitemap bytes to typed entries: urlsets (with Google News tags) and sitemap indexes."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

import lxml.etree

from crawlers.feeds import FeedError
from crawlers.records import FeedEntry

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's own limit, uncompressed


@dataclass
class ParsedSitemap:
    """Either child sitemaps (an index) or article entries (a urlset)."""

    kind: str
    sitemaps: list[str] = field(default_factory=list)
    entries: list[FeedEntry] = field(default_factory=list)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def iso_datetime(text: str | None, default_zone: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 timestamp in UTC (a missing zone means `default_zone`), or None if unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=default_zone)).astimezone(UTC)


def _child_text(element: lxml.etree._Element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text:
            return str(child.text).strip()
    return None


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Parse a sitemap (gzip allowed); entities are never resolved and nothing is fetched."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                body = fh.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise FeedError(f"sitemap nén hỏng / broken gzip sitemap: {exc}") from exc
        if len(body) > MAX_SITEMAP_BYTES:
            raise FeedError("sitemap quá lớn / sitemap over 50 MiB uncompressed")
    if b"<!ENTITY" in body[:65536].upper():
        raise FeedError("sitemap khai báo thực thể XML, bị từ chối / sitemap declares XML entities: refused")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                                  remove_comments=True, remove_pis=True)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise FeedError(f"sitemap hỏng / malformed sitemap: {exc}") from exc
    if root is None:
        raise FeedError("sitemap rỗng hoặc hỏng / empty or malformed sitemap")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        locs = [_child_text(el, "loc") for el in root if _local(el.tag) == "sitemap"]
        return ParsedSitemap("index", sitemaps=[loc for loc in locs if loc])
    if kind != "urlset":
        raise FeedError(f"không phải sitemap / not a sitemap (root <{kind}>)")
    entries = []
    for el in root:
        if _local(el.tag) != "url":
            continue
        loc = _child_text(el, "loc")
        if not loc:
            continue
        entries.append(FeedEntry(
            link=loc,
            title=_child_text(el, "title") or "",
            published=iso_datetime(_child_text(el, "publication_date") or _child_text(el, "lastmod")),
        ))
    return ParsedSitemap("urlset", entries=entries)
