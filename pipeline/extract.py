"""From fetched bytes to clean article fields: decode, trafilatura, dates, NFC."""

from __future__ import annotations

import codecs
import hashlib
import logging
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import justext.core
import lxml.html
import trafilatura
from htmldate import find_date
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title
from trafilatura.settings import Extractor

from nlp.langid import detect_language
from nlp.normalise import clean_text, fold
from pipeline.dates import parse_iso, parse_vietnamese_datetime

logger = logging.getLogger(__name__)

_DATE_META = (
    "article:published_time", "og:article:published_time", "datePublished", "pubdate",
    "publishdate", "dc.date.issued", "date",
)
FAST_RETRY_CHARS = 500  # a fast extraction shorter than this is done again with the fallbacks
_DATE_XPATHS = (
    "//time/@datetime", "//*[contains(@class,'date') or contains(@class,'time')]/text()",
)
# Elements trafilatura's cleaning deletes whatever their content (its MANUALLY_CLEANED, and tables since
# they are not extracted), taken out before its pruning passes so that those walk a smaller tree: the
# same text for a fifth less time. <head> stays (its JSON-LD tells forum threads apart), as do forms
# and <math>, which trafilatura treats with care.
_ALWAYS_DELETED = (
    "aside", "embed", "fencedframe", "footer", "iframe", "menu", "object", "applet", "audio", "canvas",
    "figure", "map", "picture", "svg", "video", "area", "blink", "button", "datalist", "dialog", "frame",
    "frameset", "fieldset", "input", "label", "legend", "marquee", "menuitem", "nav", "noindex", "noscript",
    "optgroup", "option", "output", "param", "progress", "rp", "rt", "rtc", "select", "source", "style",
    "track", "textarea", "use", "table",
)


@dataclass(frozen=True)
class Extracted:
    """What a page says, cleaned and NFC-normalised."""

    title: str
    text: str
    author: str | None
    published_at: datetime | None
    lang: str
    canonical: str | None


def decode_html(body: bytes, encoding: str | None) -> str:
    """Bytes to text with the encoding Scrapy reconciled (header, BOM, meta); UTF-8 otherwise."""
    for candidate in (encoding, "utf-8"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
            return body.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _page_meta(tree: lxml.html.HtmlElement, base_url: str) -> tuple[str | None, datetime | None]:
    canonical = None
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        absolute = urljoin(base_url, str(href).strip())
        if absolute.startswith(("http://", "https://")):
            canonical = absolute
            break
    published = None
    for name in _DATE_META:
        values = tree.xpath(f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content")
        published = next((d for d in (parse_iso(str(v)) or parse_vietnamese_datetime(str(v))
                                      for v in values) if d), None)
        if published:
            break
    if published is None:
        for xpath in _DATE_XPATHS:
            for value in tree.xpath(xpath)[:5]:
                published = parse_iso(str(value)) or parse_vietnamese_datetime(str(value))
                if published:
                    break
            if published:
                break
    return canonical, published


def _overridden(html: str, overrides: dict[str, str]) -> dict[str, str]:
    """Fields taken by the source's own CSS selectors (title, text, author, date)."""
    from parsel import Selector

    page = Selector(text=html)
    out: dict[str, str] = {}
    for field_name in ("title", "text", "author", "date"):
        css = overrides.get(field_name)
        if not css:
            continue
        parts = [" ".join(node.css("::text").getall()).strip() for node in page.css(css)]
        value = "\n".join(p for p in parts if p)
        if value:
            out[field_name] = value
    return out


def _title_and_author(tree: lxml.html.HtmlElement) -> tuple[str, str | None]:
    """Title and author as trafilatura's metadata step finds them (meta tags, JSON-LD, headings, bylines).

    Only those two: dates are read by _page_meta, and the rest of trafilatura's metadata (categories,
    tags, licence, site name) costs more than the text extraction and is not used.
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # a handle or a site name, as trafilatura judges
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception as exc:  # noqa: BLE001 - broken JSON-LD: the meta tags and headings still count
        logger.debug("JSON-LD metadata failed: %s", exc)
    return meta.title or extract_title(tree) or "", meta.author or extract_author(tree)


def _without_deleted_elements(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The tree without the elements trafilatura would delete (their tails kept, as it keeps them)."""
    body = tree.find("body")
    for element in list((body if body is not None else tree).iter(*_ALWAYS_DELETED)):
        if element.getparent() is not None:
            element.drop_tree()
    for script in list(tree.iter("script")):
        if script.get("type") != "application/ld+json" and script.getparent() is not None:
            script.drop_tree()
    return tree


_EXTRACTORS = {
    fast: Extractor(output_format="python", fast=fast, precision=True, comments=False, tables=False, dedup=False,
                    with_metadata=False)
    for fast in (True, False)
}


_FROZEN_STOPLISTS: dict[int, tuple[object, frozenset[str]]] = {}
_define_stoplist = justext.core.define_stoplist


def _frozen_stoplist(stoplist: object) -> frozenset[str]:
    """justext's define_stoplist, remembered per stop list.

    justext lower-cases and freezes its stop list again on every call: 4.7 ms each time for the
    154,000 words of every language that trafilatura hands it when the page's language is not set,
    more than the rest of the fallback extraction of a short page. The lists trafilatura passes are
    immutable (a tuple built once, or a frozenset), so the result is kept with the list it came from.
    """
    if not isinstance(stoplist, (tuple, frozenset)):
        return _define_stoplist(stoplist)  # type: ignore[no-any-return]
    kept = _FROZEN_STOPLISTS.get(id(stoplist))
    if kept is None or kept[0] is not stoplist:
        kept = _FROZEN_STOPLISTS[id(stoplist)] = (stoplist, _define_stoplist(stoplist))
    return kept[1]


justext.core.define_stoplist = _frozen_stoplist  # looked up at each call by justext's classify_paragraphs


def _text(tree: lxml.html.HtmlElement, url: str, fast: bool) -> str:
    if fast:
        tree = _without_deleted_elements(tree)
    options = copy(_EXTRACTORS[fast])  # built once: reading trafilatura's settings costs more than the copy
    options.url = options.source = url
    doc = trafilatura.bare_extraction(tree, url=url, options=options)
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def extract(html: str, url: str, overrides: dict[str, str] | None = None, fast: bool = True) -> Extracted:
    """Title, text, author, date, language and rel=canonical of an article page.

    `overrides` maps title/text/author/date to CSS selectors for sites where the generic result is wrong.
    `fast` skips trafilatura's comparison with its fallback extractors (readability, justext) unless
    the text found is short: on 10,000 real pages that gave the default's output exactly at 1.57x the
    speed (bench.extract_quality). The page is parsed once; the metadata is read before trafilatura
    prunes the tree for the text.
    """
    canonical: str | None = None
    published: datetime | None = None
    title = text = ""
    author = None
    tree = trafilatura.load_html(html)
    if tree is not None:
        canonical, published = _page_meta(tree, url)
        title, author = _title_and_author(tree)
        if published is None:  # htmldate's reading of the page, without guessing from copyright lines or URLs
            found = find_date(tree, extensive_search=False, original_date=True, url=url, outputformat="%Y-%m-%d")
            published = parse_iso(found) if found else None
        text = _text(tree, url, fast)
        if fast and len(text) < FAST_RETRY_CHARS:  # short pages are where the fallback extractors matter
            again = trafilatura.load_html(html)
            text = _text(again, url, fast=False) if again is not None else text
    forced = _overridden(html, overrides) if overrides else {}
    if forced.get("date"):
        published = parse_vietnamese_datetime(forced["date"]) or parse_iso(forced["date"]) or published
    title = clean_text(forced.get("title", title))
    text = clean_text(forced.get("text", text))
    author = clean_text(forced.get("author") or author or "") or None
    if text.startswith(title) and title:
        text = text[len(title):].lstrip()
    return Extracted(
        title=title, text=text, author=author, published_at=published,
        lang=detect_language(f"{title}\n{text}"), canonical=canonical,
    )


def content_hash(title: str, text: str, folded: str | None = None) -> str:
    """Hash of the folded text, equal for the same article however it was accented or spaced.

    `folded` is fold(f"{title} {text}") when the caller has it already.
    """
    key = " ".join((fold(f"{title} {text}") if folded is None else folded).split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
