"""Source health: adaptive collection intervals, failure scoring and staleness."""

from __future__ import annotations

from store.health import FAILING_AFTER, HealthState, SourceHealth, assess_health, sources_health

MIN_INTERVAL = 5.0
MAX_INTERVAL = 24 * 60.0


def next_interval(base: float, current: float, new_items: int, failed: bool, failures: int,
                  floor: float = MIN_INTERVAL) -> float:
    """Minutes until the next visit: back off on failure, speed up when news flows, slow down when quiet.

    Never below `floor` (HDM_MIN_INTERVAL_MINUTES), nor above a day.
    """
    if failed:
        return max(floor, min(MAX_INTERVAL, base * 2 ** min(failures, 6)))
    if new_items > 0:
        return max(floor, base / 2, current * 0.75)
    return max(floor, min(base * 4, MAX_INTERVAL, current * 1.5))


__all__ = ["FAILING_AFTER", "HealthState", "SourceHealth", "assess_health", "next_interval", "sources_health"]
