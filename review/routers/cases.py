"""Rebuttal cases: open from a confirmed article or story, assign, work, publish (locked), export as
ClaimReview, close. Stories: join or reject another outlet's copy of an article."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse

from review.auth import DbDep, Principal, require
from review.claimreview import VERDICTS, Appearance, Rebuttal, claim_review
from review.routers.claims import case_context
from review.templating import render
from store import accounts, cases, stories
from store.models import Article, RebuttalCase

router = APIRouter()
ViewerDep = Annotated[Principal, Depends(require("viewer"))]
AnalystDep = Annotated[Principal, Depends(require("analyst"))]
EditorDep = Annotated[Principal, Depends(require("editor"))]
DONE = {"opened": "Đã mở hồ sơ / case opened", "saved": "Đã lưu / saved", "status": "Đã chuyển trạng thái / status "
        "changed", "assigned": "Đã giao / assigned", "note": "Đã thêm ghi chú / note added",
        "articles": "Đã thêm bài / articles added"}


def _fail(db: Any, exc: Exception) -> HTTPException:
    db.rollback()
    return HTTPException(409 if isinstance(exc, cases.CaseConflict) else 400, str(exc))


def _case(db: Any, case_id: int) -> RebuttalCase:
    try:
        return cases.get_case(db, case_id)
    except cases.CaseError as exc:
        raise HTTPException(404, str(exc)) from exc


def _statuses(request: Request) -> list[str]:
    return list(request.app.state.settings.case_statuses)


@router.post("/articles/{article_id}/story")
def judge_story(request: Request, article_id: int, db: DbDep, user: AnalystDep, other_id: Annotated[int, Form()],
                state: Annotated[str, Form()]) -> Any:
    anchor = db.get(Article, article_id)
    if anchor is None:
        raise HTTPException(404, "Không tìm thấy bài / article not found")
    try:
        stories.judge(db, anchor, other_id, state, user.username)
    except stories.StoryError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/articles/{article_id}#story", status_code=303)


@router.get("/rebuttals")
def rebuttals(request: Request, db: DbDep, user: ViewerDep, status: str = "", assignee: str = "") -> Any:
    who = user.username if assignee == "me" else assignee
    return render(request, "rebuttals.html", {"cases": cases.list_cases(db, status, who), "status": status,
                                              "statuses": _statuses(request), "is_overdue": cases.is_overdue})


@router.post("/rebuttals")
def open_rebuttal(request: Request, db: DbDep, user: AnalystDep, title: Annotated[str, Form(max_length=500)],
                  article_id: Annotated[int, Form()]) -> Any:
    settings = request.app.state.settings
    try:
        case = cases.open_case(db, title, [article_id], user.username, timedelta(days=settings.case_sla_days),
                               settings.case_statuses)
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{case.id}?done=opened", status_code=303)


@router.get("/rebuttals/{rebuttal_id}")
def rebuttal(request: Request, rebuttal_id: int, db: DbDep, user: ViewerDep, done: str = "") -> Any:
    case = _case(db, rebuttal_id)
    return render(request, "rebuttal.html", {
        "case": case, "overdue": cases.is_overdue(case), "statuses": _statuses(request), "verdicts": VERDICTS,
        "users": [u.username for u in accounts.list_users(db) if not u.disabled and u.role != "viewer"],
        "flash": DONE.get(done), **case_context(db, case.id)})


@router.post("/rebuttals/{rebuttal_id}/assign")
def assign(request: Request, rebuttal_id: int, db: DbDep, user: EditorDep, assignee: Annotated[str, Form()]) -> Any:
    case = _case(db, rebuttal_id)
    target = None if assignee in ("", "-") else assignee
    if target is not None and accounts.get_user(db, target) is None:
        raise HTTPException(400, f"không có người dùng này / no such user {target!r}")
    try:
        cases.assign(db, case, target, user.username)
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{rebuttal_id}?done=assigned", status_code=303)


@router.post("/rebuttals/{rebuttal_id}/notes")
def note(request: Request, rebuttal_id: int, db: DbDep, user: AnalystDep,
         text: Annotated[str, Form(max_length=5000)]) -> Any:
    case = _case(db, rebuttal_id)
    try:
        cases.add_note(db, case, user.username, text)
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{rebuttal_id}?done=note#notes", status_code=303)


@router.post("/rebuttals/join")
def join_from_article(request: Request, db: DbDep, user: AnalystDep, case_id: Annotated[int, Form()],
                      article_id: Annotated[int, Form()]) -> Any:
    """From an article's page: join it (and its story) to an existing case."""
    return join(request, case_id, db, user, article_id)


@router.post("/rebuttals/{rebuttal_id}/articles")
def join(request: Request, rebuttal_id: int, db: DbDep, user: AnalystDep, article_id: Annotated[int, Form()]) -> Any:
    case = _case(db, rebuttal_id)
    try:
        cases.add_articles(db, case, [article_id], user.username)
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{rebuttal_id}?done=articles", status_code=303)


@router.post("/rebuttals/{rebuttal_id}/rebuttal")
def save(request: Request, rebuttal_id: int, db: DbDep, user: AnalystDep, version: Annotated[int, Form()],
         claim_summary: Annotated[str, Form(max_length=2000)] = "", verdict: Annotated[str, Form()] = "",
         facts: Annotated[str, Form(max_length=20000)] = "", published_urls: Annotated[str, Form(max_length=5000)] = "",
         outcome: Annotated[str, Form(max_length=5000)] = "") -> Any:
    case = _case(db, rebuttal_id)
    try:
        cases.save_rebuttal(db, case, user.username, version, claim_summary, verdict, facts, published_urls, outcome)
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{rebuttal_id}?done=saved", status_code=303)


@router.post("/rebuttals/{rebuttal_id}/status")
def status(request: Request, rebuttal_id: int, db: DbDep, user: AnalystDep, status: Annotated[str, Form()],
           version: Annotated[int, Form()]) -> Any:
    if status == "published" and not accounts.role_at_least(user.role, "editor"):
        raise HTTPException(403, "Chỉ biên tập viên được công bố phản bác / only an editor may publish a rebuttal")
    case = _case(db, rebuttal_id)
    try:
        cases.set_status(db, case, status, user.username, version, _statuses(request))
    except cases.CaseError as exc:
        raise _fail(db, exc) from exc
    db.commit()
    return RedirectResponse(f"/rebuttals/{rebuttal_id}?done=status", status_code=303)


@router.get("/rebuttals/{rebuttal_id}/claimreview.json")
def claimreview(request: Request, rebuttal_id: int, db: DbDep, user: ViewerDep) -> Any:
    case = _case(db, rebuttal_id)
    if not case.locked or case.published_at is None or not case.verdict:
        raise HTTPException(409, "Phản bác chưa được công bố / the rebuttal is not published yet")
    settings = request.app.state.settings
    appearances = [Appearance(url=ra.article.url, outlet=ra.article.source.name if ra.article.source else
                              ra.article.source_id, title=ra.article.title, published_at=ra.article.published_at)
                   for ra in case.articles]
    data = claim_review(Rebuttal(case_id=case.id, claim_summary=case.claim_summary, verdict=case.verdict,
                                 facts=case.facts, published_urls=list(case.published_urls),
                                 published_at=case.published_at, author=settings.office_name,
                                 author_url=settings.office_url, appearances=appearances))
    return JSONResponse(data, media_type="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="claimreview-{case.id}.jsonld"'})



