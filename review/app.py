"""The review web app: built once from the settings; every route is behind login and a role check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.base import RequestResponseEndpoint
from swagger_ui_bundle import swagger_ui_path

from config.settings import Settings
from nlp.relevance import Gazetteer
from nlp.risk import RiskRules
from review.auth import CSRF_COOKIE, AuthConfig, LoginRequired, csrf_guard, login_url, secure_cookies
from review.routers import (
    account,
    admin,
    api,
    articles,
    cases,
    claims,
    dashboard,
    exports,
    queue,
    recipients,
    saved,
    search,
    sources,
)
from review.templating import HERE, build_templates, render
from store.db import WRITE_OPTION, make_engine, session_factory

# Nothing inline, nothing from elsewhere: scraped text can never become script or style.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _yaml(settings: Settings, name: str) -> dict[str, Any]:
    return _yaml_file(settings.config_file(name))


def _yaml_file(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def create_app(settings: Settings) -> FastAPI:
    """Build the app around one settings object and one engine (ConfigError without HDM_SECRET_KEY)."""
    auth = AuthConfig.from_settings(settings)
    engine = make_engine(settings.database_url)
    # no anonymous API description (and Swagger UI would need a CDN the CSP refuses)
    app = FastAPI(title="hdmonitor", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_guard)])
    app.state.auth = auth
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.write_sessions = session_factory(engine.execution_options(**{WRITE_OPTION: True}))
    app.state.templates = build_templates(settings)
    app.state.taxonomy = _yaml(settings, "taxonomy.yaml")
    app.state.gazetteer = Gazetteer.from_dict(_yaml_file(settings.gazetteer_file()))  # to mark places in the text
    app.state.rules = RiskRules.from_dict(_yaml(settings, "risk_rules.yaml"))  # and risk phrases
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/docs-static", StaticFiles(directory=str(swagger_ui_path)), name="docs-static")

    @app.middleware("http")
    async def headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith(("/api/", "/login", "/logout", "/account", "/admin")) or \
                "text/html" in response.headers.get("content-type", ""):
            response.headers.setdefault("Cache-Control", "no-store")
        seed = getattr(request.state, "new_csrf_seed", None)
        if seed:
            response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="strict", secure=secure_cookies(request),
                                path="/")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/") or request.method != "GET":
            return JSONResponse({"detail": "Cần đăng nhập / login required"}, status_code=401)
        return RedirectResponse(login_url(request), status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", {"status": exc.status_code, "detail": exc.detail},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        detail = f"Thiếu hoặc sai / missing or invalid: {fields}"
        return render(request, "error.html", {"status": 422, "detail": detail}, status_code=422)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    for module in (account, queue, articles, cases, claims, search, saved, dashboard, exports, sources, admin,
                   recipients, api):
        app.include_router(module.router)
    return app
