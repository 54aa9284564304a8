"""Benchmarks: each prints JSON lines; nothing here is asserted in tests."""
