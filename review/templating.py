"""Templates: Jinja2 with autoescaping, the app's filters, and what every page needs (user, CSRF token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nh3
import yaml
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from config.settings import Settings
from review.auth import csrf_token
from store.accounts import role_at_least

HERE = Path(__file__).resolve().parent
ROLE_LABELS = {"viewer": "xem / viewer", "analyst": "phân tích / analyst", "editor": "biên tập / editor",
               "admin": "quản trị / admin"}


def build_templates(settings: Settings) -> Jinja2Templates:
    """The app's templates, with times shown in the office's zone and labels from the taxonomy."""
    tz = ZoneInfo(settings.timezone)
    taxonomy = yaml.safe_load(settings.config_file("taxonomy.yaml").read_text(encoding="utf-8"))
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
        return value.astimezone(tz).strftime(fmt) if value else "—"

    def label(group: str, code: str | None) -> str:
        return str((taxonomy.get(group) or {}).get(code or "", {}).get("vi", code or "—"))

    def duration(value: timedelta) -> str:
        minutes = int(value.total_seconds() // 60)
        if minutes < 60:
            return f"{minutes} phút / min"
        if minutes < 48 * 60:
            return f"{minutes // 60} giờ / h {minutes % 60} phút / min"
        return f"{minutes // 1440} ngày / days"

    templates.env.filters["local_time"] = local_time
    templates.env.globals["duration"] = duration
    templates.env.globals.update(
        label=label, pct=lambda v: f"{round(float(v) * 100)}%", can=lambda user, role: bool(
            user and role_at_least(user.role, role)), role_label=lambda role: ROLE_LABELS.get(role, role))
    return templates


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """A page, with the logged-in user and this browser's CSRF token in its context."""
    templates: Jinja2Templates = request.app.state.templates
    page = {"user": getattr(request.state, "user", None), "csrf": csrf_token(request), **(context or {})}
    return templates.TemplateResponse(request, name, page, status_code=status_code)


def highlighted(text: str, spans: list[Any]) -> Markup:
    """Text (scraped, untrusted) escaped, with place names and risk phrases in <mark>; nh3 has the last word."""
    out, at = [], 0
    for span in spans:
        out.append(escape(text[at:span.start]))
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(span.kind, span.label,
                                                                         text[span.start:span.end]))
        at = span.end
    out.append(escape(text[at:]))
    html = "".join(str(part) for part in out)
    return Markup(nh3.clean(html, tags={"mark"}, attributes={"mark": {"class", "title"}}))
