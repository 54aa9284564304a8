"""Rebuttal cases: opened from confirmed articles or stories, assigned, worked through a status list,
answered by a rebuttal that is locked once published. Every change has an audit row."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from store import outbox
from store.models import Article, CaseNote, RebuttalArticle, RebuttalCase, User, utcnow
from store.repo import audit
from store.stories import members

DEFAULT_STATUSES = ("open", "verifying", "drafting", "published", "closed")
VERDICTS = ("false", "misleading", "partly_false", "unproven", "true")
DONE = ("published", "closed")  # a case in one of these is never overdue


class CaseError(ValueError):
    """A case change that cannot be made (the message is for a person)."""


class CaseConflict(CaseError):
    """Someone else changed the case since it was read; nothing was written."""


def _text(value: str | None, limit: int = 20000) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())[:limit]


def _flush(session: Session, case: RebuttalCase) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise CaseConflict(f"hồ sơ phản bác #{case.id} vừa được người khác thay đổi; không ghi đè / rebuttal case "
                        f"#{case.id} was changed by someone else meanwhile; nothing was overwritten") from exc


def _check_version(case: RebuttalCase, expected: int | None) -> None:
    if expected is not None and case.version != expected:
        raise CaseConflict(f"hồ sơ phản bác #{case.id} vừa được thay đổi (nay: {case.status}); hãy tải lại / "
                        f"rebuttal case #{case.id} changed meanwhile (now: {case.status}): reload it")


def get_case(session: Session, case_id: int) -> RebuttalCase:
    """A case with its articles and notes, or CaseError."""
    case = session.get(RebuttalCase, case_id, options=[
        selectinload(RebuttalCase.articles).selectinload(RebuttalArticle.article).selectinload(Article.source),
        selectinload(RebuttalCase.notes)])
    if case is None:
        raise CaseError(f"không có hồ sơ phản bác này / no such rebuttal case #{case_id}")
    return case


def open_case(session: Session, title: str, article_ids: Iterable[int], actor: str, sla: timedelta,
              statuses: Sequence[str] = DEFAULT_STATUSES) -> RebuttalCase:
    """A new case answering these articles (and their stories), due `sla` from now."""
    title = _text(title, 500)
    if not title:
        raise CaseError("hồ sơ cần một tiêu đề / a case needs a title")
    now = utcnow()
    case = RebuttalCase(title=title, status=statuses[0], opened_by=actor, opened_at=now, due_at=now + sla)
    session.add(case)
    session.flush()
    audit(session, actor, "rebuttal.open", "rebuttal_case", case.id,
          {"title": title, "due_at": case.due_at.isoformat() if case.due_at else None})
    add_articles(session, case, article_ids, actor)
    return case


def add_articles(session: Session, case: RebuttalCase, article_ids: Iterable[int], actor: str) -> list[int]:
    """Join articles to the case, each with the confirmed members of its story; returns the ids added."""
    if case.locked:
        raise CaseError("hồ sơ đã công bố và bị khoá / the case is published and locked")
    present = set(session.scalars(select(RebuttalArticle.article_id).where(RebuttalArticle.case_id == case.id)))
    added: list[int] = []
    for article_id in article_ids:
        article = session.get(Article, article_id)
        if article is None:
            raise CaseError(f"không có bài này / no such article #{article_id}")
        for member in sorted(members(session, article), key=lambda a: a.id):
            if member.id not in present:
                session.add(RebuttalArticle(case_id=case.id, article_id=member.id, added_by=actor))
                present.add(member.id)
                added.append(member.id)
    if added:
        case.updated_at = utcnow()
        _flush(session, case)
        audit(session, actor, "rebuttal.articles", "rebuttal_case", case.id, {"added": added})
    return added


def assign(session: Session, case: RebuttalCase, assignee: str | None, actor: str) -> None:
    """Give the case to someone (None: nobody)."""
    before, case.assignee = case.assignee, assignee
    _flush(session, case)
    audit(session, actor, "rebuttal.assign", "rebuttal_case", case.id, {"before": before, "after": assignee})
    if assignee and assignee != before and assignee != actor:  # told at once or in the daily mail, as they chose
        user = session.scalar(select(User).where(User.username == assignee))
        if user is not None and user.mail_mode != "off":
            outbox.enqueue(session, f"assign:{case.id}:{case.version}:{assignee}", "assignment", case.title,
                           {"case_id": case.id, "title": case.title, "by": actor,
                            "due_at": case.due_at.isoformat() if case.due_at else None},
                           owner=assignee, held=user.mail_mode == "daily")


def add_note(session: Session, case: RebuttalCase, author: str, text: str) -> CaseNote:
    """A note on the case's timeline (allowed on published cases too: what happened afterwards)."""
    body = _text(text, 5000)
    if not body:
        raise CaseError("ghi chú trống / the note is empty")
    note = CaseNote(case_id=case.id, author=author, text=body)
    session.add(note)
    case.updated_at = utcnow()
    _flush(session, case)
    audit(session, author, "rebuttal.note", "rebuttal_case", case.id, {"note_id": note.id})
    return note


def _urls(lines: str) -> list[str]:
    urls = []
    for raw in lines.replace(",", "\n").splitlines():
        url = raw.strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CaseError(f"địa chỉ không hợp lệ / not an http(s) address: {url[:200]}")
        urls.append(url)
    return urls


def save_rebuttal(session: Session, case: RebuttalCase, actor: str, expected_version: int | None,
                  claim_summary: str, verdict: str, facts: str, published_urls: str, outcome: str) -> None:
    """The rebuttal's text and where it was published (refused once the case is locked)."""
    if case.locked:
        raise CaseError("hồ sơ đã công bố và bị khoá / the case is published and locked")
    _check_version(case, expected_version)
    if verdict and verdict not in VERDICTS:
        raise CaseError(f"kết luận không hợp lệ / unknown verdict {verdict!r}")
    before = {"claim_summary": case.claim_summary, "verdict": case.verdict, "facts": case.facts,
              "published_urls": list(case.published_urls), "outcome": case.outcome}
    case.claim_summary, case.verdict, case.facts = _text(claim_summary, 2000), verdict or None, _text(facts)
    case.published_urls, case.outcome = _urls(published_urls), _text(outcome, 5000)
    _flush(session, case)
    after = {"claim_summary": case.claim_summary, "verdict": case.verdict, "facts": case.facts,
             "published_urls": case.published_urls, "outcome": case.outcome}
    audit(session, actor, "rebuttal.edit", "rebuttal_case", case.id,
          {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]})


def set_status(session: Session, case: RebuttalCase, status: str, actor: str, expected_version: int | None,
               statuses: Sequence[str] = DEFAULT_STATUSES) -> None:
    """Move the case; 'published' needs a complete rebuttal and locks it; a locked case may only close."""
    if status not in statuses:
        raise CaseError(f"trạng thái không hợp lệ / unknown status {status!r} ({', '.join(statuses)})")
    _check_version(case, expected_version)
    if case.locked and status != "closed":
        raise CaseError("hồ sơ đã công bố và bị khoá; chỉ có thể đóng / the case is published and locked: it "
                        "can only be closed")
    if status == "published":
        missing = [name for name, value in (("tóm tắt luận điệu / claim summary", case.claim_summary),
                                            ("kết luận / verdict", case.verdict), ("sự thật / facts", case.facts),
                                            ("địa chỉ đã đăng / published URL", case.published_urls),
                                            ("bài bị phản bác / an article", case.articles)) if not value]
        if missing:
            raise CaseError("chưa đủ để công bố, thiếu / not ready to publish, missing: " + ", ".join(missing))
    before = case.status
    now = utcnow()
    case.status = status
    if status == "published":
        case.locked, case.published_at = True, now
    case.closed_at = now if status == "closed" else None
    _flush(session, case)
    audit(session, actor, "rebuttal.status", "rebuttal_case", case.id, {"before": before, "after": status})


def list_cases(session: Session, status: str = "", assignee: str = "") -> list[RebuttalCase]:
    """Cases, the ones due soonest first (done ones last)."""
    query = select(RebuttalCase).options(selectinload(RebuttalCase.articles))
    if status:
        query = query.where(RebuttalCase.status == status)
    if assignee:
        query = query.where(RebuttalCase.assignee.is_(None) if assignee == "-" else RebuttalCase.assignee == assignee)
    cases = list(session.scalars(query))
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted(cases, key=lambda c: (c.status in DONE, c.due_at or far, c.id))


def is_overdue(case: RebuttalCase, now: datetime | None = None) -> bool:
    """Past its due date and not yet published or closed."""
    return case.status not in DONE and case.due_at is not None and case.due_at < (now or utcnow())


def cases_of_article(session: Session, article_id: int) -> list[RebuttalCase]:
    """The rebuttal cases an article has joined."""
    return list(session.scalars(select(RebuttalCase).join(RebuttalArticle)
                                .where(RebuttalArticle.article_id == article_id).order_by(RebuttalCase.id)))
