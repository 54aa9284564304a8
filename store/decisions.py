"""Analysts' decisions on review cases, each with its audit row (who, when, before → after, why).

A decision names the case version it was made on. If someone else changed the case meanwhile, the
decision is refused with `Conflict` (saying who did what, when) instead of silently overwriting it;
the version column is also SQLAlchemy's version_id_col, so a race between read and write is caught
by the database's UPDATE … WHERE version = … as well.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from store.models import CORRECTABLE, Analysis, Article, LabelCorrection, ReviewCase, utcnow
from store.repo import audit

CASE_STATUSES = ("open", "confirmed", "dismissed")
DISMISS_REASONS = {
    "not_about_province": "Không nói về Hải Dương / not about the province",
    "accurate": "Thông tin chính xác / accurate reporting",
    "opinion": "Ý kiến hợp lệ, không xuyên tạc / legitimate opinion, not distortion",
    "duplicate": "Trùng bài đã xử lý / duplicate of a handled article",
    "other": "Lý do khác / other",
}


class DecisionError(ValueError):
    """A decision that cannot be made as asked (the message is for a person)."""


class Conflict(DecisionError):
    """The case changed since the analyst loaded it; nothing was written."""


@dataclass(frozen=True)
class Outcome:
    """What a decision changed."""

    case_id: int
    before: str
    after: str
    version: int


def _clean(text: str | None) -> str | None:
    value = unicodedata.normalize("NFC", (text or "").strip())
    return value[:2000] or None


def _case(session: Session, case_id: int) -> ReviewCase:
    case = session.get(ReviewCase, case_id)
    if case is None:
        raise DecisionError(f"không có hồ sơ này / no such case #{case_id}")
    return case


def _check_version(case: ReviewCase, expected: int | None) -> None:
    if expected is not None and case.version != expected:
        who = f"{case.decided_by} lúc / at {case.decided_at:%d/%m/%Y %H:%M} UTC" if case.decided_by and \
            case.decided_at else "người khác / someone else"
        raise Conflict(f"hồ sơ #{case.id} vừa được thay đổi bởi {who} (nay: {case.status}); không ghi đè, hãy xem "
                       f"lại / case #{case.id} was changed meanwhile by {who} (now: {case.status}); nothing was "
                       "overwritten, review it again")


def flush_or_conflict(session: Session, case: ReviewCase) -> None:
    """Write now; a concurrent writer that got there first becomes a Conflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(f"hồ sơ #{case.id} vừa được người khác thay đổi; không ghi đè / case #{case.id} was "
                       "changed by someone else at the same moment; nothing was overwritten") from exc


def decide(session: Session, case_id: int, decision: str, actor: str, expected_version: int | None,
           reason: str | None = None, note: str | None = None) -> Outcome:
    """Confirm as distorted, dismiss (a reason is required) or reopen a case."""
    target = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "open"}.get(decision)
    if target is None:
        raise DecisionError(f"quyết định không hợp lệ / unknown decision {decision!r}")
    if decision == "dismiss" and reason not in DISMISS_REASONS:
        raise DecisionError("bỏ qua cần một lý do / dismissing needs a reason")
    case = _case(session, case_id)
    _check_version(case, expected_version)
    before = case.status
    if before == target:
        raise DecisionError(f"hồ sơ #{case_id} đã ở trạng thái / case is already {target}")
    now = utcnow()
    case.status = target
    case.decided_by, case.decided_at = (actor, now) if target != "open" else (None, None)
    case.decision_reason = (DISMISS_REASONS.get(reason or "", reason) if target == "dismissed" else None)
    if target == "dismissed" and _clean(note):
        case.decision_reason = f"{case.decision_reason}: {_clean(note)}"
    case.closed_at = now if target != "open" else None
    flush_or_conflict(session, case)
    audit(session, actor, f"case.{decision}", "review_case", case.id,
          {"before": before, "after": target, "reason": case.decision_reason, "article_id": case.article_id})
    _apply_to_story(session, case, decision, target, actor, now)
    return Outcome(case.id, before, target, case.version)


def _apply_to_story(session: Session, case: ReviewCase, decision: str, target: str, actor: str,
                    now: datetime) -> None:
    """A decision on an article holds for the other confirmed members of its story."""
    from store.stories import members

    article = session.get(Article, case.article_id)
    if article is None:
        return
    others = [a.id for a in members(session, article) if a.id != article.id]
    if not others:
        return
    for other in session.scalars(select(ReviewCase).where(ReviewCase.article_id.in_(others),
                                                          ReviewCase.status != target)):
        before = other.status
        other.status = target
        other.decided_by, other.decided_at = (actor, now) if target != "open" else (None, None)
        other.decision_reason = case.decision_reason
        other.closed_at = now if target != "open" else None
        flush_or_conflict(session, other)
        audit(session, actor, f"case.{decision}", "review_case", other.id,
              {"before": before, "after": target, "reason": other.decision_reason,
               "article_id": other.article_id, "via_story_of_case": case.id})


def correct_label(session: Session, article_id: int, field: str, value: str, actor: str,
                  allowed: Iterable[str], expected_version: int | None = None, reason: str | None = None) -> str | None:
    """Set an article's relevance, topic or sentiment by hand; returns the value it replaces."""
    if field not in CORRECTABLE:
        raise DecisionError(f"không sửa được trường này / cannot correct {field!r}")
    if value not in set(allowed):
        raise DecisionError(f"giá trị không hợp lệ / invalid {field} {value!r}")
    article = session.get(Article, article_id)
    if article is None:
        raise DecisionError(f"không có bài này / no such article #{article_id}")
    current = session.scalar(select(LabelCorrection.after).where(
        LabelCorrection.article_id == article_id, LabelCorrection.field == field)
        .order_by(LabelCorrection.id.desc()).limit(1))
    if current is None:
        current = session.scalar(select(getattr(Analysis, field)).where(Analysis.article_id == article_id)
                                 .order_by(Analysis.id.desc()).limit(1))
    if current == value:
        raise DecisionError(f"{field} đã là / is already {value}")
    case = session.scalar(select(ReviewCase).where(ReviewCase.article_id == article_id))
    if case is not None:
        _check_version(case, expected_version)
        case.updated_at = utcnow()  # bumps the version: a decision made on the old labels is checked again
        flush_or_conflict(session, case)
    session.add(LabelCorrection(article_id=article_id, field=field, before=current, after=value, actor=actor,
                                reason=_clean(reason)))
    audit(session, actor, f"label.{field}", "article", article_id, {"before": current, "after": value,
                                                                    "reason": _clean(reason)})
    return current


def corrections(session: Session, article_id: int) -> dict[str, str]:
    """The analysts' current labels of an article (field → value), newest correction per field."""
    rows = session.execute(select(LabelCorrection.field, LabelCorrection.after)
                           .where(LabelCorrection.article_id == article_id).order_by(LabelCorrection.id))
    return {str(field): str(after) for field, after in rows}


def assign(session: Session, case_ids: Iterable[int], assignee: str | None, actor: str) -> int:
    """Assign cases to a user (None: nobody); returns how many changed."""
    changed = 0
    for case_id in case_ids:
        case = _case(session, case_id)
        if case.assignee == assignee:
            continue
        before, case.assignee = case.assignee, assignee
        flush_or_conflict(session, case)
        audit(session, actor, "case.assign", "review_case", case.id, {"before": before, "after": assignee})
        changed += 1
    return changed


def analyst_labels(session: Session) -> list[tuple[Article, dict[str, object]]]:
    """Every article an analyst decided or relabelled, with the labels they gave it (training data):
    `distorted` from a confirmed or dismissed case, and the newest correction of each label."""
    labels: dict[int, dict[str, object]] = {}
    for article_id, status in session.execute(
            select(ReviewCase.article_id, ReviewCase.status)
            .where(ReviewCase.status.in_(("confirmed", "dismissed"))).order_by(ReviewCase.id)):
        labels.setdefault(article_id, {})["distorted"] = status == "confirmed"
    for article_id, field, after in session.execute(
            select(LabelCorrection.article_id, LabelCorrection.field, LabelCorrection.after)
            .order_by(LabelCorrection.id)):
        labels.setdefault(article_id, {})[field] = after
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(list(labels))))}
    return [(articles[i], labels[i]) for i in sorted(labels) if i in articles]
