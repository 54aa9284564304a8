"""Dedup keys: a normalised title per source, and a SimHash of the text for syndicated copies."""

from __future__ import annotations

import hashlib
import re

from nlp.normalise import fold

TITLE_WINDOW_DAYS = 7
STORY_WINDOW_DAYS = 14
STORY_MAX_DISTANCE = 6  # of 64 bits; syndicated copies with a changed line or two stay within it
_WORD = re.compile(r"\w+")


def title_key(title: str) -> str:
    """Hash of the folded, punctuation-free title: equal for the same headline however written."""
    words = _WORD.findall(fold(title))
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def simhash(text: str, shingle: int = 3) -> int:
    """64-bit SimHash over word 3-shingles of the folded text, as a signed integer (fits BIGINT)."""
    words = _WORD.findall(fold(text))
    grams = [" ".join(words[i:i + shingle]) for i in range(max(1, len(words) - shingle + 1))]
    weights = [0] * 64
    for gram in grams:
        value = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit SimHashes."""
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")
