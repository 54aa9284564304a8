"""Login, server-side sessions, roles and CSRF for the review app.

- The session cookie carries a random token; the server keeps only its SHA-256 (store.accounts).
- Every role is checked on the server: `Depends(require("analyst"))` on each route.
- CSRF: a signed double-submit token. Each browser gets a random `hdm_csrf` cookie; forms carry
  HMAC(HDM_SECRET_KEY, cookie) in `csrf_token` (or the X-CSRF-Token header). Every POST, PUT,
  PATCH and DELETE is checked by one app-wide dependency, so a new route cannot forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from config.settings import Settings
from store import accounts
from store.db import session_scope
from store.models import WebSession, utcnow

SESSION_COOKIE = "hdm_session"
CSRF_COOKIE = "hdm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MIN_SECRET = 32


class ConfigError(RuntimeError):
    """The app cannot start (the message says which variable to set)."""


@dataclass(frozen=True)
class Principal:
    """The logged-in user as a request sees it (a plain value: it outlives the request's DB session)."""

    id: int
    username: str
    role: str


class LoginRequired(Exception):
    """No live session: pages redirect to the login form, the API answers 401."""


@dataclass(frozen=True)
class AuthConfig:
    """What the auth layer needs from the settings (read once at start-up)."""

    secret: bytes
    cookie_secure: bool | None
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        """Refuse to start without a real secret key: there is no default key."""
        key = settings.secret_key.get_secret_value() if settings.secret_key else ""
        if len(key) < MIN_SECRET:
            raise ConfigError(
                f"HDM_SECRET_KEY chưa đặt hoặc ngắn hơn {MIN_SECRET} ký tự / HDM_SECRET_KEY is not set or shorter "
                f"than {MIN_SECRET} characters; tạo một khoá / make one: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'")
        return cls(secret=key.encode("utf-8"), cookie_secure=settings.cookie_secure,
                   idle=timedelta(minutes=settings.session_idle_minutes),
                   lifetime=timedelta(days=settings.session_days))


def _config(request: Request) -> AuthConfig:
    config: AuthConfig = request.app.state.auth
    return config


def secure_cookies(request: Request) -> bool:
    """Secure cookies over TLS (or always, when HDM_COOKIE_SECURE says so)."""
    forced = _config(request).cookie_secure
    return forced if forced is not None else request.url.scheme == "https"


def client_address(request: Request) -> str:
    """The caller's address (as uvicorn saw it, after its trusted-proxy handling)."""
    return request.client.host if request.client else "unknown"


# --- CSRF -------------------------------------------------------------------------------------------

def csrf_seed(request: Request) -> str:
    """This browser's CSRF cookie value (a new one is made, and set by the middleware, if it has none)."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        seed = request.cookies.get(CSRF_COOKIE) or ""
        if len(seed) < 20:
            seed = secrets.token_urlsafe(24)
            request.state.new_csrf_seed = seed
        request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request) -> str:
    """The token forms carry: HMAC of the browser's CSRF cookie under the secret key."""
    return hmac.new(_config(request).secret, csrf_seed(request).encode(), hashlib.sha256).hexdigest()


def bearer(request: Request) -> str | None:
    """An API token sent as `Authorization: Bearer …` (such a request is never authenticated by cookie)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_guard(request: Request) -> None:
    """App-wide: a state-changing request needs a valid token and, if it says where it came from, our origin.

    A request carrying an API token is exempt: it is not authenticated by a cookie the browser adds on its
    own, and a page elsewhere cannot set the header without a CORS permission the app never gives."""
    if request.method not in UNSAFE or bearer(request) is not None:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "Yêu cầu từ trang khác bị từ chối / cross-origin request refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    if not sent or not cookie or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(403, "Phiên biểu mẫu hết hạn hoặc không hợp lệ, hãy tải lại trang / "
                                 "the form's CSRF token is missing or invalid: reload the page")


# --- sessions and roles ----------------------------------------------------------------------------

def get_db(request: Request):  # type: ignore[no-untyped-def]
    """A request-scoped database session, closed here; the route commits its own unit of work.

    A state-changing request writes after reading: its session begins as a writer (BEGIN IMMEDIATE on
    SQLite), so two at once queue for the write lock instead of one failing on a stale snapshot; the
    second then reads what the first wrote (and a decision on an old version is refused).
    """
    factory = request.app.state.write_sessions if request.method in UNSAFE else request.app.state.sessions
    session = factory()
    try:
        yield session
    finally:
        session.close()


DbDep = Annotated[Session, Depends(get_db)]


def current_user(request: Request, db: DbDep) -> Principal | None:
    """The logged-in user, or None (an expired or ended session counts as none)."""
    if hasattr(request.state, "user"):
        user: Principal | None = request.state.user
        return user
    api_key = bearer(request)
    if api_key is not None:  # the API: the token alone decides, never a cookie
        by_token = accounts.token_user(db, api_key)
        principal = Principal(by_token[1].id, by_token[1].username, by_token[1].role) if by_token else None
        if by_token is not None and (by_token[0].last_used_at is None
                                     or utcnow() - by_token[0].last_used_at > timedelta(minutes=1)):
            used_id = by_token[0].id
            db.rollback()
            with session_scope(request.app.state.engine, write=True) as w:
                accounts.touch_token(w, used_id)
        request.state.user = principal
        return principal
    token = request.cookies.get(SESSION_COOKIE)
    found = accounts.session_user(db, token, _config(request).idle) if token else None
    principal = Principal(found[1].id, found[1].username, found[1].role) if found else None
    if db.new or db.dirty or db.deleted:  # last_seen_at touched, or an expired session removed
        if request.method in UNSAFE:
            db.commit()  # this request's session is a writer already
        else:
            changes = [(row.id, row.last_seen_at) for row in db.dirty if isinstance(row, WebSession)]
            gone = [row.id for row in db.deleted if isinstance(row, WebSession)]
            db.rollback()  # a reader does not write: a short write unit of its own does
            with session_scope(request.app.state.engine, write=True) as w:
                accounts.touch_sessions(w, changes, gone)
    request.state.user = principal
    return principal


def require(role: str):  # type: ignore[no-untyped-def]
    """A dependency that lets through users with at least `role` (401/redirect for nobody, 403 for too little)."""
    accounts.check_role(role)

    def dependency(request: Request, user: Annotated[Principal | None, Depends(current_user)]) -> Principal:
        if user is None:
            raise LoginRequired()
        if not accounts.role_at_least(user.role, role):
            raise HTTPException(403, "Vai trò của bạn không được làm việc này / your role may not do this")
        return user

    dependency.needed_role = role  # type: ignore[attr-defined]  # read by the route × role test
    return dependency


def login_url(request: Request) -> str:
    """The login page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//') is followed after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
