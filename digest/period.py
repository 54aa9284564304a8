"""The periods a digest or report covers: ISO weeks and date ranges, local to the office, stored as UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodError(ValueError):
    """A week or date a person typed that is not one (the message says what is expected)."""


@dataclass(frozen=True)
class Period:
    """From the first local day's midnight to the midnight after the last day, as UTC instants."""

    first: date  # local dates, both included
    last: date
    start: datetime  # UTC
    end: datetime  # UTC, excluded
    label: str  # 2026-W48, or 01/11/2026 – 30/11/2026

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1

    def previous(self, tz: ZoneInfo) -> Period:
        """The period of the same length just before this one (a week's: the week before)."""
        if WEEK.match(self.label):
            year, week, _ = (self.first - timedelta(days=7)).isocalendar()
            return iso_week(f"{year}-W{week:02d}", tz)
        return between(self.first - timedelta(days=self.days), self.first - timedelta(days=1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def between(first: date, last: date, tz: ZoneInfo, label: str | None = None) -> Period:
    """The local days from `first` to `last`, both included."""
    if last < first:
        raise PeriodError(f"ngày kết thúc trước ngày bắt đầu / the end {last} is before the start {first}")
    return Period(first, last, _midnight(first, tz), _midnight(last + timedelta(days=1), tz),
                  label or f"{first:%d/%m/%Y} – {last:%d/%m/%Y}")


def iso_week(text: str, tz: ZoneInfo) -> Period:
    """An ISO week written YYYY-Www (Monday to Sunday, local time)."""
    match = WEEK.match(text.strip())
    if not match:
        raise PeriodError(f"tuần phải viết YYYY-Www, ví dụ 2026-W48 / a week is written YYYY-Www: {text!r}")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise PeriodError(f"không có tuần này / no such week: {text}") from exc
    return between(monday, monday + timedelta(days=6), tz, f"{match[1]}-W{int(match[2]):02d}")


def week_of(day: date, tz: ZoneInfo) -> Period:
    """The ISO week a local day falls in."""
    year, week, _ = day.isocalendar()
    return iso_week(f"{year}-W{week:02d}", tz)


def last_complete_week(now: datetime, tz: ZoneInfo) -> Period:
    """The latest week that has ended, in the office's time (on a Monday: the week that ended last night)."""
    return week_of(now.astimezone(tz).date() - timedelta(days=7), tz)


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD or DD/MM/YYYY."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise PeriodError(f"ngày phải viết YYYY-MM-DD hoặc DD/MM/YYYY / a date is YYYY-MM-DD or DD/MM/YYYY: {text!r}")
