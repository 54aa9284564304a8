"""The JSON API beside the pages (same login, same roles)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from review.auth import DbDep, Principal, require
from store import repo

router = APIRouter(prefix="/api")


@router.get("/flagged")
def api_flagged(db: DbDep, user: Annotated[Principal, Depends(require("viewer"))],
                status: str = "open") -> list[dict[str, Any]]:
    out = []
    for case in repo.flagged_cases(db, status if status != "all" else None):
        a, an = case.article, case.analysis
        out.append({
            "case_id": case.id, "status": case.status, "article_id": a.id, "title": a.title,
            "url": a.canonical_url, "source_id": a.source_id, "risk": an.risk,
            "relevance": an.relevance, "topic": an.topic, "sentiment": an.sentiment,
            "reasons": an.reasons, "opened_at": case.opened_at.isoformat(),
        })
    return out
