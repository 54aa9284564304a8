"""Exports of what the queue or a search shows, as CSV or XLSX (filters respected)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from review.auth import DbDep, Principal, require
from review.exports import MEDIA, row_of, to_csv, to_xlsx
from review.routers.queue import queue_filter
from review.routers.search import run_search
from store.queue import queue_page

router = APIRouter(prefix="/export")
MAX_ROWS = 50_000
ViewerDep = Annotated[Principal, Depends(require("viewer"))]


def _file(rows: list[dict[str, Any]], kind: str, name: str, tz: ZoneInfo) -> Response:
    if kind not in MEDIA:
        raise HTTPException(404, "định dạng: csv hoặc xlsx / format: csv or xlsx")
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    body = to_csv(rows) if kind == "csv" else to_xlsx(rows, name)
    return Response(body, media_type=MEDIA[kind],
                    headers={"Content-Disposition": f'attachment; filename="hdmonitor-{name}-{stamp}.{kind}"'})


@router.get("/queue.{kind}")
def export_queue(request: Request, kind: str, db: DbDep, user: ViewerDep, status: str = "open", topic: str = "",
                 sentiment: str = "", relevance: str = "", source_kind: str = "", source: str = "", lang: str = "",
                 assignee: str = "", since: str = "", until: str = "") -> Response:
    tz = ZoneInfo(request.app.state.settings.timezone)
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    cases, _ = queue_page(db, f, 1, MAX_ROWS)
    return _file([row_of(c.article, c.analysis, c, tz) for c in cases], kind, "queue", tz)


@router.get("/search.{kind}")
def export_search(request: Request, kind: str, db: DbDep, user: ViewerDep, q: str = "", sort: str = "relevance",
                  status: str = "all", topic: str = "", sentiment: str = "", relevance: str = "",
                  source_kind: str = "", source: str = "", lang: str = "", assignee: str = "", since: str = "",
                  until: str = "") -> Response:
    tz = ZoneInfo(request.app.state.settings.timezone)
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    _, hits, _ = run_search(db, f, q, sort, 1, MAX_ROWS)
    return _file([row_of(h.article, h.analysis, h.case, tz) for h in hits], kind, "search", tz)
