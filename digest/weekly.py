"""The weekly digest's run: one DigestRun per ISO week, claimed before the send and marked after it.

A second send of a sent week sends nothing; `force` sends it again. A failed send is recorded with its
error and tried again (by the daemon's mail job, with growing pauses). A claim older than CLAIM_LEASE was
cut short by a crash and is taken again with the same Message-ID, so a mail server or client that saw the
first attempt can tell the two apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from config.settings import Settings
from digest.labels import load_labels
from digest.period import Period
from digest.query import Figures, figures
from digest.render import Rendered, render_digest
from digest.send import MailError, build_message, deliver, recipients
from digest.watch import source_problems
from store.db import session_scope
from store.models import DigestRun, utcnow

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=10)  # then 20, 40, 80 … minutes after each failure


@dataclass(frozen=True)
class DigestOutcome:
    """What a send did: sent, already_sent, busy (another sender holds the claim) or failed."""

    status: str
    week: str
    recipients: tuple[str, ...] = ()
    error: str | None = None
    summary: dict[str, int] | None = None


def build_digest(settings: Settings, engine: Engine, period: Period,
                 now: datetime | None = None) -> tuple[Figures, Rendered]:
    """The week's figures and the mail made from them."""
    tz = ZoneInfo(settings.timezone)
    labels = load_labels(settings.config_file("taxonomy.yaml"))
    problems = source_problems(engine, min(now or utcnow(), period.end))
    with session_scope(engine) as session:
        found = figures(session, period, tz, now, problems)
    return found, render_digest(found, labels, settings.app_url, settings.office_name, tz)


def _claim(engine: Engine, week: str, force: bool, now: datetime) -> tuple[int, int] | str:
    """Take the week's run for this sender: (message number, attempts) or why not (already_sent, busy)."""
    for _ in range(2):  # a second sender may create the row between our read and our insert
        try:
            with session_scope(engine, write=True) as session:
                run = session.scalar(select(DigestRun).where(DigestRun.week == week))
                if run is None:
                    run = DigestRun(week=week, status="pending", attempts=0, sends=0, recipients=[], figures={})
                    session.add(run)
                if run.status == "sent" and not force:
                    return "already_sent"
                if run.status == "sending" and run.claimed_at is not None and run.claimed_at > now - CLAIM_LEASE:
                    return "busy"
                run.status, run.claimed_at, run.attempts = "sending", now, (run.attempts or 0) + 1
                run.last_error = None
                return (run.sends or 0) + 1, run.attempts
        except IntegrityError:
            continue
    return "busy"


def _finish(engine: Engine, week: str, sent: bool, error: str | None, recipients: list[str], message_id: str,
            summary: dict[str, int]) -> None:
    with session_scope(engine, write=True) as session:
        run = session.scalar(select(DigestRun).where(DigestRun.week == week))
        if run is None:
            return
        run.last_error = error
        if sent:  # a failed run keeps its claim time: the next try is counted from it
            run.claimed_at = None
            run.status, run.sent_at, run.sends = "sent", utcnow(), (run.sends or 0) + 1
            run.recipients, run.message_id, run.figures = recipients, message_id, summary
        else:
            run.status = "failed"


def send_digest(settings: Settings, engine: Engine, period: Period, force: bool = False,
                now: datetime | None = None, deliver_with: Callable[..., list[str]] = deliver) -> DigestOutcome:
    """Send one week's digest once (or again with `force`); the outcome says what happened."""
    now = now or utcnow()
    to = recipients(settings, engine, "digest")
    claimed = _claim(engine, period.label, force, now)
    if isinstance(claimed, str):
        return DigestOutcome(claimed, period.label)
    number, _attempts = claimed
    message_id = f"<digest-{period.label}-{number}@hdmonitor>"
    summary: dict[str, int] = {}
    try:
        found, rendered = build_digest(settings, engine, period, now)
        summary = found.summary()
        msg = build_message(rendered, settings.digest_from, to, message_id)
        refused = deliver_with(settings, msg, to)
    except MailError as exc:
        _finish(engine, period.label, False, str(exc), to, message_id, summary)
        logger.warning("digest %s not sent: %s", period.label, exc)
        return DigestOutcome("failed", period.label, tuple(to), str(exc), summary)
    except Exception as exc:  # noqa: BLE001 - recorded on the run; the caller reports it
        _finish(engine, period.label, False, f"{type(exc).__name__}: {exc}", to, message_id, summary)
        raise
    note = ("từ chối / refused: " + ", ".join(refused)) if refused else None
    _finish(engine, period.label, True, note, to, message_id, summary)
    logger.info("digest %s sent to %d recipient(s)", period.label, len(to) - len(refused))
    return DigestOutcome("sent", period.label, tuple(r for r in to if r not in refused), note, summary)


def retry_due(run: DigestRun, now: datetime) -> bool:
    """A failed run is tried again after a pause that doubles with each attempt, up to MAX_ATTEMPTS."""
    if run.status != "failed" or run.attempts >= MAX_ATTEMPTS:
        return False
    last = run.claimed_at or run.created_at
    return now >= last + RETRY_BASE * (2 ** max(0, run.attempts - 1))
