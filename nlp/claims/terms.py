"""The bilingual term list: concepts spelled in Vietnamese and English (config/claim_terms.yaml), the gazetteer's
places and the taxonomy's labels, found in diacritic-folded text as language-free tokens (C:…, P:…)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nlp.normalise import fold

_GENERIC_PLACES = frozenset({"province", "region"})  # naming the province says nothing about which story
_GROUP_KINDS = frozenset({"landmark", "institution"})  # an entry listing several places: each name its own token
_PREFIXES = ("khu cong nghiep ", "kcn ", "cum cong nghiep ", "den ", "chua ", "dong ", "song ", "van mieu ")


def _folded(term: str) -> str:
    return re.sub(r"\s+", " ", fold(term).replace("–", "-")).strip()


@dataclass
class TermList:
    """Spelling (folded) → token, compiled into one longest-first regex."""

    spellings: dict[str, str] = field(default_factory=dict)
    english: set[str] = field(default_factory=set)  # spellings that also take English endings
    generic: frozenset[str] = frozenset()  # place tokens that name the whole region
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def add(self, token: str, spelling: str, english: bool = False) -> None:
        """One more spelling of a token (the first owner of a spelling keeps it)."""
        key = _folded(spelling)
        if len(key) < 2:
            return
        self.spellings.setdefault(key, token)
        if english:
            self.english.add(key)
        self._pattern = None

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            parts = []
            for spelling in sorted(self.spellings, key=len, reverse=True):
                body = re.escape(spelling).replace(r"\ ", r"\s+")
                parts.append(body + (r"(?:s|es|ed|d|ing)?" if spelling in self.english else ""))
            self._pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")
        return self._pattern

    def tokens(self, text: str) -> frozenset[str]:
        """The concept and place tokens a text names."""
        folded = fold(text)
        out = set()
        for match in self._compiled().finditer(folded):
            spelled = re.sub(r"\s+", " ", match.group(0))
            token = self.spellings.get(spelled)
            if token is None:  # an English ending was matched: find the stem spelling
                for end in ("ing", "es", "ed", "s", "d"):
                    if spelled.endswith(end) and spelled[: -len(end)] in self.spellings:
                        token = self.spellings[spelled[: -len(end)]]
                        break
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
            terms.add(f"C:{concept}", str(spelling))
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
