"""Text normalisation at the edge: NFC, one tone-mark convention, diacritic folding."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Tone placement in open syllables "oa", "oe", "uy": the press mostly writes hòa, khỏe, thủy (mark
# on the first vowel); the 1980s school rule writes hoà, khoẻ, thuỷ. Both arrive; we store the first.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook, dot below
_SECOND_VOWEL_TONE = re.compile(
    # not followed by a letter, nor by a second mark on the same vowel (hoặc keeps its tone: ặ is a + ̣ + ̆)
    r"(?<![qQ])([oO][aAeE]|[uU][yY])([" + _TONES + r"])(?![^\W\d_]|[\u0300-\u036f])"
)
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff\u200c\u200d\u2060]")


def nfc(text: str) -> str:
    """Return the text in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def _nfc_forms(bases: str) -> str:
    return "".join(unicodedata.normalize("NFC", b + t) for b in bases for t in _TONES)


# the same syllables as _SECOND_VOWEL_TONE, written in NFC: when text is NFC and has none, it is done
_SECOND_VOWEL_TONE_NFC = re.compile(
    r"(?<![qQ])([oO][" + _nfc_forms("aAeE") + r"]|[uU][" + _nfc_forms("yY") + r"])(?![^\W\d_])"
)


def normalise_tone_marks(text: str) -> str:
    """Write hoà, khoẻ, thuỷ as hòa, khỏe, thủy (tone on the first vowel of an open syllable); NFC."""
    if unicodedata.is_normalized("NFC", text) and not _SECOND_VOWEL_TONE_NFC.search(text):
        return text
    decomposed = unicodedata.normalize("NFD", text)

    def _move(match: re.Match[str]) -> str:
        pair, tone = match.group(1), match.group(2)
        return pair[0] + tone + pair[1]

    return unicodedata.normalize("NFC", _SECOND_VOWEL_TONE.sub(_move, decomposed))


def clean_text(text: str) -> str:
    """NFC, one tone convention, no control characters, single spaces, at most one blank line."""
    text = normalise_tone_marks(text.replace("\r\n", "\n").replace("\r", "\n"))
    # _SPACE never matches a line break: one pass over the whole text is the same as one per line
    text = _SPACE.sub(" ", _CONTROL.sub("", text))
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def fold_char(ch: str) -> str:
    """One character without diacritics, lower-cased; the result is always one character."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


_FOLD_TABLE_END = 0x3000  # Latin (Vietnamese included), Greek, Cyrillic, punctuation: a fixed-size table


class _FoldTable(dict[int, str]):
    """Code point → fold_char for str.translate; code points past the table are folded, not stored."""

    def __missing__(self, key: int) -> str:
        return fold_char(chr(key))


@cache
def _fold_table() -> _FoldTable:
    return _FoldTable({i: fold_char(chr(i)) for i in range(_FOLD_TABLE_END)})


def fold(text: str) -> str:
    """Lower-case, diacritic-free text of exactly the same length as its NFC input."""
    return text.translate(_fold_table())
