"""One spider for every kind of entry point: feeds, sitemaps (and indexes) and HTML listings.

Each announced article is followed once (unless its canonical URL is already stored) and yields the
same typed record, whichever way it was found.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy import exceptions as scrapy_exceptions
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost, DNSLookupError, TimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawlers.canonical import canonical_url, url_hash
from crawlers.feeds import FeedError, parse_feed
from crawlers.records import EntryPointState, FeedEntry, FetchedPage, FetchProblem, KnownUrl
from crawlers.sitemaps import parse_sitemap

T = TypeVar("T")
MAX_SITEMAP_DEPTH = 2
MAX_CHILD_SITEMAPS = 50
DEFAULT_MAX_PAGES = 3
_ARTICLE_PATH = re.compile(r"(\.s?html?$|\.aspx$|\d{5,}|[a-z0-9]+(-[a-z0-9]+){3,})", re.IGNORECASE)
_NOT_ARTICLE = re.compile(r"/(tag|tags|category|chuyen-muc|tim-kiem|search|login|dang-nhap|author)/",
                          re.IGNORECASE)
# failures that may pass by themselves: the entry point that announced the article is read again
_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError, ConnectError, ConnectionLost, ConnectionDone, DNSLookupError, ResponseFailed,
    ResponseNeverReceived, *(getattr(scrapy_exceptions, name) for name in (
        "DownloadConnectionRefusedError", "CannotResolveHostError", "DownloadTimeoutError",
        "DownloadFailedError", "ResponseDataLossError") if hasattr(scrapy_exceptions, name)),
)


def describe_failure(failure: Failure) -> tuple[str, int | None]:
    """A one-line reason and the HTTP status (if any) for a failed request."""
    value = failure.value
    response = getattr(value, "response", None)
    status = getattr(response, "status", None)
    if status is not None:
        return f"HTTP {status}", int(status)
    text = str(value).strip() or value.__class__.__name__
    return f"{type(value).__name__}: {text}"[:500], None


def is_transient(failure: Failure) -> bool:
    """Whether a failure may go away by itself (network, 5xx, 429), so the feed must be read again."""
    status = getattr(getattr(failure.value, "response", None), "status", None)
    if status is not None:
        return int(status) >= 500 or int(status) == 429
    return isinstance(failure.value, _TRANSIENT_ERRORS)


def looks_like_article(url: str, base: str) -> bool:
    """Heuristic for listing pages without a selector: same host, article-like path."""
    parts, home = urlsplit(url), urlsplit(base)
    if parts.scheme not in ("http", "https") or parts.netloc != home.netloc:
        return False
    path = parts.path
    return len(path) > 1 and not _NOT_ARTICLE.search(path) and bool(_ARTICLE_PATH.search(path.rstrip("/")))


class KnownUrlLookup(Protocol):
    """Tells which canonical-URL keys are stored already (the storing side provides it)."""

    def known(self, keys: Iterable[str]) -> set[str]: ...


class NothingKnown:
    """The lookup when nothing is stored (`sources check`): every announced article is fetched."""

    def known(self, keys: Iterable[str]) -> set[str]:
        return set()


class SourceSpider(scrapy.Spider):
    """Collects the articles that each source's feeds, sitemaps and listings announce."""

    name = "source"

    def __init__(self, sources: list[dict[str, Any]] | None = None,
                 entry_state: dict[str, dict[str, Any]] | None = None, max_articles: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = sources or []
        self.by_id = {s["id"]: s for s in self.sources}
        self.entry_state = entry_state or {}
        self.max_articles = max_articles
        self.known_urls: KnownUrlLookup = NothingKnown()
        self.followed: dict[str, int] = {}
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # which announced URLs are stored already: a component named in the settings (HDM_KNOWN_URLS)
        path = crawler.settings.get("HDM_KNOWN_URLS")
        if path:
            spider.known_urls = build_from_crawler(load_object(path), crawler)
        return spider  # type: ignore[return-value]

    async def start(self) -> Any:
        for request in self.start_requests():
            yield request

    def _meta(self, source: dict[str, Any], **extra: Any) -> dict[str, Any]:
        meta = {"source_id": source["id"], **extra}
        if source.get("robots_override_reason"):
            meta["dont_obey_robotstxt"] = True
        return meta

    def _conditional(self, url: str) -> dict[str, str]:
        state = self.entry_state.get(url) or {}
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers

    def start_requests(self) -> Iterator[scrapy.Request]:
        for source in self.sources:
            for url in source.get("feeds", []):
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.entry_point_failed,
                                     headers=self._conditional(url), dont_filter=True,
                                     meta=self._meta(source, stage="feed", handle_httpstatus_list=[304]))
            for url in source.get("sitemaps", []):
                yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.entry_point_failed,
                                     headers=self._conditional(url), dont_filter=True,
                                     meta=self._meta(source, stage="sitemap", depth=0,
                                                     handle_httpstatus_list=[304]))
            for url in source.get("listings", []):
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.entry_point_failed,
                                     dont_filter=True, meta=self._meta(source, stage="listing", page=1))

    # ------------------------------------------------------------------ entry points

    def _problem(self, response: Response, reason: str, stage: str) -> FetchProblem:
        return FetchProblem(response.meta["source_id"], response.url, reason, response.status, stage=stage)

    def _parsed(self, response: Response, parse: Callable[[], T], stage: str
                ) -> Generator[Any, None, tuple[T, str] | None]:
        """The parsed feed or sitemap and its body hash; None (with the record why) when unchanged or broken."""
        source_id = response.meta["source_id"]
        previous = self.entry_state.get(response.url) or {}
        if response.status == 304:
            yield EntryPointState(source_id, response.url, changed=False)
            return None
        digest = hashlib.sha256(response.body).hexdigest()
        if previous.get("body_hash") == digest:  # some servers never answer 304
            yield EntryPointState(source_id, response.url, changed=False, body_hash=digest,
                                  etag=previous.get("etag"), last_modified=previous.get("last_modified"))
            return None
        try:
            return parse(), digest
        except FeedError as exc:
            yield self._problem(response, str(exc), stage)
            return None

    def _state(self, response: Response, entries: int, digest: str) -> EntryPointState:
        header = response.headers.get
        return EntryPointState(
            response.meta["source_id"], response.url, changed=True, entries=entries,
            etag=(header("ETag") or b"").decode("latin-1") or None,
            last_modified=(header("Last-Modified") or b"").decode("latin-1") or None,
            body_hash=digest,
        )

    def _announced(self, response: Response, entries: list[FeedEntry], digest: str, via: str,
                   empty_reason: str) -> Iterator[Any]:
        if not entries:
            yield self._problem(response, empty_reason, via)
            return
        yield self._state(response, len(entries), digest)
        yield from self._follow_all(response, entries, via)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        result = yield from self._parsed(response, lambda: parse_feed(response.body, content_type), "feed")
        if result is None:
            return
        feed, digest = result
        for warning in feed.warnings:
            self.logger.warning("%s %s: %s", response.meta["source_id"], response.url, warning)
        yield from self._announced(response, feed.entries, digest, "feed",
                                   "nguồn cấp không có mục nào / feed has no entries")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        result = yield from self._parsed(response, lambda: parse_sitemap(response.body), "sitemap")
        if result is None:
            return
        sitemap, digest = result
        if sitemap.kind != "index":
            yield from self._announced(response, sitemap.entries, digest, "sitemap",
                                       "sitemap không có bài nào / sitemap has no URLs")
            return
        depth = int(response.meta.get("depth", 0))
        if depth >= MAX_SITEMAP_DEPTH:
            yield self._problem(response, "sitemap lồng quá sâu / sitemap index nested too deep", "sitemap")
            return
        yield self._state(response, len(sitemap.sitemaps), digest)
        source = self.by_id[response.meta["source_id"]]
        for child in sitemap.sitemaps[:MAX_CHILD_SITEMAPS]:
            url = response.urljoin(child)
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.entry_point_failed,
                                 headers=self._conditional(url),
                                 meta=self._meta(source, stage="sitemap", depth=depth + 1,
                                                 handle_httpstatus_list=[304]))

    def parse_listing(self, response: Response) -> Iterator[Any]:
        source_id = response.meta["source_id"]
        source = self.by_id[source_id]
        if not isinstance(response, TextResponse):
            yield self._problem(response, "trang danh sách không phải HTML / listing is not HTML", "listing")
            return
        selector = source.get("article_selector")
        if selector:
            nodes = response.css(selector)
            hrefs = nodes.xpath("@href").getall() + nodes.xpath(".//a/@href").getall()
            links = [response.urljoin(h) for h in hrefs]
        else:
            links = [response.urljoin(h) for h in response.css("a::attr(href)").getall()]
            links = [link for link in links if looks_like_article(link, response.url)]
        # the canonical form is only a key to spot the same article twice: the link is fetched as announced
        first_by_key: dict[str, str] = {}
        for link in links:
            first_by_key.setdefault(canonical_url(link), link)
        unique = list(first_by_key.values())
        if not unique:
            yield self._problem(response, "trang danh sách không có liên kết bài / no article links", "listing")
        yield from self._follow_all(response, [FeedEntry(link=link) for link in unique], "listing")
        page = int(response.meta.get("page", 1))
        if page < int(source.get("max_pages") or DEFAULT_MAX_PAGES):
            next_href = response.css(source.get("next_selector") or "a[rel=next]::attr(href)").get()
            if next_href:
                yield response.follow(next_href, callback=self.parse_listing, errback=self.entry_point_failed,
                                      meta=self._meta(source, stage="listing", page=page + 1))

    # ------------------------------------------------------------------ articles

    def _follow_all(self, response: Response, entries: list[FeedEntry], via: str) -> Iterator[Any]:
        """Request every announced article not stored yet, at the address it was announced under."""
        keyed = []
        for entry in entries:
            try:
                entry.link = response.urljoin(entry.link)
                keyed.append((url_hash(entry.link), entry))
            except ValueError as exc:  # one unusable link must not cost the feed its other entries
                yield FetchProblem(response.meta["source_id"], entry.link, f"liên kết hỏng / bad link: {exc}",
                                   stage="article", origin=response.url)
        known = self.known_urls.known(key for key, _ in keyed)  # one indexed lookup per response
        for key, entry in keyed:
            yield from self._follow(response, entry, via, key, key in known)

    def _follow(self, response: Response, entry: FeedEntry, via: str, key: str, known: bool) -> Iterator[Any]:
        source_id = response.meta["source_id"]
        if known:
            yield KnownUrl(source_id, entry.link)
            return
        if key in self.seen:  # the same article announced twice in this run (feed + sitemap + listing)
            return
        if self.max_articles is not None and self.followed.get(source_id, 0) >= self.max_articles:
            return
        self.seen.add(key)
        self.followed[source_id] = self.followed.get(source_id, 0) + 1
        # dont_filter: this spider deduplicates itself (above); Scrapy's filter would silently drop
        # the second hop of a redirect loop instead of letting the redirect limit record a reason
        yield scrapy.Request(
            entry.link, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
            cb_kwargs={"entry": entry, "via": via},
            meta={**self._meta(self.by_id[source_id]), "origin": response.url},
        )

    def parse_article(self, response: Response, entry: FeedEntry, via: str) -> Iterator[Any]:
        encoding = response.encoding if isinstance(response, TextResponse) else None
        yield FetchedPage(
            source_id=response.meta["source_id"], url=entry.link, final_url=response.url,
            status=response.status, body=response.body, encoding=encoding,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            fetched_at=datetime.now(UTC), entry=entry, via=via, origin=response.meta.get("origin"),
        )

    def entry_point_failed(self, failure: Failure) -> Iterator[FetchProblem]:
        reason, status = describe_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        yield FetchProblem(request.meta["source_id"], request.url, reason, status,
                           stage=request.meta.get("stage", "feed"), transient=is_transient(failure))

    def article_failed(self, failure: Failure) -> Iterator[FetchProblem]:
        reason, status = describe_failure(failure)
        request = failure.request  # type: ignore[attr-defined]
        entry = request.cb_kwargs.get("entry")
        url = entry.link if entry else request.url
        if url != request.url:
            reason = f"{reason} (sau chuyển hướng / after redirects, at {request.url})"
        yield FetchProblem(request.meta["source_id"], url, reason, status, stage="article",
                           origin=request.meta.get("origin"), transient=is_transient(failure))
