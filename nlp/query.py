"""Search text and search queries, diacritic-insensitive: "kinh mon" finds "Kinh Môn", "KINH MÔN" and NFD
text alike, because both the index and the query see words folded the same way."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from nlp.normalise import fold

_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
MAX_PARTS = 20


class QueryError(ValueError):
    """A query search cannot run (the message is for a person)."""


def search_words(text: str) -> str:
    """Lower-case, diacritic-free words separated by single spaces: what the index stores."""
    return words_of_folded(fold(unicodedata.normalize("NFC", text)))


def words_of_folded(folded: str) -> str:
    """search_words() of a text already folded (nlp.normalise.fold)."""
    return _NON_WORD.sub(" ", folded).strip()


@dataclass(frozen=True)
class ParsedQuery:
    """Words that must appear, phrases (word lists) that must appear in order, words and phrases that must not."""

    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)  # each a word or a phrase

    @property
    def positive(self) -> list[str]:
        """Every word the results contain (for snippets and highlighting)."""
        return self.terms + [w for p in self.phrases for w in p]


def parse_query(text: str) -> ParsedQuery:
    """`sao do "kinh mon" -bien` → terms, phrases, exclusions; QueryError without a word to look for."""
    terms: list[str] = []
    phrases: list[list[str]] = []
    excluded: list[list[str]] = []
    for m in _TOKEN.finditer(unicodedata.normalize("NFC", text or "")):
        negative = bool(m.group(1) or m.group(3))
        words = search_words(m.group(2) if m.group(2) is not None else m.group(4)).split()
        if not words:
            continue
        if negative:
            excluded.append(words)
        elif m.group(2) is not None and len(words) > 1:
            phrases.append(words)
        else:
            terms.extend(words)  # an unquoted "Hải-Dương" is two words, both required
    if not terms and not phrases:
        raise QueryError("hãy nhập ít nhất một từ cần tìm / type at least one word to look for")
    if len(terms) + len(phrases) + len(excluded) > MAX_PARTS:
        raise QueryError(f"truy vấn quá dài (tối đa {MAX_PARTS} phần) / the query is too long (at most {MAX_PARTS} "
                         "parts)")
    return ParsedQuery(list(dict.fromkeys(terms)), phrases, excluded)


@dataclass(frozen=True)
class Hit:
    """[start, end) of a text where a searched word appears (kind "hit", for highlighting)."""

    start: int
    end: int
    kind: str = "hit"
    label: str = ""


def snippet(text: str, words: list[str], width: int = 240) -> tuple[str, list[Hit]]:
    """A window of `text` around the first searched word, and where the words are in it."""
    text = unicodedata.normalize("NFC", text)
    if not words:
        return text[:width], []
    folded = fold(text)  # same length as the text: positions carry over
    pattern = re.compile(r"(?<![^\W_])(" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
                         + r")(?![^\W_])")
    first = pattern.search(folded)
    start = max(0, (first.start() if first else 0) - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    hits = [Hit(m.start() - start, m.end() - start) for m in pattern.finditer(folded, start, end)]
    prefix = "… " if start else ""
    return prefix + text[start:end] + (" …" if end < len(text) else ""), [
        Hit(h.start + len(prefix), h.end + len(prefix)) for h in hits]
