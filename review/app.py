"""The review web app: the queue of flagged articles and each article's evidence (read-only for now)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, selectinload

from config.settings import Settings
from store import evidence, repo
from store.db import make_engine, session_factory
from store.models import Article, ReviewCase

HERE = Path(__file__).resolve().parent


def get_session(request: Request) -> Iterator[Session]:
    """A request-scoped session from the app's session factory."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def create_app(settings: Settings) -> FastAPI:
    """Build the app around one settings object and one engine."""
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    tz = ZoneInfo(settings.timezone)
    taxonomy = yaml.safe_load(settings.config_file("taxonomy.yaml").read_text(encoding="utf-8"))
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def local_time(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else "—"

    def label(group: str, code: str | None) -> str:
        return str((taxonomy.get(group) or {}).get(code or "", {}).get("vi", code or "—"))

    templates.env.filters["local_time"] = local_time
    templates.env.globals["label"] = label
    templates.env.globals["pct"] = lambda v: f"{round(float(v) * 100)}%"

    app = FastAPI(title="hdmonitor", docs_url="/api/docs", redoc_url=None)
    app.state.sessions = sessions

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request, session: SessionDep, status: str = "open") -> Any:
        cases = repo.flagged_cases(session, status if status != "all" else None)
        return templates.TemplateResponse(request, "queue.html", {"cases": cases, "status": status})

    @app.get("/articles/{article_id}", response_class=HTMLResponse)
    def article(request: Request, article_id: int, session: SessionDep) -> Any:
        row = session.get(Article, article_id, options=[selectinload(Article.analyses),
                                                        selectinload(Article.source)])
        if row is None:
            raise HTTPException(404, "Không tìm thấy bài / article not found")
        case = session.query(ReviewCase).filter(ReviewCase.article_id == article_id).one_or_none()
        return templates.TemplateResponse(request, "article.html", {
            "article": row, "analysis": repo.latest_analysis(row), "case": case,
            "paragraphs": [p for p in row.text.split("\n") if p.strip()],
            "checks": evidence.check_history(session, article_id),
        })

    @app.get("/api/flagged")
    def api_flagged(session: SessionDep, status: str = "open") -> list[dict[str, Any]]:
        out = []
        for case in repo.flagged_cases(session, status if status != "all" else None):
            a, an = case.article, case.analysis
            out.append({
                "case_id": case.id, "status": case.status, "article_id": a.id, "title": a.title,
                "url": a.canonical_url, "source_id": a.source_id, "risk": an.risk,
                "relevance": an.relevance, "topic": an.topic, "sentiment": an.sentiment,
                "reasons": an.reasons, "opened_at": case.opened_at.isoformat(),
            })
        return out

    return app
