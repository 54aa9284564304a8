"""One article: its text with places and risk phrases marked, the assessment and its reasons, the
evidence kept over time, and the analyst's decisions (confirm, dismiss, correct a label)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from nlp.highlight import spans
from review.auth import DbDep, Principal, require, safe_next
from review.templating import highlighted, render
from store import cases, claims, decisions, evidence, repo, stories
from store.models import CORRECTABLE, Article, RebuttalCase, ReviewCase

router = APIRouter()
AnalystDep = Annotated[Principal, Depends(require("analyst"))]
DONE = {"confirmed": "Đã xác nhận xuyên tạc / confirmed as distorted", "dismissed": "Đã bỏ qua / dismissed",
        "open": "Đã mở lại / reopened", "label": "Đã sửa nhãn / label corrected"}


def _choices(request: Request) -> dict[str, list[str]]:
    taxonomy = request.app.state.taxonomy
    return {"relevance": list(taxonomy.get("relevance") or ["focus", "mention", "none"]),
            "topic": list(taxonomy.get("topics") or []), "sentiment": list(taxonomy.get("sentiments") or [])}


@router.get("/articles/{article_id}")
def article(request: Request, article_id: int, db: DbDep, user: Annotated[Principal, Depends(require("viewer"))],
            done: str = "") -> Any:
    row = db.get(Article, article_id, options=[selectinload(Article.analyses), selectinload(Article.source)])
    if row is None:
        raise HTTPException(404, "Không tìm thấy bài / article not found")
    case = db.scalar(select(ReviewCase).where(ReviewCase.article_id == article_id))
    gazetteer, rules = request.app.state.gazetteer, request.app.state.rules
    paragraphs = [highlighted(p, spans(p, gazetteer, rules)) for p in row.text.split("\n") if p.strip()]
    return render(request, "article.html", {
        "article": row, "analysis": repo.latest_analysis(row), "case": case, "paragraphs": paragraphs,
        "title_html": highlighted(row.title, spans(row.title, gazetteer, rules)),
        "checks": evidence.check_history(db, article_id), "corrections": decisions.corrections(db, article_id),
        "choices": _choices(request), "reasons": decisions.DISMISS_REASONS, "flash": DONE.get(done),
        "timeline": stories.timeline(db, row), "suggestions": stories.suggestions(db, row),
        "rebuttals": cases.cases_of_article(db, article_id),
        "claim_links": [(link, db.get(RebuttalCase, link.case_id)) for link in claims.links_of_article(db, article_id)],
        "open_rebuttals": [c for c in cases.list_cases(db) if not c.locked],
    })


@router.post("/cases/{case_id}/decide")
def decide(request: Request, case_id: int, db: DbDep, user: AnalystDep, decision: Annotated[str, Form()],
           version: Annotated[int, Form()], reason: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
           back: Annotated[str, Form()] = "") -> Any:
    try:
        outcome = decisions.decide(db, case_id, decision, user.username, version, reason or None, note or None)
    except decisions.DecisionError as exc:
        db.rollback()
        raise HTTPException(409 if isinstance(exc, decisions.Conflict) else 400, str(exc)) from exc
    case = db.get(ReviewCase, case_id)
    db.commit()
    target = safe_next(back) if back else f"/articles/{case.article_id if case else ''}"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}done={outcome.after}", status_code=303)


@router.post("/articles/{article_id}/labels")
def correct(request: Request, article_id: int, db: DbDep, user: AnalystDep, field: Annotated[str, Form()],
            value: Annotated[str, Form()], version: Annotated[int | None, Form()] = None,
            reason: Annotated[str, Form()] = "") -> Any:
    if field not in CORRECTABLE:
        raise HTTPException(400, f"không sửa được trường này / cannot correct {field!r}")
    try:
        decisions.correct_label(db, article_id, field, value, user.username, _choices(request)[field], version,
                                reason or None)
    except decisions.DecisionError as exc:
        db.rollback()
        raise HTTPException(409 if isinstance(exc, decisions.Conflict) else 400, str(exc)) from exc
    db.commit()
    return RedirectResponse(f"/articles/{article_id}?done=label", status_code=303)
