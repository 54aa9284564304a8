"""Typed SQLAlchemy models, one module per part of the system; every table hangs off one Base."""

from store.models.accounts import MAIL_MODES, ROLES, ApiToken, LoginFailure, User, WebSession
from store.models.cases import CaseNote, ClaimLink, ClaimVariant, RebuttalArticle, RebuttalCase, StoryMember
from store.models.core import (
    Analysis,
    Article,
    ArticleCheck,
    ArticleSearch,
    ArticleSnapshot,
    AuditEvent,
    Base,
    CrawlRun,
    DeadLetter,
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
from store.models.mail import MAIL_LISTS, DigestRun, MailRecipient, OutboxMail
from store.models.saved import NOTIFY, SavedSearch, SavedSearchMatch

__all__ = [
    "CORRECTABLE", "MAIL_LISTS", "MAIL_MODES", "NOTIFY", "ROLES", "DigestRun", "MailRecipient", "OutboxMail",
    "Analysis", "ApiToken", "ClaimLink", "ClaimVariant", "DeadLetter", "Article", "ArticleCheck", "ArticleSearch",
    "ArticleSnapshot", "AuditEvent", "Base", "CaseNote", "CrawlRun", "EntryPoint", "JobRun", "LabelCorrection",
    "LoginFailure", "Page", "Quarantine", "RebuttalArticle", "RebuttalCase", "ReviewCase", "SavedSearch",
    "SavedSearchMatch", "Source", "StoryMember", "UTCDateTime", "User", "WebSession", "utcnow",
]
