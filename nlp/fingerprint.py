"""SimHash fingerprints of texts, computed with numpy: no Python loop per word or per shingle.

The words are the search's (nlp.query.words_of_folded: folded, split at anything but a letter or digit),
so ingest computes them once for both. Each word 3-shingle is hashed as a slice of the words' bytes: a
polynomial hash modulo 2^64 read off prefix sums, then splitmix64's finaliser so that every bit depends on
every byte. A SimHash bit is set where more shingle hashes have it set than not. `reference_simhash` is
the same definition one shingle, one byte and one bit at a time, for the tests.
"""

from __future__ import annotations

import numpy as np

from nlp.normalise import fold
from nlp.query import words_of_folded

_MASK64 = (1 << 64) - 1
_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2^64
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_SPACE = ord(" ")
_U64 = np.uint64


def _powers(base: int, n: int) -> np.ndarray:
    """base^0 .. base^(n-1) modulo 2^64."""
    out = np.full(n, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)  # unsigned products wrap modulo 2^64


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on each value."""
    values = values ^ (values >> _U64(30))
    values = values * _U64(_MIX1)
    values = values ^ (values >> _U64(27))
    values = values * _U64(_MIX2)
    return values ^ (values >> _U64(31))


def shingle_hashes(words: str, shingle: int = 3) -> np.ndarray:
    """uint64 hashes of the word shingles of words_of_folded() output (one shingle of all if fewer words)."""
    data = np.frombuffer(words.encode("utf-8"), dtype=np.uint8)
    size = len(data)
    # words are never empty and hold no space byte (UTF-8 continuation bytes are >= 0x80)
    spaces = np.flatnonzero(data == _SPACE)
    count = len(spaces) + 1 if size else 0
    if count <= shingle:
        starts, ends = np.array([0]), np.array([size])
    else:
        starts = np.concatenate(([0], spaces[:count - shingle] + 1))
        ends = np.concatenate((spaces[shingle - 1:], [size]))
    # prefix[k] = sum over j < k of (byte_j + 1) * inverse^j; a slice's hash is its difference times base^(end-1)
    weighted = (data.astype(np.uint64) + _U64(1)) * _powers(_BASE_INVERSE, max(size, 1))[:size]
    prefix = np.concatenate(([_U64(0)], np.cumsum(weighted, dtype=np.uint64)))
    lifted = _powers(_BASE, size + 1)[np.maximum(ends - 1, 0)]
    return _mix((prefix[ends] - prefix[starts]) * lifted)


def simhash(text: str, shingle: int = 3, words: str | None = None) -> int:
    """64-bit SimHash over word 3-shingles of the folded text, as a signed integer (fits BIGINT).

    `words` is words_of_folded(fold(text)) when the caller has it already.
    """
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1, not {shingle}")
    hashes = shingle_hashes(words_of_folded(fold(text)) if words is None else words, shingle)
    # big-endian bytes: unpacking each MSB first puts bit 63 in column 0
    bits = np.unpackbits(hashes.astype(">u8").view(np.uint8).reshape(len(hashes), 8), axis=1)
    ones = bits.sum(axis=0, dtype=np.int64)
    return int.from_bytes(np.packbits(2 * ones > len(hashes)).tobytes(), "big", signed=True)


def reference_simhash(text: str, shingle: int = 3) -> int:
    """The same SimHash one shingle, one byte and one bit at a time in plain Python (slow; for tests)."""
    words = words_of_folded(fold(text)).split()
    grams = [" ".join(words[i:i + shingle]) for i in range(max(1, len(words) - shingle + 1))]
    weights = [0] * 64
    for gram in grams:
        value = 0
        for byte in gram.encode("utf-8"):
            value = (value * _BASE + byte + 1) & _MASK64
        value ^= value >> 30
        value = (value * _MIX1) & _MASK64
        value ^= value >> 27
        value = (value * _MIX2) & _MASK64
        value ^= value >> 31
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned
