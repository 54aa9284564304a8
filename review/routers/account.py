"""Log in, log out, change one's own password, address and mail mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from review.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    DbDep,
    Principal,
    client_address,
    current_user,
    require,
    safe_next,
    secure_cookies,
)
from review.templating import render
from store import accounts, recipients
from store.models import MAIL_MODES, User
from store.repo import audit

router = APIRouter()
WRONG = "Sai tên đăng nhập hoặc mật khẩu / wrong username or password"
MODE_LABELS = {"instant": "Gửi ngay / Instant", "daily": "Gộp mỗi ngày / Daily summary", "off": "Không gửi / Off"}


def _mail(db: Session, user_id: int) -> dict[str, Any]:
    """The account page's mail form: the user's address and mode as stored."""
    user = db.get(User, user_id)
    return {"mail": {"email": (user.email if user else None) or "", "mode": user.mail_mode if user else "daily"},
            "modes": [(mode, MODE_LABELS[mode]) for mode in MAIL_MODES]}


def _set_session(request: Request, response: Any, token: str) -> None:
    config = request.app.state.auth
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request),
                        max_age=int(config.lifetime.total_seconds()), path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")  # a fresh CSRF seed after login (no fixation)


@router.get("/login")
def login_form(request: Request, user: Annotated[Principal | None, Depends(current_user)], next: str = "/") -> Any:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
def login(request: Request, db: DbDep, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1000)], next: Annotated[str, Form()] = "/") -> Any:
    address = client_address(request)
    context = {"next": safe_next(next), "username": username}
    if accounts.address_failures(db, address) >= accounts.ADDRESS_LIMIT:
        return render(request, "login.html", {**context, "error": (
            "Quá nhiều lần đăng nhập sai từ địa chỉ này, hãy thử lại sau 15 phút / too many failed logins from "
            "this address: try again in 15 minutes")}, status_code=429)
    user = accounts.get_user(db, username)
    if user is not None and accounts.is_locked(user):
        db.rollback()
        return render(request, "login.html", {**context, "error": (
            "Tài khoản tạm khoá vì nhập sai mật khẩu nhiều lần, hãy thử lại sau 15 phút / the account is locked "
            "after repeated wrong passwords: try again in 15 minutes")}, status_code=429)
    if user is None:
        accounts.burn_time(password)
        ok = False
    else:
        ok = accounts.verify_password(user, password) and not user.disabled
    if not ok:
        accounts.record_failure(db, address, username, user if user is not None and not user.disabled else None)
        audit(db, username[:100], "login_failed", "user", username[:64], {"address": address})
        db.commit()
        return render(request, "login.html", {**context, "error": WRONG}, status_code=401)
    assert user is not None
    if accounts.needs_rehash(user):
        user.password_hash = accounts.hash_password(password)
    token = accounts.start_session(db, user, request.app.state.auth.lifetime, address,
                                   request.headers.get("user-agent"))
    audit(db, user.username, "login", "user", user.username, {"address": address})
    db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep) -> Any:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(db, token)
        db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_form(request: Request, db: DbDep, user: Annotated[Principal, Depends(require("viewer"))]) -> Any:
    return render(request, "password.html", _mail(db, user.id))


@router.post("/account/password")
def change_password(request: Request, db: DbDep, who: Annotated[Principal, Depends(require("viewer"))],
                    current: Annotated[str, Form(max_length=1000)], new: Annotated[str, Form(max_length=1000)]) -> Any:
    user = db.get(User, who.id)
    if user is None or not accounts.verify_password(user, current):
        return render(request, "password.html", {"error": "Mật khẩu hiện tại không đúng / the current password "
                                                          "is wrong", **_mail(db, who.id)}, status_code=400)
    try:
        accounts.set_password(db, user, new)  # ends every session of the user, this one too
    except accounts.AccountError as exc:
        db.rollback()
        return render(request, "password.html", {"error": str(exc), **_mail(db, who.id)}, status_code=400)
    token = accounts.start_session(db, user, request.app.state.auth.lifetime, client_address(request),
                                   request.headers.get("user-agent"))
    audit(db, user.username, "password_changed", "user", user.username, {})
    db.commit()
    response = render(request, "password.html", {"flash": "Đã đổi mật khẩu / password changed", **_mail(db, who.id)})
    _set_session(request, response, token)
    return response


@router.post("/account/mail")
def set_mail(request: Request, db: DbDep, who: Annotated[Principal, Depends(require("viewer"))],
             email: Annotated[str, Form(max_length=1000)] = "",
             mail_mode: Annotated[str, Form(max_length=32)] = "") -> Any:
    user = db.get(User, who.id)
    if user is None:
        raise HTTPException(404, "Không có người dùng này / no such user")
    try:
        recipients.set_user_mail(db, user, email, mail_mode, who.username)
    except recipients.RecipientError as exc:
        db.rollback()
        context = _mail(db, who.id)
        context["mail"].update(email=email, mode=mail_mode)
        return render(request, "password.html", {"mail_error": str(exc), **context}, status_code=400)
    db.commit()
    return render(request, "password.html", {"mail_flash": "Đã lưu cách nhận thư / mail settings saved",
                                             **_mail(db, who.id)})


@router.get("/account/tokens")
def tokens(request: Request, db: DbDep, who: Annotated[Principal, Depends(require("viewer"))]) -> Any:
    return render(request, "tokens.html", {"tokens": accounts.list_tokens(db, who.id)})


@router.post("/account/tokens")
def create_token(request: Request, db: DbDep, who: Annotated[Principal, Depends(require("viewer"))],
                 name: Annotated[str, Form(max_length=100)]) -> Any:
    try:
        row, secret = accounts.create_token(db, who.id, name)
    except accounts.AccountError as exc:
        db.rollback()
        return render(request, "tokens.html", {"tokens": accounts.list_tokens(db, who.id), "flash": str(exc),
                                               "flash_kind": "error"}, status_code=400)
    audit(db, who.username, "token_created", "api_token", row.id, {"name": row.name})
    db.commit()
    return render(request, "tokens.html", {"tokens": accounts.list_tokens(db, who.id), "secret": secret})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, db: DbDep,
                 who: Annotated[Principal, Depends(require("viewer"))]) -> Any:
    try:
        row = accounts.revoke_token(db, who.id, token_id)
    except accounts.AccountError as exc:
        db.rollback()
        raise HTTPException(404, str(exc)) from exc
    audit(db, who.username, "token_revoked", "api_token", row.id, {"name": row.name})
    db.commit()
    return RedirectResponse("/account/tokens", status_code=303)
