"""Evidence over time: re-fetch each flagged article's original URL, keep a version when its text changed.

An outlet may quietly rewrite or delete a distorted piece once the office has rebutted it; the daily
re-check is the office's proof. Each article is fetched and extracted outside any database
transaction (one page at a time, politely, SSRF-guarded), then its result is written in one short
transaction: an ArticleCheck row always, an ArticleSnapshot (the raw page, compressed) only when the
extracted text changed, and the article's evidence_status and evidence_checked_at.
"""

from __future__ import annotations

import difflib
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy.engine import Engine
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from config.settings import Settings
from crawlers.middlewares import forbidden_address
from pipeline.extract import content_hash, decode_html, extract
from pipeline.ingest import EVIDENCE_COMPRESS_LEVEL, MIN_TEXT_CHARS
from store import evidence
from store.db import session_scope

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024  # an article page is far smaller; more is not read
MAX_REDIRECTS = 5
DIFF_MAX_CHARS = 20_000
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})
SOFT_DELETED = "trang không còn nội dung / page has no text any more"


@dataclass
class RecheckReport:
    """What one re-check run found: a count per outcome, and the articles that could not be checked."""

    checked: int = 0
    unchanged: int = 0
    edited: int = 0
    deleted: int = 0
    unreachable: int = 0
    problems: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)  # the articles checked, in order
    failed_ids: list[int] = field(default_factory=list)  # the articles of the problems

    def add(self, article_id: int, outcome: str) -> None:
        """Count one recorded check."""
        self.checked += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.article_ids.append(article_id)


@dataclass(frozen=True)
class Fetched:
    """The end of one fetch: a response (status, body) or the reason there was none."""

    url: str  # as asked for
    final_url: str | None = None  # after the redirects followed
    status: int | None = None
    body: bytes = b""
    encoding: str | None = None
    error: str | None = None  # why the page could not be fetched (network, timeout, refused, too large)


@dataclass(frozen=True)
class Version:
    """The newest known version of an article: its latest snapshot, else the article as first stored."""

    title: str
    text: str
    content_hash: str
    at: datetime
    snapshot_id: int | None  # None: the article itself


@dataclass(frozen=True)
class Target:
    """What a check needs to know about one article, read before the fetch."""

    article_id: int
    url: str
    overrides: dict[str, str] | None
    previous: Version
    raw_html: bytes | None  # the page as first fetched (zlib), to read the title the page itself had
    raw_encoding: str


@dataclass(frozen=True)
class Judgement:
    """The outcome of one check, ready to write."""

    outcome: str
    detail: str | None = None
    diff: str | None = None
    snapshot: dict[str, Any] | None = None
    content_hash: str | None = None


# ------------------------------------------------------------------------------------------ fetching

def response_encoding(content_type: str | None, body: bytes) -> str | None:
    """The page's encoding as Scrapy would reconcile it: BOM, then the Content-Type header, then <meta>."""
    found = read_bom(body)[0] or http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    return resolve_encoding(found) if found else None


class PoliteFetcher:
    """One page at a time, redirects followed by hand so every hop passes the private-address guard.

    The guard is crawlers.middlewares.PrivateAddressGuard's rule: refused when the host resolves to a
    non-public address, unless private hosts are allowed or the host (or host:port) is allowlisted.
    """

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        scrapy = settings.scrapy
        self.delay = float(scrapy.get("DOWNLOAD_DELAY", 1.0) or 0.0)
        self.timeout = float(scrapy.get("DOWNLOAD_TIMEOUT", 30) or 30)
        self.allow_private = settings.allow_private_hosts
        self.allowlist = {entry.lower() for entry in settings.private_host_allowlist}
        user_agent = str(scrapy.get("USER_AGENT") or "hdmonitor")
        self.client = client or httpx.Client(
            follow_redirects=False, timeout=self.timeout, trust_env=False,
            headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"},
        )
        self._last: dict[str, float] = {}  # host -> monotonic time of its last request

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.client.close()

    def refusal(self, url: str) -> str | None:
        """Why this address may not be fetched, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"giao thức không được phép / scheme not allowed: {parts.scheme or '—'}"
        host = (parts.hostname or "").lower()
        if not host:
            return f"địa chỉ không hợp lệ / invalid URL: {url}"
        try:
            port = parts.port
        except ValueError:
            return f"cổng không hợp lệ / invalid port: {url}"
        if self.allow_private or host in self.allowlist or f"{host}:{port}" in self.allowlist:
            return None
        reason = forbidden_address(host)
        return f"địa chỉ nội bộ bị chặn / private address refused: {reason}" if reason else None

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and self.delay > 0:
            wait = self.delay - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)
        self._last[host] = time.monotonic()

    def _read(self, response: httpx.Response, deadline: float) -> tuple[bytes, str | None]:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return b"", f"trang quá lớn / page too large: {declared} bytes"
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return b"", f"trang quá lớn / page larger than {MAX_BODY_BYTES} bytes"
            if time.monotonic() > deadline:
                return b"", f"hết thời gian chờ / timed out after {self.timeout:g}s"
            chunks.append(chunk)
        return b"".join(chunks), None

    def fetch(self, url: str) -> Fetched:
        """GET the URL, following at most MAX_REDIRECTS redirects; every failure is a reason, never raised."""
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            refused = self.refusal(current)
            if refused:
                logger.warning("re-check refused %s: %s", current, refused)
                return Fetched(url, current, error=refused)
            self._wait_turn((urlsplit(current).hostname or "").lower())
            deadline = time.monotonic() + self.timeout
            try:
                with self.client.stream("GET", current) as response:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_STATUSES and location:
                        current = urljoin(current, location.strip())
                        continue
                    if response.status_code != 200:
                        return Fetched(url, current, response.status_code)
                    body, error = self._read(response, deadline)
                    content_type = response.headers.get("content-type")
            except httpx.TimeoutException:
                return Fetched(url, current, error=f"hết thời gian chờ / timed out after {self.timeout:g}s")
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return Fetched(url, current, error=f"lỗi mạng / network error: {type(exc).__name__}: {exc}")
            if error:
                return Fetched(url, current, 200, error=error)
            return Fetched(url, current, 200, body, response_encoding(content_type, body))
        return Fetched(url, current, error=f"quá nhiều chuyển hướng / more than {MAX_REDIRECTS} redirects")


# ------------------------------------------------------------------------------------------ judging

def text_diff(before: Version, title: str, text: str, at: datetime) -> str:
    """A unified diff, line by line, of the previous version and the new one (title first), size-capped."""
    old = [before.title, "", *before.text.splitlines()]
    new = [title, "", *text.splitlines()]
    lines = difflib.unified_diff(old, new, fromfile=before.at.astimezone(UTC).isoformat(),
                                 tofile=at.astimezone(UTC).isoformat(), lineterm="")
    out: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > DIFF_MAX_CHARS:
            out.append("… (đã cắt bớt / truncated)")
            break
        out.append(line)
    return "\n".join(out)


def original_page_title(target: Target) -> str | None:
    """The title the first-fetched page itself showed (the stored title may be the feed's), or None."""
    if not target.raw_html or target.raw_encoding != "zlib":
        return None
    try:
        body = zlib.decompress(target.raw_html)
        found = extract(decode_html(body, response_encoding(None, body)), target.url, target.overrides)
    except Exception:  # noqa: BLE001 - a stored page that no longer parses: the stored title stands
        logger.debug("cannot re-read the stored page of article %s", target.article_id, exc_info=True)
        return None
    return found.title or None


def judge(target: Target, fetched: Fetched, at: datetime) -> Judgement:
    """What a fetch says about the article: unchanged, edited (with a snapshot and a diff), deleted, unreachable."""
    if fetched.error:
        return Judgement("unreachable", fetched.error)
    status = fetched.status or 0
    if status in GONE_STATUSES:
        return Judgement("deleted", f"HTTP {status}: trang đã bị gỡ / page gone")
    if status != 200:
        return Judgement("unreachable", f"HTTP {status}: phản hồi không mong đợi / unexpected response")
    final_url = fetched.final_url or fetched.url
    found = extract(decode_html(fetched.body, fetched.encoding), final_url, target.overrides)
    if len(found.text) < MIN_TEXT_CHARS:
        return Judgement("deleted", SOFT_DELETED)
    previous = target.previous
    title = found.title or previous.title
    new_hash = content_hash(title, found.text)
    if new_hash == previous.content_hash:
        return Judgement("unchanged", content_hash=new_hash)
    if previous.snapshot_id is None:
        # The article's stored title may be the feed's rather than the page's: compare with the title
        # the page had when first fetched, so a feed/page title difference is not taken for an edit.
        page_title = original_page_title(target)
        if page_title and page_title != previous.title:
            previous = Version(page_title, previous.text, content_hash(page_title, previous.text),
                               previous.at, None)
            if new_hash == previous.content_hash:
                return Judgement("unchanged", content_hash=new_hash)
    snapshot = {
        "article_id": target.article_id, "fetched_at": at, "url": final_url, "http_status": status,
        "title": title, "text": found.text, "content_hash": new_hash,
        "raw_html": zlib.compress(fetched.body, EVIDENCE_COMPRESS_LEVEL), "raw_encoding": "zlib",
    }
    return Judgement("edited", diff=text_diff(previous, title, found.text, at), snapshot=snapshot,
                     content_hash=new_hash)


def evidence_status(outcome: str, edited_before: bool) -> str | None:
    """The article's standing after a check: deleted now, else edited ever, else unreachable now, else None."""
    if outcome == "deleted":
        return "deleted"
    if outcome == "edited" or edited_before:
        return "edited"
    return "unreachable" if outcome == "unreachable" else None


# ------------------------------------------------------------------------------------------ the unit

def read_target(engine: Engine, article_id: int) -> Target | None:
    """The article's address and newest known version, read in a short read-only unit."""
    with session_scope(engine) as session:
        article = evidence.article_to_check(session, article_id)
        if article is None:
            return None
        snapshot = evidence.latest_snapshot(session, article_id)
        if snapshot is not None:
            previous = Version(snapshot.title, snapshot.text, snapshot.content_hash, snapshot.fetched_at,
                               snapshot.id)
        else:
            previous = Version(article.title, article.text, article.content_hash, article.fetched_at, None)
        overrides = ((article.source.config if article.source else None) or {}).get("extract")
        return Target(article_id, article.url or article.final_url or "", overrides or None, previous,
                      article.raw_html, article.raw_encoding)


def write_check(engine: Engine, target: Target, fetched: Fetched, result: Judgement, at: datetime) -> str:
    """Record the check (and the snapshot of an edit) in one short write unit; returns the outcome recorded."""
    outcome, detail, diff, snapshot_values = result.outcome, result.detail, result.diff, result.snapshot
    with session_scope(engine, write=True) as session:
        if snapshot_values is not None:
            latest = evidence.latest_snapshot(session, target.article_id)
            if latest is not None and latest.id != target.previous.snapshot_id \
                    and latest.content_hash == result.content_hash:
                # another run stored this very version meanwhile: nothing new to keep
                outcome, diff, snapshot_values = "unchanged", None, None
        snapshot_id = evidence.add_snapshot(session, snapshot_values).id if snapshot_values else None
        status = evidence_status(outcome, evidence.ever_edited(session, target.article_id))
        evidence.record_check(session, {
            "article_id": target.article_id, "checked_at": at, "outcome": outcome,
            "http_status": fetched.status, "url": target.url, "final_url": fetched.final_url,
            "detail": detail, "diff": diff, "snapshot_id": snapshot_id,
        }, status)
    return outcome


def check_article(engine: Engine, fetcher: PoliteFetcher, article_id: int, at: datetime) -> str | None:
    """Re-check one article: read, fetch and judge outside any transaction, then write; None if it is gone."""
    target = read_target(engine, article_id)
    if target is None:
        return None
    fetched = fetcher.fetch(target.url) if target.url else Fetched("", error="bài không có địa chỉ / no URL")
    result = judge(target, fetched, at)
    outcome = write_check(engine, target, fetched, result, at)
    logger.info("re-checked article %s (%s): %s%s", article_id, target.url, outcome,
                f" — {result.detail}" if result.detail else "")
    return outcome


def recheck_flagged(settings: Settings, engine: Engine, *, limit: int = 500, max_age_days: int = 90,
                    min_gap_hours: float = 20.0, now: datetime | None = None,
                    article_ids: list[int] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> RecheckReport:
    """Re-check the flagged articles due (or just `article_ids`, whatever their age and last check).

    Due: the latest analysis flagged or a case not dismissed, fetched within `max_age_days`, not
    checked within `min_gap_hours`; never-checked first, then the longest unchecked, at most `limit`.
    `now` fixes the time of the run and of every check (tests); `progress(done, total)` after each one.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("naive datetime refused: pass a timezone-aware UTC time")
    started = now or datetime.now(UTC)
    with session_scope(engine) as session:
        ids = evidence.recheck_candidates(session, started, limit=limit, max_age_days=max_age_days,
                                          min_gap_hours=min_gap_hours, article_ids=article_ids)
    report = RecheckReport()
    with PoliteFetcher(settings) as fetcher:
        for done, article_id in enumerate(ids, 1):
            at = now or datetime.now(UTC)
            try:
                outcome = check_article(engine, fetcher, article_id, at)
            except Exception as exc:  # noqa: BLE001 - one article's failure is recorded, the run goes on
                logger.warning("re-check of article %s failed", article_id, exc_info=True)
                report.problems.append(f"bài / article {article_id}: {type(exc).__name__}: {exc}")
                report.failed_ids.append(article_id)
            else:
                if outcome is not None:
                    report.add(article_id, outcome)
            if progress is not None:
                progress(done, len(ids))
    logger.info("re-check: %s checked, %s unchanged, %s edited, %s deleted, %s unreachable, %s problems",
                report.checked, report.unchanged, report.edited, report.deleted, report.unreachable,
                len(report.problems))
    return report
