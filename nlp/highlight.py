"""Where a text names a place of the region and where it uses a risk phrase: spans for highlighting."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.normalise import fold
from nlp.relevance import Gazetteer, assess
from nlp.risk import RiskRules


@dataclass(frozen=True)
class Span:
    """[start, end) of the text; kind is "place" or "risk"; label says which place or which rule."""

    start: int
    end: int
    kind: str
    label: str


def spans(text: str, gazetteer: Gazetteer, rules: RiskRules) -> list[Span]:
    """Accepted gazetteer names and risk phrases in `text` (NFC), in order, never overlapping."""
    folded = fold(text)  # same length as the text: positions carry over
    found: list[Span] = []
    accepted = {m.start - 1 for m in assess("", text, gazetteer).matches}  # assess() reads "" + "\n" + text
    pattern = gazetteer._pattern
    if pattern is not None:
        for m in pattern.finditer(folded):
            if m.start(1) in accepted:
                found.append(Span(m.start(1), m.end(1), "place", gazetteer.entry_for(m.group(1)).id))
    for category in rules.categories:
        for m in category.pattern.finditer(folded):
            found.append(Span(m.start(1), m.end(1), "risk", category.reason))
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for span in found:
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out
