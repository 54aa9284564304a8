"""The mail outbox: a mail is recorded with its cause (same transaction) under a key that makes it one of a kind,
then claimed by one sender, sent, and marked; a failed send waits and is tried again.

States: held (waits for its owner's daily mail) → bundled; pending → sending → sent, or back to pending with
the error and a later due time, failed after MAX_ATTEMPTS. A `sending` row whose claim is older than the
lease was cut short by a crash and is claimed again (with the same Message-ID).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from store.models import OutboxMail, utcnow
from store.upsert import insert_new

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=2)  # then 4, 8 … minutes, at most RETRY_CAP
RETRY_CAP = timedelta(hours=2)
LEASE = timedelta(minutes=10)


def enqueue(session: Session, key: str, kind: str, subject: str, payload: dict[str, Any],
            recipients: list[str] | None = None, owner: str | None = None, held: bool = False,
            now: datetime | None = None) -> int | None:
    """Record a mail unless one with this key exists; its id, or None when it was already recorded."""
    now = now or utcnow()
    return insert_new(session, OutboxMail.__table__, {
        "key": key[:200], "kind": kind, "recipients": list(recipients or []), "owner": owner, "subject": subject,
        "payload": payload, "status": "held" if held else "pending", "attempts": 0, "created_at": now,
        "due_at": now}, unique="key")


def claim_next(session: Session, now: datetime | None = None) -> OutboxMail | None:
    """Take the oldest mail that is due (or whose sender died) for this sender; None when there is none."""
    now = now or utcnow()
    query = (select(OutboxMail).where(or_(
        and_(OutboxMail.status == "pending", OutboxMail.due_at <= now),
        and_(OutboxMail.status == "sending", OutboxMail.claimed_at < now - LEASE)))
        .order_by(OutboxMail.due_at, OutboxMail.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    if row is None:
        return None
    row.status, row.claimed_at, row.attempts = "sending", now, (row.attempts or 0) + 1
    return row


def mark_sent(session: Session, mail_id: int, message_id: str, note: str | None = None) -> None:
    """The mail server accepted it."""
    session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(
        status="sent", sent_at=utcnow(), message_id=message_id, last_error=note))


def mark_failed(session: Session, mail_id: int, error: str, now: datetime | None = None) -> str:
    """Back to pending with a later due time, or failed for good after MAX_ATTEMPTS; returns the new status."""
    now = now or utcnow()
    row = session.get(OutboxMail, mail_id)
    if row is None:
        return "gone"
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.status = "pending"
        row.due_at = now + min(RETRY_CAP, RETRY_BASE * (2 ** max(0, row.attempts - 1)))
    row.last_error = error[:2000]
    return row.status


def held_for(session: Session, owner: str) -> list[OutboxMail]:
    """An owner's mails waiting for their daily bundle, oldest first."""
    return list(session.scalars(select(OutboxMail).where(OutboxMail.owner == owner, OutboxMail.status == "held")
                                .order_by(OutboxMail.id)))


def owners_with_held(session: Session) -> list[str]:
    """Everyone who has something waiting for a daily bundle."""
    return [str(o) for o in session.scalars(select(OutboxMail.owner).where(OutboxMail.status == "held",
                                                                          OutboxMail.owner.is_not(None))
                                            .distinct().order_by(OutboxMail.owner))]


def counts(session: Session) -> dict[str, int]:
    """How many mails are in each state (for `status`)."""
    from sqlalchemy import func

    return {str(s): int(n) for s, n in session.execute(select(OutboxMail.status, func.count())
                                                       .group_by(OutboxMail.status))}
