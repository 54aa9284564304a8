"""Sources (admin): health at a glance, add, edit, turn on or off, and a test fetch that stores nothing.

Changes are audited and reach the daemon without a restart: it reads each source's configuration
from the database when it collects, and schedules sources that became due (new or turned on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from config.sources import SourceKind
from review.auth import DbDep, Principal, require
from review.charts import sparkline
from review.templating import render
from store import sources_admin
from store.health import sources_health
from store.models import Source, utcnow

router = APIRouter(prefix="/admin/sources")
AdminDep = Annotated[Principal, Depends(require("admin"))]
DAYS = 14
CHECK_TIMEOUT_S = 180
LISTS = ("feeds", "sitemaps", "listings")


@router.get("")
def sources(request: Request, db: DbDep, user: AdminDep) -> Any:
    now = utcnow()
    counts = sources_admin.daily_counts(db, DAYS, now)
    rows = [{"h": h, "spark": sparkline(counts.get(h.source.id, [0] * DAYS),
                                        f"{h.source.id}: bài mỗi ngày, {DAYS} ngày / articles a day, {DAYS} days")}
            for h in sources_health(db, now)]
    return render(request, "sources.html", {"rows": rows, "days": DAYS})


def _form_values(form: Any, base: dict[str, Any]) -> dict[str, Any]:
    values = dict(base)
    for key in ("id", "name", "kind", "lang", "article_selector", "notes"):
        if key in form:
            values[key] = str(form[key]).strip() or (None if key in ("article_selector", "notes") else "")
    for key in LISTS:
        values[key] = [line.strip() for line in str(form.get(key, "")).splitlines() if line.strip()]
    for key, kind in (("interval_minutes", float), ("prior", float), ("max_pages", int)):
        if str(form.get(key, "")).strip():
            try:
                values[key] = kind(str(form[key]).strip().replace(",", "."))
            except ValueError as exc:
                raise sources_admin.SourceError(f"{key}: không phải số / not a number") from exc
    values["enabled"] = form.get("enabled") == "on"
    return values


def _form(request: Request, values: dict[str, Any], creating: bool, error: str | None = None,
          status_code: int = 200, **more: Any) -> Any:
    return render(request, "source_form.html", {"v": values, "creating": creating, "error": error,
                                                "kinds": [k.value for k in SourceKind], "lists": LISTS, **more},
                  status_code=status_code)


@router.get("/new")
def new_form(request: Request, user: AdminDep) -> Any:
    return _form(request, {"kind": "domestic", "lang": "vi", "interval_minutes": 60, "prior": 0.0, "enabled": True,
                           "max_pages": 3}, creating=True)


@router.post("/new")
async def create(request: Request, db: DbDep, user: AdminDep) -> Any:
    form = await request.form()
    values = _form_values(form, {})
    try:
        sources_admin.save_source(db, sources_admin.validated(values), user.username, creating=True)
    except sources_admin.SourceError as exc:
        db.rollback()
        return _form(request, values, True, str(exc), 400)
    db.commit()
    return RedirectResponse(f"/admin/sources/{values['id']}?done=saved", status_code=303)


def _source(db: Any, source_id: str) -> Source:
    row = db.get(Source, source_id)
    if row is None:
        raise HTTPException(404, "Không có nguồn này / no such source")
    return row


@router.get("/{source_id}")
def edit_form(request: Request, source_id: str, db: DbDep, user: AdminDep, done: str = "") -> Any:
    row = _source(db, source_id)
    health = next((h for h in sources_health(db, utcnow()) if h.source.id == source_id), None)
    return _form(request, dict(row.config), False, health=health, managed=row.managed_in_app,
                 flash="Đã lưu / saved" if done == "saved" else None)


@router.post("/{source_id}")
async def save(request: Request, source_id: str, db: DbDep, user: AdminDep) -> Any:
    row = _source(db, source_id)
    form = await request.form()
    values = _form_values(form, dict(row.config))
    values["id"] = source_id  # the id never changes: articles and runs point at it
    try:
        sources_admin.save_source(db, sources_admin.validated(values), user.username, creating=False)
    except sources_admin.SourceError as exc:
        db.rollback()
        return _form(request, values, False, str(exc), 400)
    db.commit()
    return RedirectResponse(f"/admin/sources/{source_id}?done=saved", status_code=303)


@router.post("/{source_id}/enabled")
async def enabled(request: Request, source_id: str, db: DbDep, user: AdminDep) -> Any:
    form = await request.form()
    try:
        sources_admin.set_enabled(db, source_id, form.get("enabled") == "true", user.username)
    except sources_admin.SourceError as exc:
        db.rollback()
        raise HTTPException(400, str(exc)) from exc
    db.commit()
    return RedirectResponse("/admin/sources", status_code=303)


def _check_env(request: Request) -> dict[str, str]:
    """The command's environment: this app's settings, so the check fetches as the daemon would."""
    settings = request.app.state.settings
    env = dict(os.environ)
    env.update(HDM_DATABASE_URL=settings.database_url, HDM_CONFIG_DIR=str(settings.config_dir),
               HDM_ALLOW_PRIVATE_HOSTS=str(settings.allow_private_hosts).lower(),
               HDM_PRIVATE_HOST_ALLOWLIST=json.dumps(settings.private_host_allowlist))
    for name, value in settings.scrapy.items():  # single values; lists and tables come from settings.toml
        if isinstance(value, bool):
            env[f"HDM_SCRAPY__{name}"] = str(value).lower()
        elif isinstance(value, str | int | float):
            env[f"HDM_SCRAPY__{name}"] = str(value)
    return env


@router.post("/{source_id}/check")
def check(request: Request, source_id: str, db: DbDep, user: AdminDep) -> Any:
    """`hdmonitor sources check` on the source as saved, in a subprocess (the crawler's own address guard
    applies: a source URL cannot reach a private address); nothing is stored."""
    row = _source(db, source_id)
    with tempfile.TemporaryDirectory(prefix="hdm-check-") as tmp:
        path = Path(tmp) / "sources.yaml"
        path.write_text(yaml.safe_dump({"sources": [{**row.config, "enabled": True}]}, allow_unicode=True),
                        encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-m", "pipeline.cli", "sources", "check", source_id, "--sources",
                                   str(path)], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S,
                                  env=_check_env(request))
            output, code = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired:
            output, code = f"quá {CHECK_TIMEOUT_S} giây / took over {CHECK_TIMEOUT_S} s", -1
    return _form(request, dict(row.config), False, check_output=output, check_ok=code == 0,
                 managed=row.managed_in_app)
