from datetime import UTC, datetime, timedelta

from pipeline.health import FAILING_AFTER, assess_health, next_interval

NOW = datetime(2026, 11, 26, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=30)


def test_interval_speeds_up_with_news_slows_down_when_quiet_and_backs_off_on_failure():
    assert next_interval(60, 60, new_items=5, failed=False, failures=0) == 45
    assert next_interval(60, 60, new_items=0, failed=False, failures=0) == 90
    assert next_interval(60, 240, new_items=0, failed=False, failures=0) == 240  # at most 4x the base
    assert next_interval(60, 60, new_items=0, failed=True, failures=3) == 480
    assert next_interval(60, 60, new_items=0, failed=True, failures=20) == 24 * 60


def test_states():
    ok = assess_health(True, NOW, NOW - timedelta(hours=5), 0, 10.0, WEEK_AGO, NOW)
    assert ok.state == "ok"
    assert assess_health(False, NOW, NOW, 0, 1.0, WEEK_AGO, NOW).state == "disabled"
    assert assess_health(True, None, None, 0, 0.0, WEEK_AGO, NOW).state == "never"
    failing = assess_health(True, NOW, NOW, FAILING_AFTER, 1.0, WEEK_AGO, NOW)
    assert failing.state == "failing" and "3" in failing.reason


def test_stale_is_relative_to_how_often_a_source_usually_publishes():
    busy = assess_health(True, NOW, NOW - timedelta(days=3), 0, 20.0, WEEK_AGO, NOW)
    assert busy.state == "stale"  # 20 a day, nothing for 3 days
    slow = assess_health(True, NOW, NOW - timedelta(days=3), 0, 0.2, WEEK_AGO, NOW)
    assert slow.state == "ok"  # one every five days: 3 quiet days are normal


def test_the_interval_never_drops_below_the_floor():
    # HDM_MIN_INTERVAL_MINUTES: 5 by default; benchmarks that compress time set it lower
    assert next_interval(60, 6, new_items=9, failed=False, failures=0) == 30  # half the base at most
    assert next_interval(4, 4, new_items=9, failed=False, failures=0) == 5
    assert next_interval(0.25, 0.25, new_items=9, failed=False, failures=0, floor=0.025) == 0.1875
    assert next_interval(0.25, 0.25, new_items=0, failed=True, failures=1, floor=0.025) == 0.5
