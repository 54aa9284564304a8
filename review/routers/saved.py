"""Saved searches: save what the search page or the queue shows; see what each found since."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from review.auth import DbDep, Principal, require
from review.templating import render
from store import saved
from store.models import NOTIFY

router = APIRouter(prefix="/saved")
ViewerDep = Annotated[Principal, Depends(require("viewer"))]
NOTIFY_LABELS = {"app": "chỉ trong ứng dụng / in the app only", "instant": "email ngay / email at once",
                 "daily": "email tổng hợp mỗi ngày / a daily email"}


@router.get("")
def saved_searches(request: Request, db: DbDep, user: ViewerDep) -> Any:
    return render(request, "saved.html", {"searches": saved.of_owner(db, user.username), "labels": NOTIFY_LABELS})


@router.post("")
def save(request: Request, db: DbDep, user: ViewerDep, name: Annotated[str, Form(max_length=200)],
         q: Annotated[str, Form(max_length=500)] = "", notify: Annotated[str, Form()] = "app",
         status: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "",
         sentiment: Annotated[str, Form()] = "", relevance: Annotated[str, Form()] = "",
         source_kind: Annotated[str, Form()] = "", source: Annotated[str, Form()] = "",
         lang: Annotated[str, Form()] = "", assignee: Annotated[str, Form()] = "") -> Any:
    filters = {"status": status, "topic": topic, "sentiment": sentiment, "relevance": relevance,
               "source_kind": source_kind, "source": source, "lang": lang,
               "assignee": user.username if assignee == "me" else assignee}
    try:
        row = saved.save(db, user.username, name, q, filters, notify if notify in NOTIFY else "app")
    except saved.SavedSearchError as exc:
        db.rollback()
        raise HTTPException(400, str(exc)) from exc
    db.commit()
    return RedirectResponse(f"/saved/{row.id}", status_code=303)


@router.get("/{search_id}")
def saved_search(request: Request, search_id: int, db: DbDep, user: ViewerDep) -> Any:
    try:
        row = saved.get_own(db, user.username, search_id)
    except saved.SavedSearchError as exc:
        raise HTTPException(404, str(exc)) from exc
    found = saved.matches(db, row.id)
    params = {"q": row.query, **row.filters}
    target = "/search?" if row.query else "/?"
    return render(request, "saved_one.html", {"search": row, "matches": found, "labels": NOTIFY_LABELS,
                                              "open_url": target + urlencode(params)})


@router.post("/{search_id}/seen")
def seen(request: Request, search_id: int, db: DbDep, user: ViewerDep) -> Any:
    try:
        row = saved.get_own(db, user.username, search_id)
    except saved.SavedSearchError as exc:
        raise HTTPException(404, str(exc)) from exc
    saved.mark_seen(db, row.id)
    db.commit()
    return RedirectResponse(f"/saved/{search_id}", status_code=303)


@router.post("/{search_id}/delete")
def remove(request: Request, search_id: int, db: DbDep, user: ViewerDep) -> Any:
    try:
        saved.remove(db, user.username, search_id)
    except saved.SavedSearchError as exc:
        raise HTTPException(404, str(exc)) from exc
    db.commit()
    return RedirectResponse("/saved", status_code=303)
