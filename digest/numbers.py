"""Numbers and times as a Vietnamese reader writes them: 1.234; 12,5 %; 25/10/2026 08:30."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def vn_int(value: int | float) -> str:
    """A whole number with a dot between thousands: 1.234.567."""
    return f"{round(value):,}".replace(",", ".")


def vn_decimal(value: float, places: int = 1) -> str:
    """A decimal with a comma and dotted thousands: 1.234,5."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vn_percent(part: float, whole: float, places: int = 1) -> str:
    """A share as a percentage, 12,5 % (an empty whole: "–")."""
    if not whole:
        return "–"
    return f"{vn_decimal(100.0 * part / whole, places)} %"


def vn_change(now: int, before: int) -> str:
    """The change against an earlier figure: +12,5 %, −3,0 %, "mới / new" from nothing, "0 %" when equal."""
    if before == 0:
        return "mới / new" if now else "0 %"
    change = 100.0 * (now - before) / before
    if abs(change) < 0.05:
        return "0 %"
    sign = "+" if change > 0 else "−"
    return f"{sign}{vn_decimal(abs(change))} %"


def vn_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A stored UTC instant as the office's local time."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M") if moment else ""


def vn_date(moment: datetime | None, tz: ZoneInfo) -> str:
    """A stored UTC instant as the office's local date."""
    return moment.astimezone(tz).strftime("%d/%m/%Y") if moment else ""
