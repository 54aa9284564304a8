"""A published rebuttal as schema.org ClaimReview JSON-LD (pure: no I/O, no database)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

# Việt Nam has kept UTC+07:00 without daylight saving since 1975: a fixed offset needs no tz database.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
BEST_RATING = 5
WORST_RATING = 1

# code -> (reviewRating.ratingValue, Vietnamese label shown as alternateName, English label).
# Google shows only the text label; the numbers keep one scale for every rebuttal (1 false .. 5 true).
VERDICTS: dict[str, tuple[int, str, str]] = {
    "false": (1, "Sai sự thật", "False"),
    "misleading": (2, "Gây hiểu lầm", "Misleading"),
    "partly_false": (3, "Sai một phần", "Partly false"),
    "unproven": (3, "Chưa được kiểm chứng", "Unproven"),
    "true": (5, "Đúng", "True"),
}


@dataclass(frozen=True)
class Appearance:
    """One outlet's article that carried the reviewed claim."""

    url: str
    outlet: str
    title: str
    published_at: datetime | None


@dataclass(frozen=True)
class Rebuttal:
    """A rebuttal as the office published it."""

    case_id: int
    claim_summary: str
    verdict: str
    facts: str
    published_urls: list[str]
    published_at: datetime
    author: str
    author_url: str | None = None
    appearances: list[Appearance] = field(default_factory=list)
    lang: str = "vi"


def _nfc(text: str) -> str:
    """Return the text stripped and in Unicode NFC."""
    return unicodedata.normalize("NFC", text).strip()


def _aware(value: datetime, what: str) -> datetime:
    """Return the datetime if it carries a timezone, else raise ValueError."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"thời điểm thiếu múi giờ ({what}) / naive datetime in {what}: a timezone is required")
    return value


def _url(value: str, what: str) -> str:
    """Return the URL in NFC if it is absolute http(s), else raise ValueError."""
    url = _nfc(value)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"đường dẫn không hợp lệ ({what}) / not an absolute http(s) URL in {what}: {value!r}")
    return url


def _iso(value: datetime) -> str:
    """Return an aware datetime as ISO 8601 in Việt Nam time, to the second."""
    return value.astimezone(VN_TZ).isoformat(timespec="seconds")


def _chronological(appearances: list[Appearance]) -> list[tuple[int, Appearance]]:
    """Return (input index, appearance) oldest first; those without a date last, in their given order."""
    pairs = list(enumerate(appearances))
    pairs.sort(key=lambda pair: (pair[1].published_at is None, pair[1].published_at or datetime.min, pair[0]))
    return pairs


def _validate(rebuttal: Rebuttal) -> None:
    """Raise ValueError (Vietnamese / English) on any input that cannot make a valid ClaimReview."""
    if rebuttal.verdict not in VERDICTS:
        raise ValueError(f"kết luận không hợp lệ / unknown verdict {rebuttal.verdict!r}")
    if not rebuttal.published_urls:
        raise ValueError("thiếu đường dẫn bài đính chính / published_urls is empty")
    if not _nfc(rebuttal.claim_summary):
        raise ValueError("nội dung thông tin được kiểm chứng trống / claim_summary is empty")
    if not _nfc(rebuttal.author):
        raise ValueError("thiếu tên cơ quan đăng bài / author is empty")
    if not _nfc(rebuttal.lang):
        raise ValueError("thiếu mã ngôn ngữ / lang is empty")
    _aware(rebuttal.published_at, "published_at")
    for i, appearance in enumerate(rebuttal.appearances):
        if appearance.published_at is not None:
            _aware(appearance.published_at, f"appearances[{i}].published_at")


def _organization(name: str, url: str | None = None) -> dict[str, Any]:
    """Return a schema.org Organization."""
    org: dict[str, Any] = {"@type": "Organization", "name": _nfc(name)}
    if url:
        org["url"] = _url(url, "author_url")
    return org


def _article(appearance: Appearance, i: int) -> dict[str, Any]:
    """Return one appearance as a schema.org NewsArticle."""
    article: dict[str, Any] = {"@type": "NewsArticle", "url": _url(appearance.url, f"appearances[{i}].url")}
    if _nfc(appearance.title):
        article["headline"] = _nfc(appearance.title)
    if appearance.published_at is not None:
        article["datePublished"] = _iso(appearance.published_at)
    if _nfc(appearance.outlet):
        article["publisher"] = _organization(appearance.outlet)
    return article


def _claim(appearances: list[Appearance]) -> dict[str, Any]:
    """Return the reviewed claim with where it appeared, oldest first."""
    claim: dict[str, Any] = {"@type": "Claim"}
    if not appearances:
        return claim
    ordered = _chronological(appearances)
    claim["appearance"] = [_article(a, i) for i, a in ordered]
    claim["firstAppearance"] = _article(ordered[0][1], ordered[0][0])
    if ordered[0][1].published_at is not None:
        claim["datePublished"] = _iso(ordered[0][1].published_at)
    return claim


def claim_review(rebuttal: Rebuttal) -> dict[str, Any]:
    """Return the rebuttal as a schema.org ClaimReview JSON-LD object."""
    _validate(rebuttal)
    value, label_vi, _ = VERDICTS[rebuttal.verdict]
    urls = [_url(u, f"published_urls[{i}]") for i, u in enumerate(rebuttal.published_urls)]
    review: dict[str, Any] = {"@context": "https://schema.org", "@type": "ClaimReview", "url": urls[0]}
    same_as = list(dict.fromkeys(u for u in urls[1:] if u != urls[0]))
    if same_as:
        review["sameAs"] = same_as
    review["datePublished"] = _iso(rebuttal.published_at)
    review["inLanguage"] = _nfc(rebuttal.lang)
    review["author"] = _organization(rebuttal.author, rebuttal.author_url)
    review["claimReviewed"] = _nfc(rebuttal.claim_summary)
    review["reviewRating"] = {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": _nfc(label_vi),
    }
    review["itemReviewed"] = _claim(rebuttal.appearances)
    if _nfc(rebuttal.facts):
        review["reviewBody"] = _nfc(rebuttal.facts)
    return review


def claim_review_json(rebuttal: Rebuttal) -> str:
    """Return the ClaimReview JSON-LD as text (UTF-8 characters kept, indented)."""
    return json.dumps(claim_review(rebuttal), ensure_ascii=False, indent=2)
