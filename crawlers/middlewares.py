"""Downloader middlewares: refuse requests that resolve to private addresses (SSRF guard)."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

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

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler.settings.getbool("HDM_ALLOW_PRIVATE_HOSTS"))

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        if self.allow_private:
            return None
        host = urlsplit(request.url).hostname or ""
        reason = forbidden_address(host)
        if reason:
            logger.warning("refused %s: %s", request.url, reason)
            raise PrivateAddressRefused(f"địa chỉ nội bộ bị chặn / private address refused: {reason}")
        return None
