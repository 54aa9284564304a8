"""What a claim matcher sees of a text: sentences, and per sentence its words, shared concepts, places, numbers
and people (all on diacritic-folded text, so Chí Linh = Chi Linh = chi linh)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from nlp.normalise import fold

_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+(?=[\"“'(\[A-ZÀ-ỸĐ0-9])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# 1.200 / 1,200 / 1 200 (thousands), 12,5 / 12.5 (decimals), 1200
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,\u00a0 ]\d{3})+|\d+(?:[.,]\d+)?)(?![\d])")
_EN_STOP = frozenset("""a an the of in on at to for from by with and or but is are was were be been being it its this
that these those as into about over after before than then there their they them he she his her we our you your i not no
has have had do does did will would can could may might also which who whom what when where while said says say
according reportedly more most very so such just only up out new one two""".split())
_VI_STOP = frozenset("""va la cua co cho voi nhung cac mot nay do thi da dang se duoc bi tai trong tren duoi ve tu den
nhu khi neu ma vi de hay hoac cung con nua rat lai thi theo tai sau truoc ra vao len xuong""".split())
@dataclass(frozen=True)
class Segment:
    """One sentence (or the title) with what the matcher compares."""

    text: str
    words: tuple[str, ...]  # language-specific tokens (folded)
    concepts: frozenset[str] = field(default_factory=frozenset)  # C:… shared concepts, P:… places
    numbers: frozenset[str] = field(default_factory=frozenset)  # N:… normalised numbers

    @property
    def shared(self) -> tuple[str, ...]:
        """The tokens both languages have in common: concepts, places, numbers."""
        return tuple(sorted(self.concepts | self.numbers))


def sentences(text: str) -> list[str]:
    """Sentences of a text (line breaks end a sentence too); empty ones dropped."""
    text = unicodedata.normalize("NFC", text)
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(s.strip()) > 2]


def number_value(raw: str) -> str:
    """A number as written (1.200, 1,200, 12,5) as one canonical string (1200, 12.5)."""
    compact = raw.replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}(?:[., ]\d{3})+", compact):
        return re.sub(r"[., ]", "", compact).lstrip("0") or "0"
    value = compact.replace(",", ".")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


_UNITS = {"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5, "nhăm": 5, "sáu": 6,
          "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "mười": 10}
_UNITS.update({w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                          "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())})
_UNITS.update({w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())})
_TENS = frozenset({"mươi"})
_HUNDRED = frozenset({"trăm", "hundred"})
_SCALES = {"nghìn": 1000, "ngàn": 1000, "thousand": 1000, "triệu": 10**6, "million": 10**6, "tỷ": 10**9, "tỉ": 10**9,
           "billion": 10**9}
_FILLER = frozenset({"linh", "lẻ", "and"})
_NUMBER_WORDS = frozenset(_UNITS) | _TENS | _HUNDRED | frozenset(_SCALES) | _FILLER
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGITS_SCALED = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(nghìn|ngàn|thousand|triệu|million|tỷ|tỉ|billion)(?!\w)")


def _value(words: list[str]) -> int | None:
    """The value of a run of number words (ba mươi bảy = 37, hai trăm nghìn = 200000, twenty seven = 27);
    None for a lone word that is more often not a number (năm = five or year; one)."""
    if len(words) == 1 and (words[0] in ("năm", "one", "ba", "tư") or words[0] not in _UNITS):
        return None
    total = current = 0
    last_unit = False
    for word in words:
        if word in _UNITS:
            value = _UNITS[word]
            if last_unit and current % 10 == 0 and value < 10 and current >= 20:
                current += value  # twenty seven; ba mươi bảy
            elif last_unit and current and value < 10 and not current % 10 == 0:
                return None  # hai năm: two years, not 25
            else:
                current += value
            last_unit = True
        elif word in _TENS:
            current = (current or 1) * 10
            last_unit = True
        elif word in _HUNDRED:
            current = (current or 1) * 100
            last_unit = False
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current, last_unit = 0, False
    return total + current


def _word_numbers(text: str) -> set[str]:
    """Numbers written in words, Vietnamese (with diacritics) or English, and digits with a scale word."""
    lowered = unicodedata.normalize("NFC", text).lower().replace("-", " ")
    out = set()
    run: list[str] = []
    for word in [*_LETTERS.findall(lowered), ""]:
        if word in _NUMBER_WORDS:
            run.append(word)
            continue
        while run and run[-1] in _FILLER:
            run.pop()
        if run:
            value = _value(run)
            if value is not None:
                out.add(str(value))
        run = []
    for match in _DIGITS_SCALED.finditer(lowered):
        out.add(number_value(f"{float(match.group(1).replace(',', '.')) * _SCALES[match.group(2)]:.2f}"))
    return out


def numbers_of(text: str) -> frozenset[str]:
    """Every number in a text, canonical: digits (1.200, 1,200), scale words (2 nghìn, 1,5 triệu) and English
    number words (forty)."""
    found = {number_value(m.group(1)) for m in _NUMBER.finditer(text)} | _word_numbers(text)
    return frozenset(f"N:{n}" for n in found)


_SURNAMES = frozenset("""nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh mai trinh doan
lam luong ha cao ta trieu chu luu kieu to thai quach tang ton khuc van""".split())
_NOT_NAMES = frozenset("""river province district city industrial park street road bridge lake commune ward town
temple pagoda university hospital company plant""".split())
_FAMOUS = frozenset({"ho chi minh", "tran hung dao", "nguyen trai", "chu van an", "tran nhan tong", "mac dinh chi",
                     "pham su manh", "nguyen thi due", "tran quoc tuan", "vo nguyen giap", "le loi", "ly thai to"})


def persons_of(text: str) -> frozenset[str]:
    """Folded full names of people a text names: three or four capitalised words starting with a Vietnamese
    surname (Vũ Đình Khang, Vu Dinh Khang), the country's historic figures aside."""
    tokens = re.findall(r"[^\W\d_]+|[^\w\s]", unicodedata.normalize("NFC", text))
    out = set()
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word[:1].isupper() and fold(word) in _SURNAMES:
            run = [word]
            for nxt in tokens[i + 1:i + 4]:
                if not nxt[:1].isupper() or not nxt[:1].isalpha() or fold(nxt) in _NOT_NAMES:
                    break
                run.append(nxt)
            if len(run) >= 3 and " ".join(fold(w) for w in run) not in _FAMOUS:  # a full name; "Chu Đậu" is a place
                out.add(" ".join(fold(w) for w in run))
            i += len(run)
        else:
            i += 1
    return frozenset(out)


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def words_of(text: str, lang: str, compounds: Iterable[str] = ()) -> tuple[str, ...]:
    """Language-specific tokens: English stems without stop words; Vietnamese syllables and (given) compounds."""
    folded = fold(text)
    if lang == "en":
        return tuple(_stem(w) for w in _WORD.findall(folded) if w not in _EN_STOP and not w.isdigit())
    syllables = [w for w in _WORD.findall(folded) if w not in _VI_STOP and not w.isdigit()]
    joined = [fold(c).replace(" ", "_") for c in compounds if "_" in c or " " in c]
    return tuple(syllables + joined)
