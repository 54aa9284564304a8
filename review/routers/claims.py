"""Known claims in the workplace: a case's variant phrasings, and the articles the matcher found repeating its
claim, to confirm (they join the case and its ClaimReview appearances), reject (never suggested again) or detach."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import RedirectResponse

from review.auth import DbDep, Principal, require
from store import claims

router = APIRouter()
AnalystDep = Annotated[Principal, Depends(require("analyst"))]


@router.post("/rebuttals/{rebuttal_id}/variants")
def add_variant(rebuttal_id: int, db: DbDep, user: AnalystDep, text: Annotated[str, Form(max_length=2000)]) -> Any:
    try:
        claims.add_variant(db, rebuttal_id, text, user.username)
        db.commit()
    except claims.ClaimError as exc:
        raise HTTPException(404 if "no such case" in str(exc) else 400, str(exc)) from exc
    return RedirectResponse(f"/rebuttals/{rebuttal_id}#claim-matching", status_code=303)


@router.post("/claim-links/{link_id}/decide")
def decide(link_id: int, db: DbDep, user: AnalystDep, decision: Annotated[str, Form()]) -> Any:
    try:
        link = claims.decide_link(db, link_id, decision, user.username)
        case_id = link.case_id
        db.commit()
    except claims.ClaimError as exc:
        raise HTTPException(404 if "no such link" in str(exc) else 400, str(exc)) from exc
    return RedirectResponse(f"/rebuttals/{case_id}#claim-matching", status_code=303)


def case_context(db: Any, case_id: int) -> dict[str, Any]:
    """What the case page shows of its known claim: variants and links."""
    from sqlalchemy import select

    from store.models import ClaimVariant

    return {"variants": list(db.scalars(select(ClaimVariant).where(ClaimVariant.case_id == case_id)
                                        .order_by(ClaimVariant.id))),
            "claim_links": claims.links_of_case(db, case_id)}
