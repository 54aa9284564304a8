"""Reading the audit log (rows are written with store.repo.audit in the same unit of work as the change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import AuditEvent


def audit_events(session: Session, actor: str | None = None, action: str | None = None,
                 object_type: str | None = None, object_id: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, limit: int = 100, offset: int = 0) -> tuple[list[AuditEvent], int]:
    """The newest audit rows matching the filters, and how many match in all."""
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def audit_actions(session: Session) -> list[str]:
    """Every action that appears in the log (for the filter)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
