"""Search everything collected, whatever the spelling: words, "phrases", -exclusions, the queue's filters."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request

from nlp.query import ParsedQuery, QueryError, parse_query, snippet
from review.auth import DbDep, Principal, require
from review.routers.queue import queue_filter
from review.templating import highlighted, render
from store import search as store_search
from store.queue import QueueFilter

router = APIRouter()
PER_PAGE = 20


def run_search(db: Any, f: QueueFilter, q: str, sort: str, page: int,
               per_page: int) -> tuple[ParsedQuery, list[store_search.SearchHit], int]:
    """Parse the query (400 with the reason if it cannot run) and run it with the filter."""
    try:
        parsed = parse_query(q)
    except QueryError as exc:
        raise HTTPException(400, str(exc)) from exc
    hits, total = store_search.search(db, parsed.terms, parsed.phrases, parsed.excluded, f, sort, page, per_page)
    return parsed, hits, total


def _choices(request: Request) -> dict[str, list[str]]:
    taxonomy = request.app.state.taxonomy
    return {"topic": list(taxonomy.get("topics") or []), "sentiment": list(taxonomy.get("sentiments") or []),
            "source_kind": list(taxonomy.get("source_kinds") or []), "lang": ["vi", "en"]}


@router.get("/search")
def search(request: Request, db: DbDep, user: Annotated[Principal, Depends(require("viewer"))], q: str = "",
           sort: str = "relevance", status: str = "all", topic: str = "", sentiment: str = "", relevance: str = "",
           source_kind: str = "", source: str = "", lang: str = "", assignee: str = "", since: str = "",
           until: str = "", page: int = 1) -> Any:
    f = queue_filter(request, user, status, topic, sentiment, relevance, source_kind, source, lang, assignee,
                     since, until)
    params = {**f.params(), "q": q, "sort": sort, **({"since": since} if since else {}),
              **({"until": until} if until else {})}
    context: dict[str, Any] = {"q": q, "sort": sort, "sorts": store_search.SORTS, "f": f, "params": params,
                               "since": since, "until": until, "hits": [], "total": 0, "page": max(page, 1),
                               "pages": 1, "query": urlencode(params), "choices": _choices(request)}
    if not q.strip():
        return render(request, "search.html", context)
    try:
        parsed, hits, total = run_search(db, f, q, sort, page, PER_PAGE)
    except HTTPException as exc:
        return render(request, "search.html", {**context, "error": exc.detail}, status_code=400)
    words = parsed.positive
    shown = []
    for hit in hits:
        title_text, title_hits = snippet(hit.article.title, words, width=1000)
        body_text, body_hits = snippet(hit.article.text, words)
        shown.append({"hit": hit, "title": highlighted(title_text, title_hits),
                      "snippet": highlighted(body_text, body_hits)})
    ranked_among = store_search.ranks_newest_only(db, total, f, sort, page, PER_PAGE)
    shown_total = min(total, ranked_among) if ranked_among else total  # pages of the ranking shown
    return render(request, "search.html", {**context, "hits": shown, "total": total,
                                           "pages": max((shown_total + PER_PAGE - 1) // PER_PAGE, 1),
                                           "ranked_among": ranked_among})
