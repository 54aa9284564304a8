"""The stored urgency key orders cases as urgency() would at any later moment."""

import random
from datetime import UTC, datetime, timedelta

from store.queue import urgency, urgency_key


def test_ordering_by_the_key_is_ordering_by_urgency_at_any_later_moment():
    rng = random.Random(5)
    opened = datetime(2026, 12, 1, tzinfo=UTC)
    cases = []
    for i in range(300):
        published = opened - timedelta(hours=rng.uniform(0, 24 * 60)) if i % 7 else None
        fetched = opened - timedelta(hours=rng.uniform(0, 5))
        risk = 0.0 if i % 50 == 0 else rng.random()
        cases.append((i, risk, published, fetched))
    by_key = sorted(cases, key=lambda c: (-urgency_key(c[1], c[2], c[3], opened), c[0]))
    for later in (opened, opened + timedelta(hours=3), opened + timedelta(days=40)):
        by_urgency = sorted(cases, key=lambda c: (-urgency(c[1], c[2], c[3], later), c[0]))
        positive = [c[0] for c in by_urgency if c[1] > 0]
        assert [c[0] for c in by_key if c[1] > 0] == positive  # zero risks tie at 0 and rank last either way
        assert {c[0] for c in by_key[len(positive):]} == {c[0] for c in cases if c[1] == 0}


def test_a_piece_dated_after_its_case_opened_counts_as_opened_then():
    opened = datetime(2026, 12, 1, tzinfo=UTC)
    future = opened + timedelta(days=3)
    assert urgency_key(0.5, future, opened, opened) == urgency_key(0.5, opened, opened, opened)
    assert urgency_key(0.5, future, opened, opened) > urgency_key(0.5, opened - timedelta(hours=1), opened, opened)
