"""Typed SQLAlchemy models, one module per part of the system; every table hangs off one Base."""

from store.models.accounts import ROLES, LoginFailure, User, WebSession
from store.models.core import (
    Analysis,
    Article,
    ArticleCheck,
    ArticleSnapshot,
    AuditEvent,
    Base,
    CrawlRun,
    EntryPoint,
    JobRun,
    Page,
    Quarantine,
    ReviewCase,
    Source,
    UTCDateTime,
    utcnow,
)
from store.models.decisions import CORRECTABLE, LabelCorrection

__all__ = [
    "CORRECTABLE", "LabelCorrection", "ROLES", "Analysis", "Article", "ArticleCheck", "ArticleSnapshot",
    "AuditEvent", "Base", "CrawlRun", "EntryPoint", "JobRun", "LoginFailure", "Page", "Quarantine", "ReviewCase",
    "Source", "UTCDateTime", "User", "WebSession", "utcnow",
]
