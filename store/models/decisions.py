"""Analysts' corrections of the automated labels: each is a training label and has an audit row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.core import Base, utcnow

CORRECTABLE = ("relevance", "topic", "sentiment")


class LabelCorrection(Base):
    """An analyst set an article's relevance, topic or sentiment (the newest per field counts)."""

    __tablename__ = "label_corrections"
    __table_args__ = (Index("ix_label_corrections_article_field", "article_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    field: Mapped[str] = mapped_column(String(16))  # relevance, topic, sentiment
    before: Mapped[str | None] = mapped_column(String(32), default=None)
    after: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
