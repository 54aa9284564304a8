"""Administration: who gets the weekly digest and the alert mails (admin only).

Addresses from the settings (HDM_DIGEST_TO, HDM_ALERT_TO) are shown read-only beside the ones kept here;
the sender mails both.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from config.settings import Settings
from review.auth import DbDep, Principal, require
from review.templating import render
from store import recipients
from store.models import MAIL_LISTS

router = APIRouter(prefix="/admin")
AdminDep = Annotated[Principal, Depends(require("admin"))]
LIST_LABELS = {"digest": "Bản tin tuần / Weekly digest", "alerts": "Cảnh báo / Alerts"}


def configured(settings: Settings) -> dict[str, list[tuple[str, str | None]]]:
    """Each list's addresses from the settings, with the reason one would be refused (None: fine)."""
    def parse(value: str) -> list[tuple[str, str | None]]:
        found: list[tuple[str, str | None]] = []
        for part in (p.strip() for p in value.split(",")):
            if part:
                try:
                    found.append((recipients.valid_address(part), None))
                except recipients.RecipientError as exc:
                    found.append((part, str(exc)))
        return found

    digest = parse(settings.digest_to)
    return {"digest": digest, "alerts": parse(settings.alert_to) if settings.alert_to.strip() else digest}


def _page(request: Request, db: Session, status_code: int = 200, **context: Any) -> Any:
    settings: Settings = request.app.state.settings
    rows = recipients.list_recipients(db)
    return render(request, "recipients.html", {
        "lists": MAIL_LISTS, "labels": LIST_LABELS, "rows": {name: [r for r in rows if r.list == name]
                                                             for name in MAIL_LISTS},
        "configured": configured(settings), "alerts_from_digest": not settings.alert_to.strip(),
        "form": {"list": "digest", "address": "", "name": ""}, **context}, status_code=status_code)


@router.get("/recipients")
def recipient_lists(request: Request, db: DbDep, user: AdminDep) -> Any:
    return _page(request, db)


@router.post("/recipients")
def add_recipient(request: Request, db: DbDep, user: AdminDep, list_name: Annotated[str, Form(max_length=32)] = "",
                  address: Annotated[str, Form(max_length=1000)] = "",
                  name: Annotated[str, Form(max_length=1000)] = "") -> Any:
    try:
        row = recipients.add_recipient(db, list_name, address, name, user.username)
    except recipients.RecipientError as exc:
        db.rollback()
        return _page(request, db, 400, flash=str(exc), flash_kind="error",
                     form={"list": list_name, "address": address, "name": name})
    db.commit()
    return _page(request, db, flash=f"Đã thêm {row.address} vào danh sách / added to the list: "
                                    f"{LIST_LABELS.get(row.list, row.list)}")


@router.post("/recipients/{recipient_id}/remove")
def remove_recipient(request: Request, db: DbDep, user: AdminDep, recipient_id: int) -> Any:
    try:
        recipients.remove_recipient(db, recipient_id, user.username)
    except recipients.RecipientError as exc:
        db.rollback()
        raise HTTPException(404, str(exc)) from exc
    db.commit()
    return RedirectResponse("/admin/recipients", status_code=303)
