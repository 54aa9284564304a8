"""Canonical article URLs: one spelling per article, so the database can refuse a second copy.

The canonical form is only a key (`url_hash` is unique in the database); articles are fetched at the
address they were announced under. w3lib (Scrapy's own URL library) does the generic work: IDNA
hosts, percent-encoding of path and query (UTF-8, upper-case escapes, non-UTF-8 bytes kept as they
are), dot segments, sorted query, no fragment. On top of it come the project's rules, which stored
keys depend on: tracking parameters, AMP and mobile variants, trailing slash, `//`, default ports,
host case and trailing dot, no user info.

Invalid input: a string without a scheme is read as http (`//a.vn/x` is `http://a.vn/x`, an empty
string is `http:///`); other schemes (`mailto:`, `javascript:`) get the same rules and a key that no
article URL can have; a string that cannot be parsed as a URL (port not a number or out of range,
broken IPv6 brackets, lone surrogates) raises ValueError, as `scrapy.Request` does; anything but a
str raises TypeError.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|zarsrc|gidzl|_ga|ref|ref_src|"
    r"cmpid|ito|icid|ncid|ocid|sr_share|share|amp|outputtype)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# folded in this order, each only while the host keeps at least two dots (www.m.a.vn -> a.vn, m.vn stays)
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_AMP_SUFFIX = re.compile(r"(/amp|\.amp)(?=/?$)")
_SLASHES = re.compile(r"/{2,}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # as urllib.parse.urlsplit recognises one
# w3lib leaves these raw in a path; the stored keys have them percent-encoded
_PATH_ESCAPES = str.maketrans({"[": "%5B", "]": "%5D", "|": "%7C"})
_PARAMS_BASE = "http://h/"


def _normalised_params(path: str) -> str:
    """The path with the `;params` of its last segment normalised like the rest (w3lib leaves them as given)."""
    head, slash, last = path.rpartition("/")
    segment, semicolon, params = last.partition(";")
    if not semicolon:
        return path
    pieces = [canonicalize_url(_PARAMS_BASE + piece)[len(_PARAMS_BASE):] if piece.strip(".") else piece
              for piece in params.split(";")]
    return f"{head}{slash}{segment};{';'.join(pieces)}"


def _without_tracking(query: str) -> str:
    """A canonical query without tracking parameters (matched on the decoded name); the others keep their order."""
    fields = [field for field in query.split("&")
              if not TRACKING_PARAMS.match(unquote_plus(field.partition("=")[0]))] if query else []
    return "&".join(fields)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment, tracking parameters or AMP/mobile variant."""
    if not isinstance(url, str):
        raise TypeError(f"URL must be a str, not {type(url).__name__}")
    text = url.strip()
    try:
        if not _SCHEME.match(text):
            text = "http:" + text if text.startswith("//") else "http:///" + text.lstrip("/")
        parts = urlsplit(canonicalize_url(text))
        port = parts.port
        path = _normalised_params(parts.path)
    except ValueError as exc:  # UnicodeError included
        raise ValueError(f"not a URL: {url[:200]!r} ({exc})") from exc
    host = (parts.hostname or "").rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    netloc = f"[{host}]" if ":" in host else host
    if port and port != _DEFAULT_PORTS.get(parts.scheme):
        netloc = f"{netloc}:{port}"
    path = _AMP_SUFFIX.sub("", _SLASHES.sub("/", path.translate(_PATH_ESCAPES)))
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((parts.scheme, netloc, path, _without_tracking(parts.query), ""))


def url_hash(url: str) -> str:
    """Hex SHA-256 of the canonical form of a URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()
