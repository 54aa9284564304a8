"""Administration: users and the audit log (admin only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from review.auth import DbDep, Principal, require
from review.templating import render
from store import accounts
from store.audit import audit_actions, audit_events
from store.models import ROLES
from store.repo import audit

router = APIRouter(prefix="/admin")
AdminDep = Annotated[Principal, Depends(require("admin"))]
PAGE = 50


@router.get("/users")
def users(request: Request, db: DbDep, user: AdminDep, flash: str | None = None) -> Any:
    return render(request, "admin_users.html", {"users": accounts.list_users(db), "roles": ROLES})


@router.post("/users")
def add_user(request: Request, db: DbDep, user: AdminDep, username: Annotated[str, Form(max_length=64)],
             role: Annotated[str, Form()], password: Annotated[str, Form(max_length=1000)]) -> Any:
    try:
        added = accounts.add_user(db, username, role, password)
    except accounts.AccountError as exc:
        db.rollback()
        return render(request, "admin_users.html", {"users": accounts.list_users(db), "roles": ROLES,
                                                    "flash": str(exc), "flash_kind": "error"}, status_code=400)
    audit(db, user.username, "user_added", "user", added.username, {"role": role})
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/disable")
def disable_user(request: Request, db: DbDep, user: AdminDep, username: str) -> Any:
    target = accounts.get_user(db, username)
    if target is None:
        raise HTTPException(404, "Không có người dùng này / no such user")
    if target.id == user.id:
        raise HTTPException(400, "Không thể tự khoá tài khoản của mình / you cannot disable yourself")
    accounts.disable_user(db, target)
    audit(db, user.username, "user_disabled", "user", target.username, {})
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


def _day(value: str | None, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), tzinfo=tz)
    except ValueError as exc:
        raise HTTPException(400, f"ngày không hợp lệ / invalid date {value!r} (YYYY-MM-DD)") from exc


@router.get("/audit")
def audit_log(request: Request, db: DbDep, user: AdminDep, actor: str | None = None, action: str | None = None,
              object_type: str | None = None, object_id: str | None = None, since: str | None = None,
              until: str | None = None, page: int = 1) -> Any:
    tz = ZoneInfo(request.app.state.settings.timezone)
    start, end = _day(since, tz), _day(until, tz)
    page = max(page, 1)
    rows, total = audit_events(db, actor or None, action or None, object_type or None, object_id or None, start,
                               end + timedelta(days=1) if end else None, limit=PAGE, offset=(page - 1) * PAGE)
    return render(request, "audit.html", {
        "rows": rows, "total": total, "page": page, "pages": max((total + PAGE - 1) // PAGE, 1),
        "actions": audit_actions(db), "filters": {"actor": actor or "", "action": action or "",
                                                  "object_type": object_type or "", "object_id": object_id or "",
                                                  "since": since or "", "until": until or ""}})
