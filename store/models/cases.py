"""Stories (the same piece or claim across outlets) and rebuttal cases (the office's answer to a claim)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.core import Article, Base, utcnow


class StoryMember(Base):
    """An analyst's word on whether an article belongs to a story (suggested from near-duplicate keys)."""

    __tablename__ = "story_members"
    __table_args__ = (UniqueConstraint("story_key", "article_id", name="uq_story_members_story_article"),
                      Index("ix_story_members_article", "article_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    story_key: Mapped[str] = mapped_column(String(64))  # the anchor article's near-duplicate key, or article-<id>
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    state: Mapped[str] = mapped_column(String(16))  # confirmed, rejected
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship()


class RebuttalCase(Base):
    """The office's work on one claim: who, by when, the notes, and the published rebuttal (then locked)."""

    __tablename__ = "rebuttal_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="open", index=True)
    assignee: Mapped[str | None] = mapped_column(String(100), default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    claim_summary: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str | None] = mapped_column(String(32), default=None)
    facts: Mapped[str] = mapped_column(Text, default="")
    published_urls: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    articles: Mapped[list[RebuttalArticle]] = relationship(back_populates="case", order_by="RebuttalArticle.id")
    notes: Mapped[list[CaseNote]] = relationship(back_populates="case", order_by="CaseNote.id")

    __mapper_args__ = {"version_id_col": version}


class RebuttalArticle(Base):
    """An article the case answers (several articles, and whole stories, may join one case)."""

    __tablename__ = "rebuttal_articles"
    __table_args__ = (UniqueConstraint("case_id", "article_id", name="uq_rebuttal_articles_case_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rebuttal_cases.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[RebuttalCase] = relationship(back_populates="articles")
    article: Mapped[Article] = relationship()


class CaseNote(Base):
    """One entry of a case's notes timeline."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rebuttal_cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    case: Mapped[RebuttalCase] = relationship(back_populates="notes")


class ClaimVariant(Base):
    """Another phrasing of a case's claim (either language), added by an analyst: matched like the summary."""

    __tablename__ = "claim_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rebuttal_cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimLink(Base):
    """An article that repeats a case's claim: suggested by the matcher, then confirmed or rejected by a person.

    One row per case and article: a rejected pair stays rejected (the matcher never suggests it again) and
    the decisions teach the thresholds (`train --analyst-labels`)."""

    __tablename__ = "claim_links"
    __table_args__ = (UniqueConstraint("case_id", "article_id", name="uq_claim_links_case_article"),
                      Index("ix_claim_links_article", "article_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rebuttal_cases.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    level: Mapped[str] = mapped_column(String(16))  # suggested, strong
    score: Mapped[float] = mapped_column(Float)
    sentence: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(100))  # the matcher's version and thresholds
    features: Mapped[list[Any]] = mapped_column(default=list)  # the matcher's measures, what its reranker learns
    state: Mapped[str] = mapped_column(String(16), default="suggested")  # suggested, confirmed, rejected, detached
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    article: Mapped[Article] = relationship()
