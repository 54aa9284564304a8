"""The queue of flagged articles: filters with counts, most urgent first, pages, bulk actions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from review.auth import DbDep, Principal, require
from review.templating import render
from store import accounts, decisions
from store.models import ReviewCase
from store.queue import QueueFilter, facet_counts, local_day_range, queue_page

router = APIRouter()
PER_PAGE = 50


def queue_filter(request: Request, user: Principal, status: str = "open", topic: str = "", sentiment: str = "",
                 relevance: str = "", source_kind: str = "", source: str = "", lang: str = "", assignee: str = "",
                 since: str = "", until: str = "") -> QueueFilter:
    """The filter from the query string ('me' stands for the logged-in user)."""
    try:
        start, end = local_day_range(since, until, ZoneInfo(request.app.state.settings.timezone))
    except ValueError as exc:
        raise HTTPException(400, "ngày phải có dạng YYYY-MM-DD / dates are YYYY-MM-DD") from exc
    return QueueFilter(status=status, topic=topic, sentiment=sentiment, relevance=relevance,
                       source_kind=source_kind, source=source, lang=lang,
                       assignee=user.username if assignee == "me" else assignee, since=start, until=end)


@router.get("/")
def queue(request: Request, db: DbDep, user: Annotated[Principal, Depends(require("viewer"))], status: str = "open",
          topic: str = "", sentiment: str = "", relevance: str = "", source_kind: str = "", source: str = "",
          lang: str = "", assignee: str = "", since: str = "", until: str = "", page: int = 1) -> Any:
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    cases, total = queue_page(db, f, page, PER_PAGE)
    params = {**f.params(), **({"since": since} if since else {}), **({"until": until} if until else {})}
    if assignee == "me":
        params["assignee"] = "me"
    return render(request, "queue.html", {
        "cases": cases, "total": total, "page": max(page, 1), "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1),
        "f": f, "params": params, "query": urlencode(params), "counts": facet_counts(db, f),
        "since": since, "until": until, "assignee_param": assignee,
        "users": [u.username for u in accounts.list_users(db) if not u.disabled],
        "reasons": decisions.DISMISS_REASONS, "statuses": decisions.CASE_STATUSES,
    })


@router.post("/cases/bulk")
def bulk(request: Request, db: DbDep, user: Annotated[Principal, Depends(require("editor"))],
         action: Annotated[str, Form()], case_ids: Annotated[list[int] | None, Form()] = None,
         assignee: Annotated[str, Form()] = "",
         reason: Annotated[str, Form()] = "", status: Annotated[str, Form()] = "",
         back: Annotated[str, Form()] = "/") -> Any:
    """Assign, dismiss with a reason, or set the status of the selected cases, in one transaction."""
    if not case_ids:
        raise HTTPException(400, "Hãy chọn ít nhất một bài / select at least one article")
    done = 0
    try:
        if action == "assign":
            target = None if assignee in ("", "-") else assignee
            if target is not None and accounts.get_user(db, target) is None:
                raise decisions.DecisionError(f"không có người dùng này / no such user {target!r}")
            done = decisions.assign(db, case_ids, target, user.username)
        elif action in ("dismiss", "status"):
            wanted = "dismissed" if action == "dismiss" else status
            verb = {"dismissed": "dismiss", "confirmed": "confirm", "open": "reopen"}.get(wanted)
            if verb is None:
                raise decisions.DecisionError(f"trạng thái không hợp lệ / invalid status {status!r}")
            for case_id in case_ids:
                case = db.get(ReviewCase, case_id)
                if case is not None and case.status != wanted:
                    decisions.decide(db, case_id, verb, user.username, None, reason or None)
                    done += 1
        else:
            raise decisions.DecisionError(f"việc không hợp lệ / unknown action {action!r}")
    except decisions.DecisionError as exc:
        db.rollback()
        raise HTTPException(409 if isinstance(exc, decisions.Conflict) else 400, str(exc)) from exc
    db.commit()
    target_url = back if back.startswith("/") and not back.startswith("//") else "/"
    sep = "&" if "?" in target_url else "?"
    return RedirectResponse(f"{target_url}{sep}done={done}", status_code=303)
