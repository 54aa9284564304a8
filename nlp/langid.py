"""Language identification: Vietnamese (with or without diacritics), English, or another script."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

_WORD = re.compile(r"[^\W\d_]+")
_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")
_VI_UNACCENTED = frozenset(
    "cua va nguoi khong duoc nhung trong cac mot la co cho voi tai da dang se nay khi tu den "
    "theo ve nhu nam ngay tinh huyen xa thanh pho dan nuoc viec cung rat bi ra lam".split()
)
_EN = frozenset(
    "the and of to is in that for on with as was were by it at from are this be has have an "
    "which said its their not or but after over into more than".split()
)
_SCRIPTS = (
    ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CYRILLIC", "ru"),
    ("THAI", "th"), ("KHMER", "km"), ("LAO", "lo"), ("ARABIC", "ar"),
)


@cache
def _marked_chars() -> frozenset[str]:
    """Every BMP character that is a Vietnamese letter or carries a combining mark (alone or decomposed)."""
    out = set(_VI_LETTERS)
    for code in range(0x80, 0x10000):
        ch = chr(code)
        if unicodedata.combining(ch) or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", ch)):
            out.add(ch)
    return frozenset(out)


def _has_vi_mark(word: str) -> bool:
    if word.isascii():
        return False
    if not _marked_chars().isdisjoint(word):
        return True
    # beyond the BMP: decompose (rare)
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", word) if ord(c) > 0xFFFF)


def has_diacritics(text: str, share: float = 0.15) -> bool:
    """True when Vietnamese text is written with its diacritics (not forum-style unaccented)."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    return bool(words) and sum(1 for w in words if _has_vi_mark(w)) / len(words) >= share


def _latin(ch: str) -> bool:
    return ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language: 'vi', 'en', another script's code, or 'und'."""
    sample = text[:4000]
    words = _WORD.findall(sample)
    if not words:
        return "und"
    letters = [w[0] for w in words[:400]]
    names = [unicodedata.name(ch, "") for ch in letters if not _latin(ch)]  # Latin letters name no script
    for marker, code in _SCRIPTS:
        hits = sum(1 for name in names if marker in name)
        if hits > len(letters) / 3:
            return code
    counts = Counter(w.lower() for w in words)  # news repeats its words: each distinct one is judged once
    marked = sum(n for w, n in counts.items() if _has_vi_mark(w))
    vi_plain = sum(counts[w] for w in _VI_UNACCENTED)
    en = sum(counts[w] for w in _EN)
    n = len(words)
    if marked / n > 0.15:
        return "vi"
    if en / n > 0.08 and en >= vi_plain:
        return "en"
    if vi_plain / n > 0.08:
        return "vi"
    if marked / n > 0.05:
        return "vi"
    return "en" if en else "und"
