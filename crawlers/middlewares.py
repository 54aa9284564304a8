"""Downloader middlewares: the SSRF guard and retries that wait (Retry-After, exponential backoff)."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


class PrivateAddressRefused(IgnoreRequest):
    """The host resolves to an address the crawler must not reach."""


def forbidden_address(host: str) -> str | None:
    """Why a host may not be fetched (private, loopback, link-local, metadata…), or None if it may."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        logger.debug("cannot resolve %s: %s", host, exc)
        return None  # the download reports the DNS failure itself
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified):
            return f"{host} resolves to non-public address {address}"
    return None


class PrivateAddressGuard:
    """Checks every request, redirects included, unless HDM_ALLOW_PRIVATE_HOSTS is set."""

    def __init__(self, allow_private: bool, allowlist: list[str] | None = None) -> None:
        self.allow_private = allow_private
        self.allowlist = {entry.lower() for entry in allowlist or []}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler.settings.getbool("HDM_ALLOW_PRIVATE_HOSTS"),
                   crawler.settings.getlist("HDM_PRIVATE_HOST_ALLOWLIST"))

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        if self.allow_private:
            return None
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        if f"{host}:{parts.port}".lower() in self.allowlist or host.lower() in self.allowlist:
            return None
        reason = forbidden_address(host)
        if reason:
            logger.warning("refused %s: %s", request.url, reason)
            raise PrivateAddressRefused(f"địa chỉ nội bộ bị chặn / private address refused: {reason}")
        return None


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


async def _sleep(seconds: float) -> None:
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry with waits: Retry-After on 429/503, exponential backoff otherwise.

    A Retry-After longer than RETRY_AFTER_MAX is not waited for: the response is given up on and
    recorded, and the source is tried again on its next run.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff_base * (2**attempt)))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._backoff(request)
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > self.retry_after_max:
                    logger.warning("%s asks to retry after %.0fs: giving up for this run", request.url, asked)
                    return response
                delay = max(delay, asked)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await _sleep(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await _sleep(self._backoff(request))
        return retry


class SharedPoliteness:
    """Politeness across machines: at most one request to a host per DOWNLOAD_DELAY, whichever crawl sends it.

    A key per host in Redis (SET NX with the delay as its expiry) is the right to send; a crawl that finds it
    taken waits out its remaining time. Only on in distributed mode (HDM_POLITENESS_REDIS); should Redis be
    unreachable the crawl goes on with its own DOWNLOAD_DELAY, and says so once.
    """

    def __init__(self, url: str, delay: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.delay_ms = max(1, int(delay * 1000))
        self.broken = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPoliteness:
        from scrapy.exceptions import NotConfigured

        url = crawler.settings.get("HDM_POLITENESS_REDIS")
        delay = crawler.settings.getfloat("DOWNLOAD_DELAY", 0.0)
        if not url or delay <= 0:
            raise NotConfigured("no shared politeness")
        return cls(str(url), delay)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """Wait for this host's turn."""
        import redis

        host = urlsplit(request.url).hostname or ""
        key = f"hdm:polite:{host}"
        while not self.broken:
            try:
                if self.client.set(key, "1", nx=True, px=self.delay_ms):
                    return
                wait_ms = self.client.pttl(key)
            except redis.RedisError as exc:
                self.broken = True
                logger.warning("shared politeness off (Redis unreachable: %s): this crawl keeps its own delay", exc)
                return
            await _sleep(max(5, wait_ms if wait_ms and wait_ms > 0 else 5) / 1000)
