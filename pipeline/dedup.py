"""Dedup keys: a normalised title per source, and a SimHash of the text for syndicated copies."""

from __future__ import annotations

import hashlib
import re
from itertools import accumulate

import numpy as np

from nlp.normalise import fold

TITLE_WINDOW_DAYS = 7
STORY_WINDOW_DAYS = 14
STORY_MAX_DISTANCE = 6  # of 64 bits; syndicated copies with a changed line or two stay within it
_WORD = re.compile(r"\w+")
_MASK64 = (1 << 64) - 1
_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def title_key(title: str) -> str:
    """Hash of the folded, punctuation-free title: equal for the same headline however written."""
    words = _WORD.findall(fold(title))
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _shingle_digests(folded: str, shingle: int) -> tuple[bytes, int]:
    """Concatenated 8-byte blake2b digests of the word shingles of the folded text, and their count."""
    words = _WORD.findall(folded)
    joined = " ".join(words)
    data = joined.encode("utf-8")
    blake2b = hashlib.blake2b
    if len(words) <= shingle:  # one shingle: all the words ("" for none)
        return blake2b(data, digest_size=8).digest(), 1
    # Shingle i is the bytes of words i..i+shingle-1 with their single spaces: a slice of the joined bytes.
    # ends[k] is the offset just past the space after word k (ASCII: 1 byte per character).
    if len(data) == len(joined):
        ends = list(accumulate([len(w) + 1 for w in words]))
    else:
        ends = list(accumulate([len(w.encode("utf-8")) + 1 for w in words]))
    digests = [blake2b(data[start:end - 1], digest_size=8).digest()
               for start, end in zip([0, *ends[:-shingle]], ends[shingle - 1:], strict=True)]
    return b"".join(digests), len(digests)


def simhash(text: str, shingle: int = 3, folded: str | None = None) -> int:
    """64-bit SimHash over word 3-shingles of the folded text, as a signed integer (fits BIGINT).

    `folded` is fold(text) when the caller has it already.
    """
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1, not {shingle}")
    data, count = _shingle_digests(fold(text) if folded is None else folded, shingle)
    # Each digest is a big-endian 64-bit value: unpacking its bytes MSB first puts bit 63 in column 0.
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8).reshape(count, 8), axis=1)
    ones = bits.sum(axis=0, dtype=np.int64)
    # A bit is set where ones outweigh zeros (ones - zeros > 0); packing MSB first restores the bit order.
    return int.from_bytes(np.packbits(2 * ones > count).tobytes(), "big", signed=True)


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
