"""Dedup keys: a normalised title per source, and a SimHash of the text (nlp.fingerprint) for syndicated copies."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from nlp.fingerprint import simhash
from nlp.normalise import fold

TITLE_WINDOW_DAYS = 7
STORY_WINDOW_DAYS = 14
STORY_MAX_DISTANCE = 6  # of 64 bits; syndicated copies with a changed line or two stay within it
_WORD = re.compile(r"\w+")
_MASK64 = (1 << 64) - 1
__all__ = ["STORY_MAX_DISTANCE", "STORY_WINDOW_DAYS", "TITLE_WINDOW_DAYS", "hamming", "hamming_many", "simhash",
           "title_key"]
_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def title_key(title: str) -> str:
    """Hash of the folded, punctuation-free title: equal for the same headline however written."""
    words = _WORD.findall(fold(title))
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit SimHashes."""
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def _popcount64_table(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64, by a byte table (numpy without bitwise_count)."""
    as_bytes = np.ascontiguousarray(values, dtype=np.uint64).view(np.uint8).reshape(*values.shape, 8)
    return _BYTE_POPCOUNT[as_bytes].sum(axis=-1, dtype=np.int64)


def _popcount64(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 as int64 (np.bitwise_count on numpy >= 2.0)."""
    bitwise_count = getattr(np, "bitwise_count", None)
    if bitwise_count is None:
        return _popcount64_table(values)
    return np.asarray(bitwise_count(values), dtype=np.int64)


def hamming_many(value: int, keys: np.ndarray) -> np.ndarray:
    """Hamming distances (int64) between one 64-bit SimHash and an array of them (int64 as stored, or uint64)."""
    keys = np.asarray(keys)
    if keys.dtype != np.uint64:
        keys = keys.astype(np.int64, copy=False).view(np.uint64)
    return _popcount64(np.bitwise_xor(keys, np.uint64(value & _MASK64)))
