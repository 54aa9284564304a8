"""How well known claims are found: success@1 and @5 per language pair on appearances, the share of hard
negatives given any suggestion, and the precision of strong matches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.claims.match import ClaimIndex, ClaimMatch, KnownClaim
from nlp.claims.terms import TermList


class ClaimSetError(ValueError):
    """A claim set that cannot be read (the message names the file and line)."""


@dataclass(frozen=True)
class Piece:
    """An article of an evaluation set: the claim it repeats (None for a negative)."""

    id: str
    claim_id: str | None
    lang: str
    kind: str
    title: str
    text: str


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON Lines file as an object (a bad line is an error that names it)."""
    from nlp.corpus import CorpusError, jsonl_objects

    try:
        return [row for _, row in jsonl_objects(enumerate(path.read_text(encoding="utf-8").splitlines(), 1),
                                                str(path))]
    except CorpusError as exc:
        raise ClaimSetError(str(exc)) from exc


def claims_of(rows: list[dict[str, Any]], where: str = "claims") -> list[KnownClaim]:
    """Known claims from parsed lines {"id", "text", "lang", "variants"?}."""
    out = []
    for n, row in enumerate(rows, 1):
        if not row.get("id") or not str(row.get("text", "")).strip():
            raise ClaimSetError(f"{where}:{n}: a claim needs an id and a text")
        lang = str(row.get("lang") or "vi")
        if lang not in ("vi", "en"):
            raise ClaimSetError(f"{where}:{n}: lang must be vi or en, not {lang!r}")
        variants = row.get("variants") or []
        if not isinstance(variants, list):
            raise ClaimSetError(f"{where}:{n}: variants must be a list of strings")
        phrasings = tuple(str(v) for v in variants if str(v).strip())
        out.append(KnownClaim(str(row["id"]), str(row["text"]), lang, phrasings))
    return out


def load_set(directory: Path) -> tuple[list[KnownClaim], list[Piece]]:
    """claims.jsonl, appearances.jsonl and negatives.jsonl of one set."""
    claims = claims_of(read_jsonl(directory / "claims.jsonl"), str(directory / "claims.jsonl"))
    pieces = [Piece(str(r["id"]), str(r["claim_id"]), str(r["lang"]), str(r.get("kind", "")), str(r.get("title", "")),
                    str(r.get("text", ""))) for r in read_jsonl(directory / "appearances.jsonl")]
    pieces += [Piece(str(r["id"]), None, str(r["lang"]), str(r.get("kind", "negative")), str(r.get("title", "")),
                     str(r.get("text", ""))) for r in read_jsonl(directory / "negatives.jsonl")]
    return claims, pieces


def evaluate(index: ClaimIndex, pieces: list[Piece],
             matcher: Callable[[Piece], list[ClaimMatch]] | None = None) -> dict[str, Any]:
    """The figures of one set (and every piece's matches, for error analysis)."""
    lang_of = {c.id: c.lang for c in index.claims}
    pairs: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    kinds: dict[str, list[bool]] = defaultdict(list)
    negatives = suggested_negatives = strong_total = strong_right = 0
    details = []
    for piece in pieces:
        matches = matcher(piece) if matcher else index.match(piece.title, piece.text, piece.lang)
        ids = [m.claim_id for m in matches]
        strong_total += sum(m.level == "strong" for m in matches)
        strong_right += sum(m.level == "strong" and m.claim_id == piece.claim_id for m in matches)
        if piece.claim_id is None:
            negatives += 1
            suggested_negatives += bool(matches)
        else:
            pair = f"{lang_of.get(piece.claim_id, '?')}→{piece.lang}"
            pairs[pair].append((ids[:1] == [piece.claim_id], piece.claim_id in ids[:5]))
            kinds[piece.kind].append(piece.claim_id in ids[:5])
        details.append({"id": piece.id, "claim_id": piece.claim_id, "matches": [
            (m.claim_id, m.score, m.level) for m in matches]})

    def rates(rows: list[tuple[bool, bool]]) -> dict[str, Any]:
        return {"n": len(rows), "success@1": round(sum(a for a, _ in rows) / max(1, len(rows)), 4),
                "success@5": round(sum(b for _, b in rows) / max(1, len(rows)), 4)}

    same = [r for p, rows in pairs.items() for r in rows if p[0:2] == p[-2:]]
    cross = [r for p, rows in pairs.items() for r in rows if p[0:2] != p[-2:]]
    return {
        "pairs": {p: rates(rows) for p, rows in sorted(pairs.items())},
        "same_language": rates(same), "cross_language": rates(cross),
        "by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(kinds.items())},
        "negatives": negatives,
        "false_suggestion_rate": round(suggested_negatives / max(1, negatives), 4),
        "strong": strong_total, "strong_precision": round(strong_right / strong_total, 4) if strong_total else None,
        "details": details,
    }


def build_index(claims: list[KnownClaim], terms: TermList, tokenise: Callable[[str], list[str]] | None = None,
                suggest: float | None = None, strong: float | None = None) -> ClaimIndex:
    """A compiled index of these claims (thresholds: the defaults unless given)."""
    index = ClaimIndex(claims, terms, tokenise)
    index.suggest = index.suggest if suggest is None else suggest
    index.strong = index.strong if strong is None else strong
    return index.build()
