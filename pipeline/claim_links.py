"""Known-claim matching inside the analysis: each analysed article about the province is matched against the
open and published cases' claims (outside any transaction); the links are stored with the analysis."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from config.settings import Settings
from nlp.analyse import AnalysisResult, Document
from nlp.claims.match import ClaimIndex, ClaimMatch, KnownClaim
from store import claims as store_claims
from store.db import session_scope

logger = logging.getLogger(__name__)
_cache: dict[str, tuple[tuple[Any, ...], ClaimIndex | None]] = {}  # database URL → (signature, index)


class ClaimLinker:
    """The matcher of one database's known claims, rebuilt when a case's claim or a variant changes."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings, self.engine = settings, engine
        self.key = str(engine.url)

    def index(self) -> ClaimIndex | None:
        """The current claims compiled (None when there are none)."""
        closed = self.settings.claims_include_closed
        with session_scope(self.engine) as session:
            signature = store_claims.signature(session, closed)
            cached = _cache.get(self.key)
            if cached is not None and cached[0] == signature:
                return cached[1]
            rows = store_claims.known_claims(session, closed)
        index = None
        if rows:
            from pipeline.claims import claim_index

            index = claim_index(self.settings, [KnownClaim(f"case-{r.case_id}", r.text, r.lang, r.variants)
                                                for r in rows])
        _cache[self.key] = (signature, index)
        return index

    def matches(self, documents: dict[int, Document], results: dict[int, Any]) -> dict[int, list[ClaimMatch]]:
        """The claims each article about the province repeats (the others are not matched)."""
        index = self.index()
        if index is None:
            return {}
        out = {}
        for article_id, document in documents.items():
            result = results.get(article_id)
            if not isinstance(result, AnalysisResult) or result.relevance not in ("focus", "mention"):
                continue
            found = index.match(document.title, document.text, result.lang)
            if found:
                out[article_id] = found
        return out

    def method(self) -> str:
        """The matcher's version and thresholds, recorded on each link."""
        from pipeline.claims import index_version

        cached = _cache.get(self.key)
        return index_version(cached[1]) if cached and cached[1] is not None else "claims"


def store_links(session: Session, saved: list[int], found: dict[int, list[ClaimMatch]], method: str) -> int:
    """Record the links of the articles whose analysis this transaction stored; returns how many are new."""
    made = 0
    for article_id in saved:
        for match in found.get(article_id, []):
            case_id = int(match.claim_id.removeprefix("case-"))
            made += store_claims.record_link(session, case_id, article_id, match.level, match.score, match.sentence,
                                             method, features=list(match.features))
    return made
