"""The small pieces mail is made of: Vietnamese numbers, ISO weeks, one-line headers, checked addresses, subjects
that survive folding with every space."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

from digest.numbers import vn_change, vn_decimal, vn_int, vn_percent
from digest.period import PeriodError, between, iso_week, last_complete_week, parse_date
from digest.render import Rendered, one_line
from digest.send import MailError, build_message, checked_address, split_addresses

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_vietnamese_numbers():
    assert vn_int(1234) == "1.234" and vn_int(1234567) == "1.234.567" and vn_int(12) == "12"
    assert vn_decimal(1234.5) == "1.234,5" and vn_percent(1, 8) == "12,5 %" and vn_percent(1, 0) == "–"
    assert vn_change(15, 10) == "+50,0 %" and vn_change(7, 10) == "−30,0 %" and vn_change(3, 0) == "mới / new"
    assert vn_change(10, 10) == "0 %"


def test_iso_weeks_in_the_office_zone():
    week = iso_week("2026-W48", TZ)
    assert (week.first, week.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week.start == datetime(2026, 11, 22, 17, 0, tzinfo=UTC) and week.end == datetime(2026, 11, 29, 17, 0,
                                                                                             tzinfo=UTC)
    assert week.previous(TZ).label == "2026-W47" and iso_week("2027-W01", TZ).previous(TZ).label == "2026-W53"
    for bad in ("2026-48", "2026-W54", "W48", ""):
        with pytest.raises(PeriodError):
            iso_week(bad, TZ)
    assert last_complete_week(datetime(2026, 11, 29, 16, 59, tzinfo=UTC), TZ).label == "2026-W47"
    assert last_complete_week(datetime(2026, 11, 29, 17, 0, tzinfo=UTC), TZ).label == "2026-W48"
    month = between(parse_date("01/11/2026"), parse_date("2026-11-30"), TZ)
    assert month.days == 30 and month.previous(TZ).first == date(2026, 10, 2)
    with pytest.raises(PeriodError):
        between(date(2026, 11, 2), date(2026, 11, 1), TZ)
    with pytest.raises(PeriodError):
        parse_date("30.11.2026")


def test_one_line_and_addresses():
    assert one_line("a\r\nBcc: x@y.example\u2028b\x00c") == "a Bcc: x@y.example b c"
    assert len(one_line("x" * 500, 200)) == 200
    assert split_addresses(" a@x.example, b@y.example ,") == ["a@x.example", "b@y.example"]
    for bad in ("a@x.example\r\nBcc: z@y.example", "Tên <a@x.example>", "a@x.example; b@x.example", "no-at",
                "a@localhost"):
        with pytest.raises(MailError):
            checked_address(bad)


def test_subjects_keep_every_space_through_folding():
    words = "Cảnh báo tăng đột biến tin bị gắn cờ về Hải Dương Côn Sơn Kiếp Bạc lễ hội vải thiều Thanh Hà".split()
    rng = random.Random(7)
    for _ in range(200):
        subject = " ".join(rng.choice(words) for _ in range(rng.randint(3, 40)))
        msg = build_message(Rendered(subject, "<p>x</p>", "x"), "a@x.example", ["b@y.example"], "<m@hdmonitor>")
        parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
        assert parsed["Subject"] == subject
        headers = msg.as_bytes().split(b"\n\n", 1)[0].splitlines()
        assert all(len(line) <= 78 for line in headers) and headers[0].startswith(b"Subject: =?utf-8?")
