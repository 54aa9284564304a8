"""The picture over time: volume by topic, sentiment, relevance and source kind; top sources; flag rate;
cases; how long decisions and rebuttals take. Charts are SVG drawn here; the numbers sit under each."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request

from review.auth import DbDep, Principal, require
from review.charts import horizontal_bars, stacked_columns
from review.templating import render
from store import dashboard

router = APIRouter()
GROUPS = {"topic": ("topics", "Theo chủ đề / by topic"), "sentiment": ("sentiments", "Theo sắc thái / by sentiment"),
          "relevance": ("relevance", "Theo mức liên quan / by relevance"),
          "source_kind": ("source_kinds", "Theo loại nguồn / by source kind")}
DEFAULT_DAYS = {"day": 30, "week": 7 * 12, "month": 365}


@router.get("/dashboard")
def view(request: Request, db: DbDep, user: Annotated[Principal, Depends(require("viewer"))], period: str = "day",
         since: str = "", until: str = "") -> Any:
    settings = request.app.state.settings
    tz = ZoneInfo(settings.timezone)
    if period not in dashboard.PERIODS:
        raise HTTPException(400, "kỳ: day, week hoặc month / period: day, week or month")
    try:
        end = (datetime.strptime(until, "%Y-%m-%d").replace(tzinfo=tz) + timedelta(days=1) if until
               else datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))
        start = (datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=tz) if since
                 else end - timedelta(days=DEFAULT_DAYS[period]))
    except ValueError as exc:
        raise HTTPException(400, "ngày phải có dạng YYYY-MM-DD / dates are YYYY-MM-DD") from exc
    if start >= end:
        raise HTTPException(400, "ngày bắt đầu phải trước ngày kết thúc / the start must come before the end")
    taxonomy = request.app.state.taxonomy
    counted = dashboard.tally(db, start, end, period, tz)  # one read of the period, counted five ways
    charts = []
    for by, (group, title) in GROUPS.items():
        days, series = dashboard.volume(db, start, end, period, by, tz, counted)
        labels = {code: str(v.get("vi", code)) for code, v in (taxonomy.get(group) or {}).items()}
        labels["—"] = "chưa phân tích / not analysed"
        svg = stacked_columns(days, series, labels, period, title)
        charts.append({"id": f"volume-{by}", "title": title, "svg": svg, "days": days, "series": series,
                       "labels": labels})
    top = dashboard.top_sources(db, start, end, counted=counted)
    flagged, analysed = dashboard.flag_rate(db, start, end, counted)
    return render(request, "dashboard.html", {
        "charts": charts, "period": period, "since": start.date().isoformat(),
        "until": (end - timedelta(days=1)).date().isoformat(), "top": top,
        "top_svg": horizontal_bars(top, "Nguồn nhiều bài nhất / busiest sources"), "flagged": flagged,
        "analysed": analysed, "rate": flagged / analysed if analysed else None,
        "cases": dashboard.case_counts(db), "delays": dashboard.delays(db, start, end)})
