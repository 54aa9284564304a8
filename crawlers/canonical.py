"""Canonical article URLs: one spelling per article, so the database can refuse a second copy."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|zarsrc|gidzl|_ga|ref|ref_src|"
    r"cmpid|ito|icid|ncid|ocid|sr_share|share|amp|outputtype)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment, tracking parameters or AMP/mobile variant."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    netloc = host
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    path = re.sub(r"/{2,}", "/", path)
    path = re.sub(r"(/amp|\.amp)(?=/?$)", "", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)
    )
    return urlunsplit((scheme if scheme in ("http", "https") else scheme, netloc, path, urlencode(query), ""))


def url_hash(url: str) -> str:
    """Hex SHA-256 of the canonical form of a URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()
