"""The bilingual term list: concepts spelled in Vietnamese and English (config/claim_terms.yaml), the gazetteer's
places and the taxonomy's labels, found in diacritic-folded text as language-free tokens (C:…, P:…)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from nlp.langid import has_diacritics
from nlp.normalise import fold

_GENERIC_PLACES = frozenset({"province", "region"})  # naming the province says nothing about which story
_GROUP_KINDS = frozenset({"landmark", "institution"})  # an entry listing several places: each name its own token
_PREFIXES = ("khu cong nghiep ", "kcn ", "cum cong nghiep ", "den ", "chua ", "dong ", "song ", "van mieu ")


def _folded(term: str) -> str:
    return re.sub(r"\s+", " ", fold(term).replace("–", "-")).strip()


@dataclass
class TermList:
    """Spelling → token: places and Vietnamese phrases folded, one-syllable Vietnamese words with their marks,
    English words as written; each kind compiled into one longest-first regex."""

    spellings: dict[str, str] = field(default_factory=dict)
    generic: frozenset[str] = frozenset()  # place tokens that name the whole region
    # one-syllable Vietnamese words, matched with their marks: folded, "đê" (dike) would be "để" (to) and "lũ"
    # (flood) any "lu"; in a text written without marks they are matched folded
    exact: dict[str, str] = field(default_factory=dict)
    english_spellings: dict[str, str] = field(default_factory=dict)  # also with English endings (-s, -ed, -ing)
    _english_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _exact_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _exact_folded: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, token: str, spelling: str, english: bool = False, vietnamese: bool = False) -> None:
        """One more spelling of a token (the first owner of a spelling keeps it)."""
        key = _folded(spelling)
        if len(key) < 2:
            return
        lowered = " ".join(unicodedata.normalize("NFC", spelling).lower().split())
        if vietnamese and " " not in lowered and lowered != key:
            self.exact.setdefault(lowered, token)
            self._exact_pattern = None
            return
        if english:  # matched on the text as written (lower case): folded, "ban" would be every "bán" (sell)
            self.english_spellings.setdefault(key, token)
            self._english_pattern = None
            return
        self.spellings.setdefault(key, token)
        self._pattern = None

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            parts = []
            for spelling in sorted(self.spellings, key=len, reverse=True):
                parts.append(re.escape(spelling).replace(r"\ ", r"\s+"))
            self._pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")
        return self._pattern

    def _english_tokens(self, text: str) -> set[str]:
        if not self.english_spellings:
            return set()
        if self._english_pattern is None:
            parts = [re.escape(w).replace(r"\ ", r"\s+") + r"(?:s|es|ed|d|ing)?"
                     for w in sorted(self.english_spellings, key=len, reverse=True)]
            self._english_pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
        out = set()
        for match in self._english_pattern.finditer(unicodedata.normalize("NFC", text).lower()):
            spelled = re.sub(r"\s+", " ", match.group(0))
            token = self.english_spellings.get(spelled)
            if token is None:  # an English ending was matched: find the stem spelling
                for end in ("ing", "es", "ed", "s", "d"):
                    if spelled.endswith(end) and spelled[: -len(end)] in self.english_spellings:
                        token = self.english_spellings[spelled[: -len(end)]]
                        break
            if token is not None:
                out.add(token)
        return out

    def _exact_tokens(self, text: str) -> set[str]:
        if not self.exact:
            return set()
        if self._exact_pattern is None:
            words = "|".join(re.escape(w) for w in sorted(self.exact, key=len, reverse=True))
            self._exact_pattern = re.compile(r"(?<!\w)(" + words + r")(?!\w)")
        lowered = unicodedata.normalize("NFC", text).lower()
        if not has_diacritics(text):  # written without marks: the folded forms are all there is
            if len(self._exact_folded) != len(self.exact):
                self._exact_folded = {fold(w): t for w, t in self.exact.items()}
            return {self._exact_folded[w] for w in re.findall(r"\w+", fold(text)) if w in self._exact_folded}
        return {self.exact[m.group(1)] for m in self._exact_pattern.finditer(lowered)}

    def tokens(self, text: str) -> frozenset[str]:
        """The concept and place tokens a text names."""
        folded = fold(text)
        out = self._exact_tokens(text) | self._english_tokens(text)
        for match in self._compiled().finditer(folded):
            token = self.spellings.get(re.sub(r"\s+", " ", match.group(0)))
            if token is not None:
                out.add(token)
        return frozenset(out)

    def specific_places(self, tokens: frozenset[str]) -> frozenset[str]:
        """The place tokens that say which place (not the region's own name)."""
        return frozenset(t for t in tokens if t.startswith("P:") and t not in self.generic)


def _core(name: str) -> str:
    """A place's name without the kind word before it (KCN Đại An → dai an)."""
    folded = _folded(name)
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def build_terms(concepts: dict[str, Any], gazetteer: dict[str, Any] | None = None,
                taxonomy: dict[str, Any] | None = None) -> TermList:
    """The term list from the parsed YAML files (claim_terms, gazetteer, taxonomy)."""
    terms = TermList()
    generic = set()
    for entry in (gazetteer or {}).get("entries", []):
        token = f"P:{entry['id']}"
        if str(entry.get("kind", "")) in _GENERIC_PLACES:
            generic.add(token)
        names = [str(n) for n in entry.get("names", [])]
        grouped = str(entry.get("kind", "")) in _GROUP_KINDS and len(names) > 4  # a list of different places
        for name in names:
            core = _core(name)
            terms.add(f"{token}:{core}" if grouped else token, name)
            if _folded(name).startswith(("kcn ", "khu cong nghiep ")):  # how the English press names them
                for english in (f"{core} industrial park", f"{core} industrial zone", f"{core} IP"):
                    terms.add(f"{token}:{core}" if grouped else token, english)
    region = (gazetteer or {}).get("region") or {}
    for region_name in (region.get("name"), region.get("name_en")):
        if region_name:
            terms.add("P:region", str(region_name))
            generic.add("P:region")
    for concept, spellings in ((concepts or {}).get("concepts") or {}).items():
        for spelling in spellings.get("vi", []):
            terms.add(f"C:{concept}", str(spelling), vietnamese=True)
        for spelling in spellings.get("en", []):
            terms.add(f"C:{concept}", str(spelling), english=True)
    for code, labels in ((taxonomy or {}).get("topics") or {}).items():
        if code == "other":
            continue
        for lang in ("vi", "en"):
            if labels.get(lang):
                terms.add(f"C:topic-{code}", str(labels[lang]), english=lang == "en")
    terms.generic = frozenset(generic)
    return terms
