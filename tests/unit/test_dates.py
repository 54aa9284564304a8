from datetime import UTC, datetime

from pipeline.dates import parse_iso, parse_vietnamese_datetime

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_vietnamese_formats_parse_to_utc():
    expected = datetime(2019, 10, 25, 1, 30, tzinfo=UTC)
    assert parse_vietnamese_datetime("Thứ hai, 25/10/2019 08:30 (GMT+7)", NOW) == expected
    assert parse_vietnamese_datetime("25/10/2019 - 08:30", NOW) == expected
    assert parse_vietnamese_datetime("08:30 25/10/2019", NOW) == expected


def test_gmt_plus_seven_is_east_of_utc_not_posix_reversed():
    parsed = parse_vietnamese_datetime("20/11/2026 07:00 GMT+7", NOW)
    assert parsed == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    assert parse_vietnamese_datetime("20/11/2026 07:00 GMT-5", NOW) == datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_relative_dates():
    assert parse_vietnamese_datetime("2 giờ trước", NOW) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert parse_vietnamese_datetime("15 phút trước", NOW) == datetime(2026, 11, 26, 2, 45, tzinfo=UTC)


def test_future_ancient_and_impossible_dates_are_rejected():
    assert parse_vietnamese_datetime("20/11/2099 08:00", NOW) is None
    assert parse_vietnamese_datetime("01/01/1980", NOW) is None
    assert parse_vietnamese_datetime("31/02/2020", NOW) is None
    assert parse_iso("2099-01-01T00:00:00Z", NOW) is None


def test_iso_without_zone_means_vietnam_time():
    assert parse_iso("2026-11-20T08:30:00", NOW) == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
