"""The JSON API beside the pages: the same data and case actions, the same login or a per-user API token
(`Authorization: Bearer hdm_…`), the same role checks. OpenAPI at /docs for logged-in users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from review.auth import DbDep, Principal, require
from review.routers.queue import queue_filter
from review.routers.search import run_search
from store import cases, decisions, repo, stories
from store.models import Analysis, Article, RebuttalCase, ReviewCase
from store.queue import queue_page

router = APIRouter()
ViewerDep = Annotated[Principal, Depends(require("viewer"))]
AnalystDep = Annotated[Principal, Depends(require("analyst"))]
MAX_PAGE = 200


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _analysis(an: Analysis | None) -> dict[str, Any] | None:
    if an is None:
        return None
    return {"model_version": an.model_version, "relevance": an.relevance, "relevance_score": an.relevance_score,
            "topic": an.topic, "sentiment": an.sentiment, "sentiment_score": an.sentiment_score, "risk": an.risk,
            "flagged": an.flagged, "reasons": an.reasons, "places": an.places, "entities": an.entities}


def _case(case: ReviewCase | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {"id": case.id, "status": case.status, "version": case.version, "assignee": case.assignee,
            "decided_by": case.decided_by, "decided_at": _iso(case.decided_at), "reason": case.decision_reason}


def _article(a: Article) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "url": a.url, "canonical_url": a.canonical_url, "source_id": a.source_id,
            "source": a.source.name if a.source else None, "source_kind": a.source.kind if a.source else None,
            "lang": a.lang, "published_at": _iso(a.published_at), "fetched_at": _iso(a.fetched_at),
            "evidence_status": a.evidence_status}


@router.get("/api/flagged")
def api_flagged(db: DbDep, user: ViewerDep, status: str = "open") -> list[dict[str, Any]]:
    """Flagged articles' review cases, riskiest first (kept for scripts written against it)."""
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


@router.get("/api/queue")
def api_queue(request: Request, db: DbDep, user: ViewerDep, status: str = "open", topic: str = "",
              sentiment: str = "", relevance: str = "", source_kind: str = "", source: str = "", lang: str = "",
              assignee: str = "", since: str = "", until: str = "", page: int = 1, per_page: int = 50) -> Any:
    """The queue as the page shows it: filters, most urgent first, one page."""
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    rows, total = queue_page(db, f, page, min(max(per_page, 1), MAX_PAGE))
    return {"total": total, "page": page, "items": [
        {"article": _article(c.article), "analysis": _analysis(c.analysis), "case": _case(c)} for c in rows]}


@router.get("/api/articles/{article_id}")
def api_article(article_id: int, db: DbDep, user: ViewerDep) -> Any:
    """One article with its text, latest analysis, case, analysts' labels, story and rebuttal cases."""
    a = db.get(Article, article_id, options=[selectinload(Article.analyses), selectinload(Article.source)])
    if a is None:
        raise HTTPException(404, "Không tìm thấy bài / article not found")
    case = db.scalar(select(ReviewCase).where(ReviewCase.article_id == article_id))
    return {**_article(a), "text": a.text, "analysis": _analysis(repo.latest_analysis(a)), "case": _case(case),
            "corrections": decisions.corrections(db, article_id),
            "story": [{"article_id": e.article.id, "source": e.article.source.name if e.article.source else None,
                       "at": _iso(e.when), "after_first_s": int(e.after_first.total_seconds())}
                      for e in stories.timeline(db, a)],
            "rebuttal_cases": [{"id": c.id, "status": c.status} for c in cases.cases_of_article(db, article_id)]}


@router.get("/api/search")
def api_search(request: Request, db: DbDep, user: ViewerDep, q: str, sort: str = "relevance", status: str = "all",
               topic: str = "", sentiment: str = "", relevance: str = "", source_kind: str = "", source: str = "",
               lang: str = "", assignee: str = "", since: str = "", until: str = "", page: int = 1,
               per_page: int = 20) -> Any:
    """Full-text search, diacritic-insensitive: words, "phrases", -exclusions."""
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    _, hits, total = run_search(db, f, q, sort, page, min(max(per_page, 1), MAX_PAGE))
    return {"total": total, "page": page, "items": [
        {"article": _article(h.article), "analysis": _analysis(h.analysis), "case": _case(h.case),
         "score": h.score} for h in hits]}


class Decision(BaseModel):
    """A decision on a review case, made on the version the caller last read."""

    decision: str = Field(pattern="^(confirm|dismiss|reopen)$")
    version: int
    reason: str | None = Field(default=None, description=", ".join(decisions.DISMISS_REASONS))
    note: str | None = Field(default=None, max_length=500)


@router.post("/api/cases/{case_id}/decision")
def api_decide(case_id: int, body: Decision, db: DbDep, user: AnalystDep) -> Any:
    """Confirm, dismiss (with a reason) or reopen; 409 if the case changed since `version`."""
    try:
        outcome = decisions.decide(db, case_id, body.decision, user.username, body.version, body.reason, body.note)
    except decisions.DecisionError as exc:
        db.rollback()
        raise HTTPException(409 if isinstance(exc, decisions.Conflict) else 400, str(exc)) from exc
    db.commit()
    return {"case_id": outcome.case_id, "before": outcome.before, "after": outcome.after, "version": outcome.version}


def _rebuttal(c: RebuttalCase) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "status": c.status, "assignee": c.assignee, "due_at": _iso(c.due_at),
            "overdue": cases.is_overdue(c), "locked": c.locked, "claim_summary": c.claim_summary,
            "verdict": c.verdict, "facts": c.facts, "published_urls": c.published_urls,
            "published_at": _iso(c.published_at), "article_ids": [ra.article_id for ra in c.articles]}


@router.get("/api/rebuttals")
def api_rebuttals(db: DbDep, user: ViewerDep, status: str = "", assignee: str = "") -> Any:
    """Rebuttal cases, the ones due soonest first."""
    return [_rebuttal(c) for c in cases.list_cases(db, status, user.username if assignee == "me" else assignee)]


@router.get("/api/rebuttals/{rebuttal_id}")
def api_rebuttal(rebuttal_id: int, db: DbDep, user: ViewerDep) -> Any:
    """One rebuttal case with its notes."""
    try:
        c = cases.get_case(db, rebuttal_id)
    except cases.CaseError as exc:
        raise HTTPException(404, str(exc)) from exc
    return {**_rebuttal(c), "notes": [{"at": _iso(n.at), "author": n.author, "text": n.text} for n in c.notes]}


@router.get("/api/openapi.json", include_in_schema=False)
def openapi(request: Request, user: ViewerDep) -> Any:
    """The API's OpenAPI description (logged-in users only)."""
    routes = [r for r in router.routes if getattr(r, "path", "").startswith("/api/")
              and getattr(r, "include_in_schema", False)]
    # labelled 3.0.3: the bundled Swagger UI (4.x) does not render 3.1 documents; the paths read the same
    return get_openapi(title="hdmonitor API", version="1", openapi_version="3.0.3", routes=routes,
                       description=__doc__)


DOCS_PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>hdmonitor API</title>
<link rel="stylesheet" href="/docs-static/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/docs-static/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script></body></html>"""


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(user: ViewerDep) -> str:
    """Swagger UI over /api/openapi.json, served from the app itself (no CDN)."""
    return DOCS_PAGE
