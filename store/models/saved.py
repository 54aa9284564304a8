"""Saved searches: an analyst's standing question, re-run as articles are analysed, with its new matches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.core import Base, utcnow

NOTIFY = ("app", "instant", "daily")  # in the app only; or also by email at once, or in a daily bundle


class SavedSearch(Base):
    """A search (words and filters) or a queue filter (no words) that its owner wants to hear about."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notify: Mapped[str] = mapped_column(String(16), default="app")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_through: Mapped[int] = mapped_column(Integer, default=0)  # articles up to this id were looked at
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)


class SavedSearchMatch(Base):
    """An article a saved search found after it was saved (notified_at: when it went out by email)."""

    __tablename__ = "saved_search_matches"
    __table_args__ = (UniqueConstraint("search_id", "article_id", name="uq_saved_search_matches"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(default=None)
    notified_at: Mapped[datetime | None] = mapped_column(default=None)
