"""Relevance to the monitored region from a gazetteer: focus, mention or none, with the places found."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from nlp.normalise import fold, normalise_tone_marks
from nlp.tiers import Found, TierModel, context_terms, features

FOCUS = "focus"
MENTION = "mention"
NONE = "none"
_LEAD_CHARS = 400


@dataclass(frozen=True)
class GazetteerEntry:
    """One place, body or landmark of the region, with every spelling that names it."""

    id: str
    kind: str
    names: tuple[str, ...]
    weight: float = 1.0
    ambiguous: bool = False
    conflicts: tuple[str, ...] = ()
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    """Phrases in which a name is not the region (a common noun, a ship, a person)."""

    applies_to: frozenset[str]
    reason: str
    patterns: tuple[str, ...]


@dataclass
class Gazetteer:
    """Compiled gazetteer: one regex over the folded spellings of every entry."""

    entries: list[GazetteerEntry]
    exclusions: list[Exclusion]
    admin_words: tuple[str, ...]
    person_name_prefixes: frozenset[str]
    region_name: str = ""
    support_words: tuple[str, ...] = ()
    _by_spelling: dict[str, GazetteerEntry] = field(default_factory=dict, repr=False)
    _weights: dict[str, float] = field(default_factory=dict, repr=False)
    _marked_spellings: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    other_regions: tuple[str, ...] = ()
    _others: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gazetteer:
        """Build from the parsed gazetteer YAML (config/gazetteer.yaml)."""
        entries = [
            GazetteerEntry(
                id=str(e["id"]),
                kind=str(e.get("kind", "place")),
                names=tuple(str(n) for n in e["names"]),
                weight=float(e.get("weight", 1.0)),
                ambiguous=bool(e.get("ambiguous", False)),
                conflicts=tuple(str(c) for c in e.get("conflicts", ())),
                context=tuple(fold(str(c)) for c in e.get("context", ())),
            )
            for e in data.get("entries", [])
        ]
        exclusions = [
            Exclusion(frozenset(x["applies_to"]), str(x["reason"]), tuple(x["patterns"]))
            for x in data.get("exclusions", [])
        ]
        region = data.get("region", {}) or {}
        gaz = cls(
            entries=entries,
            exclusions=exclusions,
            admin_words=tuple(fold(w) for w in data.get("admin_words", [])),
            person_name_prefixes=frozenset(fold(w) for w in data.get("person_name_prefixes", [])),
            region_name=str(region.get("name", "")),
            support_words=tuple(_fold_name(w) for w in data.get("support_words", [])),
            other_regions=tuple(str(w) for w in data.get("other_regions", [])),
        )
        gaz._compile()
        return gaz

    def _compile(self) -> None:
        self._weights = {e.id: e.weight for e in self.entries}
        for entry in self.entries:
            for name in entry.names:
                self._by_spelling.setdefault(_fold_name(name), entry)
                self._marked_spellings.setdefault(_fold_name(name), set()).add(_as_written(name))
        spellings = sorted(self._by_spelling, key=len, reverse=True)
        alternation = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in spellings)
        self._pattern = re.compile(r"(?<![\w])(" + alternation + r")(?![\w])")
        own = set(self._by_spelling) | set(self.support_words)
        others = sorted({_fold_name(w) for w in self.other_regions} - own, key=len, reverse=True)
        if others:
            self._others = re.compile(r"(?<![\w])(" + "|".join(re.escape(o).replace(r"\ ", r"\s+") for o in others)
                                      + r")(?![\w])")

    def other_regions_in(self, full: str, folded: str) -> list[tuple[int, str]]:
        """Where the text names another province or city (capitalised as a name), and which."""
        if self._others is None:
            return []
        return [(m.start(1), re.sub(r"\s+", " ", m.group(1))) for m in self._others.finditer(folded)
                if full[m.start(1):m.start(1) + 1].isupper()]

    def entry_for(self, folded_match: str) -> GazetteerEntry:
        """The entry a folded matched spelling belongs to."""
        return self._by_spelling[re.sub(r"\s+", " ", folded_match)]

    def other_marks(self, folded_match: str, original: str) -> bool:
        """True when the text writes the name with diacritics that none of its spellings has.

        Names are matched on folded text so that unaccented writing is found ("Chi Linh"), but written
        with marks, "chị Linh" or "tự kỷ" are other words, not Chí Linh or Tứ Kỳ.
        """
        written = _as_written(original)
        spellings = self._marked_spellings.get(re.sub(r"\s+", " ", folded_match), set())
        if fold(written) == written or all(fold(s) == s for s in spellings):  # unaccented writing or spellings
            return False
        return written not in spellings


def _as_written(name: str) -> str:
    """A spelling compared as written: marks kept, one tone convention, lower case, single spaces."""
    return re.sub(r"\s+", " ", normalise_tone_marks(name).lower().replace("–", "-")).strip()


def _fold_name(name: str) -> str:
    return re.sub(r"\s+", " ", fold(name).replace("–", "-")).strip()


@dataclass(frozen=True)
class PlaceMatch:
    """One accepted occurrence of a gazetteer name."""

    entry_id: str
    name: str
    start: int
    in_title: bool


@dataclass(frozen=True)
class RelevanceResult:
    """Relevance tier, a score in [0, 1], the names found and why occurrences were dropped."""

    tier: str
    score: float
    places: list[str]
    matches: list[PlaceMatch]
    dropped: list[str]
    focus_probability: float | None = None  # from the learned tier model, when one decided

    @property
    def has_signal(self) -> bool:
        """True when any gazetteer name was seen at all, accepted or not."""
        return bool(self.matches or self.dropped)


def _word_before(folded: str, start: int) -> str:
    m = re.search(r"([\w.]+)\s*$", folded[:start])
    return m.group(1) if m else ""


def _two_words_before(folded: str, start: int) -> str:
    m = re.search(r"([\w.]+\s+[\w.]+)\s*$", folded[:start])
    return re.sub(r"\s+", " ", m.group(1)) if m else ""


def _original_word_before(text: str, start: int) -> tuple[str, int]:
    """The word right before `start` on the same line, and where it starts ("", -1 when none)."""
    m = re.search(r"(\w+)[ \t\u00a0]*$", text[:start])
    return (m.group(1), m.start(1)) if m else ("", -1)


def _starts_sentence(text: str, word_start: int) -> bool:
    """True when the word at `word_start` opens a sentence (its capital says nothing about a name)."""
    before = text[:max(0, word_start)].rstrip(" \t")
    return not before or before[-1] in ".!?:\n\"“'‘(-–"


def _lower_syllable(original: str, entry: GazetteerEntry, admin: set[str]) -> bool:
    """True when one of the last two syllables, which every spelling of the name capitalises, is written in
    lower case ("chí Linh"): in text that uses capitals, that is a common phrase, not the name. The proper
    part of a name is its last two syllables ("nhiệt điện Phả Lại" is the name written in running text)."""
    written = original.split()
    spellings = [n.split() for n in entry.names
                 if _fold_name(n) == _fold_name(original) and len(n.split()) == len(written)]
    if not spellings or not any(w[:1].isupper() for w in written):  # all lower case: the older rule decides
        return False
    return all(any(s[:1].isupper() and w[:1].islower() and fold(w) not in admin  # "<name> city" is the name
                   for s, w in zip(spelling[-2:], written[-2:], strict=False))
               for spelling in spellings)


def _excluded(gaz: Gazetteer, entry: GazetteerEntry, full: str, folded: str, start: int, end: int
              ) -> str | None:
    name = full[start:end]
    window_before = folded[max(0, start - 30):start]
    window_after = folded[end:end + 20]
    for exclusion in gaz.exclusions:
        if entry.id not in exclusion.applies_to:
            continue
        for pattern in exclusion.patterns:
            before, _, after = fold(pattern).partition("{name}")
            if before and not re.search(r"(?<!\w)" + re.escape(before.strip()) + r"\s+$", window_before):
                continue
            after_re = r"\s*\d" if after.strip() == "<num>" else r"\s+" + re.escape(after.strip()) + r"(?!\w)"
            if after and not re.match(after_re, window_after):
                continue
            if before or after:
                return f"'{name}': {exclusion.reason}"
    quotes = "'\"‘’“”«»"
    if entry.kind == "province" and start > 0 and full[start - 1] in quotes and full[end:end + 1] in quotes:
        return f"'{name}': tên riêng trong ngoặc kép / a quoted name (a title, a brand)"
    return None


_ADDRESS_TAIL = 70  # characters after a place name in which an address goes on to its province
_ADDRESS_WORDS = {"nay", "thuoc", "tinh", "huyen", "xa", "thi", "tran", "quan", "phuong", "tp", "thanh", "pho"}
_ADDRESS_BREAK = re.compile(r"[.;:!?\n]|\s(?:va|and|hoac|con|nhung)\s")


def _of_another_province(full: str, folded: str, start: int, end: int, others: list[tuple[int, str]],
                         gazetteer: Gazetteer) -> str | None:
    """A reason when the name is a place of another province by its address: "xã Ninh Giang, Ninh Hòa,
    Khánh Hòa", "Bình Giang (Thăng Bình, Quảng Nam)", "Bình Giang, Hòn Đất (Kiên Giang)".

    The address must go straight on from the name (a comma or a bracket, no sentence or list break) to
    another province, with no name of the region in between; a list of provinces ("Thanh Hà, Bắc Giang
    và Hưng Yên") is not an address because its first link is a province, not a district."""
    tail = folded[end:end + _ADDRESS_TAIL]
    if not re.match(r"\s*[,(]", tail):
        return None
    other = next(((at, name) for at, name in others if end < at <= end + _ADDRESS_TAIL), None)
    if other is None:
        return None
    between = folded[end:other[0]]
    if _ADDRESS_BREAK.search(between) or (gazetteer._pattern is not None and gazetteer._pattern.search(between)):
        return None
    if re.match(r"\s*,\s*$", between) and full[end:end + 1] == ",":  # "Chí Linh, Bắc Ninh": a list, not an address
        return None
    admin = gazetteer.admin_words
    if not all(w[:1].isupper() or fold(w) in admin or fold(w) in _ADDRESS_WORDS
               for w in re.findall(r"\w+", full[end:other[0]])):  # "Thanh Hà, nhãn lồng Hưng Yên": a list
        return None
    return f"'{full[start:end]}': địa danh của tỉnh khác / a place of another province ({other[1]})"


def assess(title: str, text: str, gazetteer: Gazetteer, tiers: TierModel | None = None) -> RelevanceResult:
    """Decide how central the region is to a piece (title and body, NFC)."""
    full = f"{title}\n{text}"
    folded = fold(full)
    title_end = len(title)
    assert gazetteer._pattern is not None
    has_upper = any(ch.isupper() for ch in full)
    admin = set(gazetteer.admin_words)

    candidates: list[tuple[GazetteerEntry, int, int]] = []
    for m in gazetteer._pattern.finditer(folded):
        candidates.append((gazetteer.entry_for(m.group(1)), m.start(1), m.end(1)))

    dropped: list[str] = []
    others: list[tuple[int, str]] | None = None  # other provinces named, found when first needed
    named_entities: set[str] = set()
    provisional: list[tuple[GazetteerEntry, int, int, bool]] = []
    for entry, start, end in candidates:
        original = full[start:end]
        if gazetteer.other_marks(folded[start:end], original):
            dropped.append(f"'{original}': từ khác, khác dấu / another word (other diacritics)")
            continue
        reason = _excluded(gazetteer, entry, full, folded, start, end)
        if reason is None and entry.kind != "province":
            if others is None:
                others = gazetteer.other_regions_in(full, folded)
            reason = _of_another_province(full, folded, start, end, others, gazetteer)
        prev_word = _word_before(folded, start)
        has_admin = prev_word in admin or _two_words_before(folded, start) in admin  # "thành phố", "thị xã"
        if reason is None:
            prev_original, prev_start = _original_word_before(full, start)
            if (prev_original[:1].isupper() and fold(prev_original) in gazetteer.person_name_prefixes
                    and (entry.kind == "province" or not _starts_sentence(full, prev_start))):
                reason = f"'{original}': tên người / a person's name ({prev_original} {original})"
        if reason is None and has_upper and not has_admin and _lower_syllable(original, entry, admin):
            reason = f"'{original}': viết thường, danh từ chung / not written as a proper name"
        if reason is None and has_upper and not any(ch.isupper() for ch in original) and not has_admin:
            reason = f"'{original}': viết thường, danh từ chung / lower case, a common noun"
        if reason:
            dropped.append(reason)
            if "danh từ chung" not in reason:
                named_entities.add(entry.id)
            continue
        provisional.append((entry, start, end, has_admin))

    # once a name is seen as a ship, firm or person, its other bare occurrences are the same thing
    kept = []
    for entry, start, end, has_admin in provisional:
        if entry.id in named_entities and not has_admin:
            dropped.append(f"'{full[start:end]}': cùng tên riêng đã nhận ra / the same named entity as above")
            continue
        kept.append((entry, start, end, has_admin))

    anchored = any(not e.ambiguous for e, *_ in kept)
    distinct = {e.id for e, *_ in kept}
    supported = anchored or len(distinct) >= 2 or any(w and w in folded for w in gazetteer.support_words)
    matches: list[PlaceMatch] = []
    for entry, start, end, has_admin in kept:
        if entry.ambiguous:
            near = folded[max(0, start - 40):end + 40]
            has_context = any(re.search(r"(?<!\w)" + re.escape(c) + r"(?!\w)", near) for c in entry.context)
            conflict = next((c for c in entry.conflicts if _fold_name(c) in folded), None)
            if conflict and not anchored:
                dropped.append(f"'{full[start:end]}': trùng tên địa danh khác / also a place in {conflict}")
                continue
            if not (has_admin or supported or has_context):
                dropped.append(f"'{full[start:end]}': tên dễ nhầm, thiếu ngữ cảnh / ambiguous, no context")
                continue
        matches.append(PlaceMatch(entry.id, full[start:end], start, start < title_end))

    result = _tier(matches, dropped, title_end, len(full), gazetteer)
    if tiers is not None and matches:  # the learned decision between focus and mention
        p = tiers.focus_probability(*tier_inputs(matches, full, title_end, gazetteer, folded, others))
        result = RelevanceResult(FOCUS if p >= tiers.threshold else MENTION, result.score, result.places,
                                 result.matches, result.dropped, round(p, 4))
    return result


def tier_inputs(matches: list[PlaceMatch], full: str, title_end: int, gazetteer: Gazetteer,
                folded: str | None = None, others: list[tuple[int, str]] | None = None,
                ) -> tuple[list[float], frozenset[str]]:
    """The tier model's features and context terms for the accepted matches of a piece (title + "\\n" +
    text, its fold, and where it names other provinces when assess has found them already)."""
    folded = fold(full) if folded is None else folded
    found = [Found(m.start, m.start + len(m.name), m.in_title, gazetteer._weights.get(m.entry_id, 0.5), m.entry_id)
             for m in matches]
    others = gazetteer.other_regions_in(full, folded) if others is None else others
    return features(found, full, folded, title_end, others), context_terms(found, folded)


def _tier(matches: list[PlaceMatch], dropped: list[str], title_end: int, length: int,
          gazetteer: Gazetteer) -> RelevanceResult:
    weights = gazetteer._weights
    in_title = any(m.in_title for m in matches)
    in_lead = [m for m in matches if title_end <= m.start < title_end + _LEAD_CHARS]
    body = [m for m in matches if not m.in_title]
    words = max(1, length // 6)
    density = 1000.0 * len(body) / words  # matches per 1,000 words
    raw = sum(weights.get(m.entry_id, 0.5) * (3.0 if m.in_title else 1.5 if m in in_lead else 1.0)
              for m in matches)
    score = round(1.0 - math.exp(-raw / 4.0), 4)
    if not matches:
        tier = NONE
    elif in_title or (in_lead and len(matches) >= 2) or len(body) >= 4 or density >= 20.0:
        tier = FOCUS
    else:
        tier = MENTION
    places: list[str] = []
    for m in matches:
        if m.name not in places:
            places.append(m.name)
    return RelevanceResult(tier=tier, score=score, places=places, matches=matches, dropped=dropped)
