"""Typed SQLAlchemy models. Times are stored in UTC; the database is the queue between stages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    false,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store times as timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A collected outlet, mirrored from config/sources.yaml (the file is the truth)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    prior: Mapped[float] = mapped_column(Float, default=0.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_new_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    current_interval_minutes: Mapped[float | None] = mapped_column(Float, default=None)
    next_due_at: Mapped[datetime | None] = mapped_column(default=None)
    # edited in the web app: sources.yaml no longer overrides it (the app is where it is kept now)
    managed_in_app: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Article(Base):
    """One stored article per canonical URL; the raw page is kept compressed as evidence."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status", "status"),
        Index("ix_articles_source_published", "source_id", "published_at"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_source_title", "source_id", "title_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    url: Mapped[str] = mapped_column(Text)  # as announced by the feed, sitemap or listing
    final_url: Mapped[str | None] = mapped_column(Text, default=None)  # after redirects
    canonical_url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    announced_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="und")
    author: Mapped[str | None] = mapped_column(String(300), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    title_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    simhash: Mapped[int | None] = mapped_column(BigInteger, default=None)
    story_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    raw_encoding: Mapped[str] = mapped_column(String(16), default="zlib")
    status: Mapped[str] = mapped_column(String(16), default="new")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    run_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    # what the last re-check of the original URL found: edited, deleted, unreachable (None: as stored)
    evidence_status: Mapped[str | None] = mapped_column(String(16), default=None)
    evidence_checked_at: Mapped[datetime | None] = mapped_column(default=None)

    source: Mapped[Source] = relationship()
    analyses: Mapped[list[Analysis]] = relationship(
        back_populates="article", order_by="Analysis.id", cascade="all, delete-orphan"
    )


# the date the dashboard, the search and the queue filter on: a piece's publication, else its fetch (with
# the source, so that the dashboard's count by date and source reads the index alone)
Index("ix_articles_when", func.coalesce(Article.published_at, Article.fetched_at), Article.source_id)


class Analysis(Base):
    """What one model version decided about one article; a re-analysis adds a row."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lang: Mapped[str] = mapped_column(String(8))
    relevance: Mapped[str] = mapped_column(String(16), index=True)
    relevance_score: Mapped[float] = mapped_column(Float)
    topic: Mapped[str] = mapped_column(String(32))
    topic_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    risk: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, index=True)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    places: Mapped[list[Any]] = mapped_column(default=list)
    entities: Mapped[list[Any]] = mapped_column(default=list)
    risk_components: Mapped[dict[str, Any]] = mapped_column(default=dict)

    article: Mapped[Article] = relationship(back_populates="analyses")


class ReviewCase(Base):
    """A flagged article waiting for, or carrying, a human decision."""

    __tablename__ = "review_cases"
    __table_args__ = (Index("ix_review_cases_status_urgency", "status", "urgency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), unique=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    assignee: Mapped[str | None] = mapped_column(String(100), default=None)
    # every change bumps it; a decision names the version it was made on (two analysts, one decision)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # store.queue.urgency_key of the opening analysis: the queue's order at any moment (index with status)
    urgency: Mapped[float | None] = mapped_column(Float, default=None)

    article: Mapped[Article] = relationship()
    analysis: Mapped[Analysis] = relationship()

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """Who did what, when and why: every automated flag and every human decision."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CrawlRun(Base):
    """One source's share of one crawl: counters updated in the same transaction as each insert."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_run_source", "run_id", "source_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    entry_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message: Mapped[str | None] = mapped_column(Text, default=None)


class Quarantine(Base):
    """Something fetched that could not become an article, kept with the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[str | None] = mapped_column(String(36), default=None)
    source_id: Mapped[str | None] = mapped_column(String(64), default=None)
    url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str] = mapped_column(Text)


class EntryPoint(Base):
    """A feed or sitemap as last seen, for conditional GET (ETag, Last-Modified, body hash)."""

    __tablename__ = "entry_points"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[str | None] = mapped_column(Text, default=None)
    body_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[datetime | None] = mapped_column(default=None)


class Page(Base):
    """A fetched article page waiting for extraction: the queue between the crawl and the workers.

    The crawl only downloads and stores these; an extraction worker turns each into an article (the
    body, compressed, is kept on it as evidence), a duplicate or a quarantine row, and deletes it in
    the same transaction. The unique key makes a second store of the same announced URL a no-op.
    """

    __tablename__ = "pages"
    # ids are never reused (SQLite would hand out a deleted row's id again): a worker pool tells
    # the pages it gave out by id
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)  # canonical key of the announced URL
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    run_id: Mapped[str | None] = mapped_column(String(36), default=None)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(64), default=None)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    via: Mapped[str] = mapped_column(String(16), default="feed")
    origin: Mapped[str | None] = mapped_column(Text, default=None)
    entry: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # as fetched, or compressed as body_encoding says
    body_encoding: Mapped[str | None] = mapped_column(String(16), default=None)  # "zlib", or None: as fetched


class JobRun(Base):
    """One run of one of the daemon's jobs: when, how long, how it went (status shows the last ones)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, ok, failed, interrupted
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ArticleSnapshot(Base):
    """A later version of a flagged article's page, kept only when its extracted text changed."""

    __tablename__ = "article_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    url: Mapped[str] = mapped_column(Text)  # the address fetched, after redirects
    http_status: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # zlib
    raw_encoding: Mapped[str] = mapped_column(String(16), default="zlib")


class ArticleCheck(Base):
    """One re-check of a flagged article's original URL: unchanged, edited, deleted or unreachable."""

    __tablename__ = "article_checks"
    __table_args__ = (Index("ix_article_checks_article_at", "article_id", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # unchanged, edited, deleted, unreachable
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    url: Mapped[str] = mapped_column(Text)  # the address asked for
    final_url: Mapped[str | None] = mapped_column(Text, default=None)
    detail: Mapped[str | None] = mapped_column(Text, default=None)  # the error, for unreachable
    diff: Mapped[str | None] = mapped_column(Text, default=None)  # unified diff of the text, for edited
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("article_snapshots.id"), default=None)


class ArticleSearch(Base):
    """The words of an article as search sees them: lower-case, without diacritics, punctuation as spaces;
    `body` is the whole document (title, then text), `title` the title alone (it ranks higher).

    SQLite indexes `body` with FTS5 (article_fts, kept in step by triggers); PostgreSQL with generated
    tsvector columns (tsv, tsv_title) and a GIN index. Both are made by migration 0008, not by this model.
    """

    __tablename__ = "article_search"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


class DeadLetter(Base):
    """A distributed task that kept failing: what it was asked, why it failed, how often it was tried."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    args: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
