"""Mail: the weekly digest's runs, the outbox every other mail goes through, and the recipients kept in the app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.core import Base, utcnow

MAIL_LISTS = ("digest", "alerts")  # the weekly digest; immediate, spike and daily health mails
OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class DigestRun(Base):
    """The weekly digest of one ISO week: sent once; a forced resend counts up `sends`."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[str] = mapped_column(String(8), unique=True)  # 2026-W48
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=0)  # successful sends (more than one only with --force)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the totals the sent mail showed


class OutboxMail(Base):
    """A mail recorded with its cause (in the same transaction) and sent after; `key` makes it one of a kind.

    pending → sending (claimed by one sender) → sent, or back to pending with the error and a later try;
    failed after MAX_ATTEMPTS. A claim older than its lease was cut short by a crash and is taken again.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # alert:story:<key>, spike:<cause>:<date>, …
    kind: Mapped[str] = mapped_column(String(32))  # alert, spike, health, saved_search, assignment, daily
    recipients: Mapped[list[Any]] = mapped_column(default=list)  # addresses, or empty: the alert list at send time
    owner: Mapped[str | None] = mapped_column(String(64), default=None)  # a user's mail: sent to their address
    subject: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the body is rendered from
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    message_id: Mapped[str | None] = mapped_column(String(200), default=None)


class MailRecipient(Base):
    """An address an administrator added in the web app to the digest or the alert list."""

    __tablename__ = "mail_recipients"
    __table_args__ = (Index("uq_mail_recipients_list_address", "list", "address", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list: Mapped[str] = mapped_column(String(16))  # one of MAIL_LISTS
    address: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
