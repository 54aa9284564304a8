"""Known claims (a case's claim summary and its variants) and the links of articles that repeat them.

A link is suggested by the matcher and decided by a person: confirmed (the article joins the case, its story
and the ClaimReview's appearances, even on a published case), rejected (kept, never suggested again) or
detached (a confirmed one taken back). Repository functions: the session first, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from store import outbox
from store.models import Article, ClaimLink, ClaimVariant, RebuttalArticle, RebuttalCase, User, utcnow
from store.repo import audit
from store.stories import members
from store.upsert import insert_new

TAKING_PART = ("published",)  # besides every case not yet done; closed ones only when asked
LINK_STATES = ("suggested", "confirmed", "rejected", "detached")


class ClaimError(ValueError):
    """A claim change that cannot be made (the message is for a person)."""


@dataclass(frozen=True)
class ClaimRow:
    """One known claim as the matcher takes it."""

    case_id: int
    text: str
    lang: str
    variants: tuple[str, ...]


def known_claims(session: Session, include_closed: bool = False) -> list[ClaimRow]:
    """Open and published cases with a claim summary (closed ones too when asked), with their variants."""
    query = select(RebuttalCase).where(RebuttalCase.claim_summary != "").order_by(RebuttalCase.id)
    if not include_closed:
        query = query.where(RebuttalCase.status != "closed")
    cases = list(session.scalars(query))
    variants: dict[int, list[str]] = {}
    for case_id, text in session.execute(select(ClaimVariant.case_id, ClaimVariant.text).order_by(ClaimVariant.id)):
        variants.setdefault(int(case_id), []).append(str(text))
    return [ClaimRow(c.id, c.claim_summary, _lang(c.claim_summary), tuple(variants.get(c.id, ()))) for c in cases]


def _lang(text: str) -> str:
    from nlp.langid import detect_language

    return "en" if detect_language(text) == "en" else "vi"


def signature(session: Session, include_closed: bool = False) -> tuple[Any, ...]:
    """Changes whenever the known claims may have: a cached matcher is rebuilt when it does."""
    cases = session.execute(select(func.count(RebuttalCase.id), func.max(RebuttalCase.updated_at))).one()
    variants = session.execute(select(func.count(ClaimVariant.id), func.max(ClaimVariant.id))).one()
    return (*cases, *variants, include_closed)


def add_variant(session: Session, case_id: int, text: str, actor: str) -> ClaimVariant:
    """Another phrasing of the case's claim (either language)."""
    body = " ".join(text.split())[:2000]
    if len(body) < 10:
        raise ClaimError("cách diễn đạt quá ngắn / the phrasing is too short (10 characters at least)")
    if session.get(RebuttalCase, case_id) is None:
        raise ClaimError(f"không có hồ sơ này / no such case #{case_id}")
    variant = ClaimVariant(case_id=case_id, text=body, lang=_lang(body), added_by=actor)
    session.add(variant)
    session.flush()
    audit(session, actor, "claim.variant", "rebuttal_case", case_id, {"text": body})
    return variant


def record_link(session: Session, case_id: int, article_id: int, level: str, score: float, sentence: str,
                method: str, now: datetime | None = None, features: list[float] | None = None) -> bool:
    """A suggested link, unless the pair was ever linked or judged; a strong one on a case with a published
    rebuttal tells the case's assignee (the rebuttal can be shared again the same day)."""
    made = insert_new(session, ClaimLink.__table__, {
        "case_id": case_id, "article_id": article_id, "level": level, "score": score, "sentence": sentence[:4000],
        "method": method[:100], "state": "suggested", "created_at": now or utcnow(), "features": list(features or [])},
        unique=("case_id", "article_id")) is not None
    if made and level == "strong":
        case = session.get(RebuttalCase, case_id)
        if case is not None and case.published_at is not None and case.assignee:
            user = session.scalar(select(User).where(User.username == case.assignee))
            if user is not None and user.mail_mode != "off":
                article = session.get(Article, article_id)
                outbox.enqueue(session, f"claim:{case_id}:{article_id}", "claim", case.title, {
                    "case_id": case_id, "title": case.title, "article_id": article_id,
                    "article_title": article.title if article else "", "sentence": sentence[:1000], "score": score},
                    owner=case.assignee)
    return made


def links_of_case(session: Session, case_id: int) -> list[ClaimLink]:
    """A case's links, suggestions first and strongest first."""
    order = {"suggested": 0, "confirmed": 1, "rejected": 2, "detached": 3}
    rows = list(session.scalars(select(ClaimLink).options(selectinload(ClaimLink.article))
                                .where(ClaimLink.case_id == case_id)))
    return sorted(rows, key=lambda r: (order.get(r.state, 9), -r.score, r.id))


def links_of_article(session: Session, article_id: int) -> list[ClaimLink]:
    """The cases whose claim an article repeats (rejected and detached ones left out)."""
    return list(session.scalars(select(ClaimLink).where(ClaimLink.article_id == article_id,
                                                        ClaimLink.state.in_(("suggested", "confirmed")))
                                .order_by(ClaimLink.score.desc())))


def decide_link(session: Session, link_id: int, decision: str, actor: str) -> ClaimLink:
    """confirm (the article and its story join the case), reject (never suggested again), or detach."""
    link = session.get(ClaimLink, link_id)
    if link is None:
        raise ClaimError(f"không có liên kết này / no such link #{link_id}")
    target = {"confirm": "confirmed", "reject": "rejected", "detach": "detached"}.get(decision)
    if target is None:
        raise ClaimError(f"quyết định không hợp lệ / unknown decision {decision!r}")
    if target == "detached" and link.state != "confirmed":
        raise ClaimError("chỉ gỡ được liên kết đã xác nhận / only a confirmed link can be detached")
    link.state, link.decided_by, link.decided_at = target, actor, utcnow()
    joined: list[int] = []
    if target == "confirmed":
        joined = _join(session, link.case_id, link.article_id, actor)
    elif target == "detached":
        session.query(RebuttalArticle).filter(RebuttalArticle.case_id == link.case_id,
                                              RebuttalArticle.article_id == link.article_id).delete()
    audit(session, actor, f"claim.{decision}", "claim_link", link.id,
          {"case_id": link.case_id, "article_id": link.article_id, "score": link.score, "method": link.method,
           "joined": joined})
    return link


def _join(session: Session, case_id: int, article_id: int, actor: str) -> list[int]:
    """The article and its story's confirmed members join the case (a published case too: appearances are
    not the rebuttal, which stays locked)."""
    article = session.get(Article, article_id)
    if article is None:
        raise ClaimError(f"không có bài này / no such article #{article_id}")
    present = set(session.scalars(select(RebuttalArticle.article_id).where(RebuttalArticle.case_id == case_id)))
    added = []
    for member in sorted(members(session, article), key=lambda a: a.id):
        if member.id not in present:
            session.add(RebuttalArticle(case_id=case_id, article_id=member.id, added_by=actor))
            added.append(member.id)
    return added


def labelled_pairs(session: Session) -> list[tuple[int, int, float, bool, list[float]]]:
    """(case, article, score, confirmed?, the matcher's measures) of every link a person decided: what tunes
    the thresholds and trains the reranker."""
    return [(int(c), int(a), float(s), st == "confirmed", list(f or [])) for c, a, s, st, f in session.execute(
        select(ClaimLink.case_id, ClaimLink.article_id, ClaimLink.score, ClaimLink.state, ClaimLink.features)
        .where(ClaimLink.state.in_(("confirmed", "rejected"))))]
