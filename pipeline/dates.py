"""Publication dates as Vietnamese pages write them, parsed to timezone-aware UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from crawlers.sitemaps import iso_datetime

VIETNAM = timezone(timedelta(hours=7), "ICT")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=2)

_DMY = re.compile(
    r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
    r"(?:\D{0,6}?(?P<H>\d{1,2})[:hg](?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_HM_FIRST = re.compile(
    r"(?P<H>\d{1,2})[:h](?P<M>\d{2})\s*(?:,|-)?\s*(?:ngày\s*)?(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
)
_OFFSET = re.compile(r"(?:GMT|UTC)\s*(?P<sign>[+\-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.IGNORECASE)
_RELATIVE = re.compile(r"(?P<n>\d+)\s*(?P<unit>phút|giờ|tiếng|ngày|tuần)\s*trước", re.IGNORECASE)
_UNITS = {"phút": "minutes", "giờ": "hours", "tiếng": "hours", "ngày": "days", "tuần": "weeks"}


def plausible(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """The value if it is neither before 1990 nor in the future, else None."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    if value < EARLIEST or value > now + FUTURE_SLACK:
        return None
    return value


def _zone(text: str) -> timezone:
    m = _OFFSET.search(text)
    if not m:
        return VIETNAM
    sign = -1 if m.group("sign") in "-−" else 1  # "GMT+7" is UTC+07:00, not the POSIX reading
    return timezone(sign * timedelta(hours=int(m.group("h")), minutes=int(m.group("m") or 0)))


def parse_vietnamese_datetime(text: str, now: datetime | None = None) -> datetime | None:
    """'Thứ hai, 25/10/2019 08:30 (GMT+7)', '25/10/2019 - 08:30', '2 giờ trước' → UTC, or None."""
    if not text:
        return None
    now = now or datetime.now(UTC)
    relative = _RELATIVE.search(text)
    if relative and not _DMY.search(text):
        unit = _UNITS[relative.group("unit").lower()]
        return plausible(now - timedelta(**{unit: int(relative.group("n"))}), now)
    m = _HM_FIRST.search(text) or _DMY.search(text)
    if not m:
        return None
    try:
        local = datetime(
            int(m.group("y")), int(m.group("m")), int(m.group("d")),
            int(m.group("H") or 0), int(m.group("M") or 0), int(m.groupdict().get("S") or 0),
            tzinfo=_zone(text),
        )
    except ValueError:
        return None
    return plausible(local.astimezone(UTC), now)


def parse_iso(text: str | None, now: datetime | None = None) -> datetime | None:
    """An ISO 8601 timestamp (a missing zone means Vietnam time) → UTC, or None."""
    return plausible(iso_datetime(text, VIETNAM), now)
