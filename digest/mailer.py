"""The daemon's mail work: record what deserves a mail (spikes, saved-search matches, daily bundles, the daily
health mail), send the weekly digest when its time has come, and send whatever the outbox holds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from config.settings import Settings
from digest.labels import HEALTH_STATES
from digest.notices import render_notice
from digest.period import last_complete_week
from digest.send import MailError, build_message, deliver, recipients
from digest.watch import source_problems, spikes
from digest.weekly import retry_due, send_digest
from store import outbox
from store.db import session_scope
from store.models import Article, DigestRun, SavedSearch, SavedSearchMatch, Source, User, utcnow

logger = logging.getLogger(__name__)
BATCH = 100  # mails sent per run at most (the rest go next minute)


def _articles(session: Any, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(select(Article.id, Article.title, Source.name).join(Source, Source.id == Article.source_id)
                           .where(Article.id.in_(ids)))
    found = {int(i): {"id": int(i), "title": t, "source": n} for i, t, n in rows}
    return [found[i] for i in ids if i in found]


def record_spikes(engine: Engine, settings: Settings, now: datetime) -> int:
    """A spike mail per cause and local day (the key refuses a second one)."""
    day = now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    made = 0
    with session_scope(engine, write=True) as session:
        for spike in spikes(session, now):
            made += outbox.enqueue(session, f"spike:{spike.cause}:{day}", "spike", spike.cause, {
                "cause": spike.cause, "count": spike.count, "mean": spike.mean, "sd": spike.sd,
                "articles": _articles(session, list(spike.article_ids))}, now=now) is not None
    return made


def record_health_mail(engine: Engine, settings: Settings, now: datetime) -> int:
    """Today's source-health mail, when some source needs a person (once per local day)."""
    problems = source_problems(engine, now)
    if not problems:
        return 0
    day = now.astimezone(ZoneInfo(settings.timezone)).strftime("%d/%m/%Y")
    with session_scope(engine, write=True) as session:
        return int(outbox.enqueue(session, f"health:{day}", "health", day, {"day": day, "problems": [
            {"source_id": p.source_id, "name": p.name, "state": p.state,
             "state_label": HEALTH_STATES.get(p.state, p.state), "reason": p.reason} for p in problems]},
            now=now) is not None)


def record_saved_search_mails(engine: Engine, now: datetime) -> int:
    """New matches of saved searches that mail: one mail per search and run, at once or held for the day."""
    made = 0
    with session_scope(engine, write=True) as session:
        searches = list(session.scalars(select(SavedSearch).where(SavedSearch.notify.in_(("instant", "daily")))))
        for search in searches:
            matches = list(session.scalars(select(SavedSearchMatch).where(
                SavedSearchMatch.search_id == search.id, SavedSearchMatch.notified_at.is_(None))
                .order_by(SavedSearchMatch.id).limit(200)))
            if not matches:
                continue
            payload = {"search_id": search.id, "name": search.name,
                       "articles": _articles(session, [m.article_id for m in matches])}
            outbox.enqueue(session, f"saved:{search.id}:{matches[-1].id}", "saved_search", search.name, payload,
                           owner=search.owner, held=search.notify == "daily", now=now)
            for match in matches:
                match.notified_at = now
            made += 1
    return made


def record_daily_bundles(engine: Engine, settings: Settings, now: datetime) -> int:
    """After the daily hour, each user's held mails become one mail (one per user and local day)."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    if local.time() < time(settings.digest_hour):
        return 0
    day = local.strftime("%d/%m/%Y")
    made = 0
    with session_scope(engine, write=True) as session:
        for owner in outbox.owners_with_held(session):
            held = outbox.held_for(session, owner)
            parts = [{"kind": m.kind, "subject": m.subject, "payload": m.payload} for m in held]
            if outbox.enqueue(session, f"daily:{owner}:{day}", "daily", day, {"day": day, "parts": parts},
                              owner=owner, now=now) is None:
                continue  # today's bundle went already: these wait for tomorrow's
            for mail in held:
                mail.status = "bundled"
            made += 1
    return made


def digest_due(engine: Engine, settings: Settings, now: datetime) -> str | None:
    """The week whose digest should go now: the last complete one, once its send time has come, unless sent
    (or failed and not yet due for another try)."""
    tz = ZoneInfo(settings.timezone)
    period = last_complete_week(now, tz)
    send_at = datetime.combine(period.last + timedelta(days=1 + settings.digest_weekday), time(settings.digest_hour),
                               tz)
    if now < send_at:
        return None
    with session_scope(engine) as session:
        run = session.scalar(select(DigestRun).where(DigestRun.week == period.label))
        if run is None or run.status == "pending":
            return period.label
        if run.status == "failed" and retry_due(run, now):
            return period.label
        if run.status == "sending" and run.claimed_at is not None and run.claimed_at < now - timedelta(minutes=15):
            return period.label
    return None


def _recipients_of(engine: Engine, settings: Settings, owner: str | None, listed: list[str]) -> list[str]:
    if listed:
        return listed
    if owner is None:
        return recipients(settings, engine, "alerts")
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == owner))
        if user is None or user.disabled or not user.email:
            raise MailError(f"người dùng {owner} chưa có địa chỉ thư / user {owner} has no mail address")
        return [user.email]


def send_outbox(engine: Engine, settings: Settings, now: datetime | None = None,
                deliver_with: Callable[..., list[str]] = deliver, limit: int = BATCH) -> dict[str, int]:
    """Claim, send and mark mails one at a time; a failure waits and is tried again later."""
    out = {"sent": 0, "failed": 0}
    for _ in range(limit):
        moment = now or utcnow()
        with session_scope(engine, write=True) as session:
            mail = outbox.claim_next(session, moment)
            if mail is None:
                break
            mail_id, kind, subject, payload = mail.id, mail.kind, mail.subject, dict(mail.payload)
            owner, listed = mail.owner, list(mail.recipients)
        message_id = f"<mail-{mail_id}@hdmonitor>"  # the same on a retry: a duplicate can be told apart
        try:
            recipients = _recipients_of(engine, settings, owner, listed)
            rendered = render_notice(kind, subject, payload, settings.app_url)
            refused = deliver_with(settings, build_message(rendered, settings.digest_from, recipients, message_id),
                                   recipients)
        except MailError as exc:
            with session_scope(engine, write=True) as session:
                state = outbox.mark_failed(session, mail_id, str(exc), moment)
            logger.warning("mail %d (%s) not sent, %s: %s", mail_id, kind, state, exc)
            out["failed"] += 1
            continue
        with session_scope(engine, write=True) as session:
            outbox.mark_sent(session, mail_id, message_id,
                             ("từ chối / refused: " + ", ".join(refused)) if refused else None)
        out["sent"] += 1
    return out


def mail_round(settings: Settings, engine: Engine, now: datetime | None = None,
               deliver_with: Callable[..., list[str]] = deliver) -> dict[str, Any]:
    """One pass of the daemon's mail job: record, then (with a mail server) send."""
    now = now or utcnow()
    summary: dict[str, Any] = {"spikes": record_spikes(engine, settings, now),
                               "saved_search_mails": record_saved_search_mails(engine, now),
                               "daily_bundles": record_daily_bundles(engine, settings, now)}
    if not settings.smtp_host:
        summary["mail"] = "off"  # recorded and kept: sent once a mail server is set
        return summary
    week = digest_due(engine, settings, now)
    if week is not None:
        from digest.period import iso_week

        outcome = send_digest(settings, engine, iso_week(week, ZoneInfo(settings.timezone)), now=now,
                              deliver_with=deliver_with)
        summary["digest"] = f"{week} {outcome.status}"
        if outcome.status == "failed":  # the job run is recorded failed: `status` warns of it
            summary["status"], summary["error"] = "failed", f"digest {week}: {outcome.error}"
    summary.update(send_outbox(engine, settings, None, deliver_with))
    return summary
