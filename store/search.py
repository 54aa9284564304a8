"""Full-text search over stored articles, one interface over SQLite FTS5 and PostgreSQL full-text search.

Both index the same folded words (article_search, written with each new article): the caller folds
text and queries with nlp.query, so "hai duong" finds "Hải Dương". Words are required, phrases must
appear in order, exclusions must not appear; results are filtered like the queue and sorted by
relevance or by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, func, insert, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from store.models import Analysis, Article, ArticleSearch, ReviewCase, Source
from store.queue import QueueFilter

SORTS = ("relevance", "newest", "oldest")
RANK_NEWEST = 2000  # PostgreSQL ranks an unfiltered search among this many newest matches


@dataclass(frozen=True)
class SearchHit:
    """One article found, its latest analysis and case (either may be missing), and its score."""

    article: Article
    analysis: Analysis | None
    case: ReviewCase | None
    score: float


def index_article(session: Session, article_id: int, title_words: str, text_words: str) -> None:
    """Make a new article findable (in the transaction that stores it)."""
    index_articles(session, [(article_id, title_words, text_words)])


def index_articles(session: Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Make new articles findable, (id, title words, text words) each, in one statement.

    One INSERT with many VALUES rows, not an executemany: psycopg runs those in pipeline mode, and a
    worker whose database connection was cut mid-pipeline was seen waiting on it for good."""
    if rows:
        session.execute(insert(ArticleSearch).values([
            {"article_id": article_id, "title": title, "body": f"{title} {words}".strip()}
            for article_id, title, words in rows]))


def unindexed_ids(session: Session, limit: int = 1000) -> list[int]:
    """Stored articles search does not know yet (stored before search existed), oldest first."""
    query = (select(Article.id).outerjoin(ArticleSearch, ArticleSearch.article_id == Article.id)
             .where(ArticleSearch.article_id.is_(None)).order_by(Article.id).limit(limit))
    return list(session.scalars(query))


def _fts5(terms: Sequence[str], phrases: Sequence[Sequence[str]], excluded: Sequence[Sequence[str]]) -> str:
    def quoted(words: Sequence[str]) -> str:
        return '"' + " ".join(w.replace('"', '""') for w in words) + '"'

    positive = " AND ".join([quoted([t]) for t in terms] + [quoted(p) for p in phrases])
    return f"({positive})" + "".join(f" NOT {quoted(x)}" for x in excluded)


def _tsquery(terms: Sequence[str], phrases: Sequence[Sequence[str]], excluded: Sequence[Sequence[str]]) -> str:
    def lexeme(word: str) -> str:
        return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"

    def phrase(words: Sequence[str]) -> str:
        return lexeme(words[0]) if len(words) == 1 else "(" + " <-> ".join(lexeme(w) for w in words) + ")"

    parts = [lexeme(t) for t in terms] + [phrase(p) for p in phrases] + [f"!{phrase(x)}" for x in excluded]
    return " & ".join(parts)


def ranks_newest_only(session: Session, total: int, f: QueueFilter, sort: str, page: int = 1,
                      per_page: int = 20) -> int | None:
    """How many of the newest matches a page by relevance was ranked among, when not all of them were."""
    capped = session.get_bind().dialect.name == "postgresql" and sort not in ("newest", "oldest")
    within = max(page, 1) * per_page <= RANK_NEWEST
    return RANK_NEWEST if capped and within and _on_the_index_alone(f) and total > RANK_NEWEST else None


def _matching_ids(session: Session, terms: Sequence[str], phrases: Sequence[Sequence[str]],
                  excluded: Sequence[Sequence[str]]) -> Any:
    """A subquery (article_id) of the articles matching, for counting them."""
    if session.get_bind().dialect.name == "sqlite":
        return (text("SELECT rowid AS article_id FROM article_fts WHERE article_fts MATCH :q")
                .bindparams(q=_fts5(terms, phrases, excluded)).columns(article_id=Integer).subquery("ids"))
    return (text("SELECT s.article_id FROM article_search s WHERE s.tsv @@ to_tsquery('simple', :q)")
            .bindparams(q=_tsquery(terms, phrases, excluded)).columns(article_id=Integer).subquery("ids"))


def _matches(session: Session, terms: Sequence[str], phrases: Sequence[Sequence[str]],
             excluded: Sequence[Sequence[str]], newest_only: bool = False) -> Any:
    """A subquery (article_id, score) of the articles matching; a higher score ranks first.

    `newest_only` on PostgreSQL scores the RANK_NEWEST newest matches alone: its score reads each match's
    whole tsvector, 0.8 s for a word in a quarter of 200,000 articles. SQLite's FTS5 ranks them all.
    """
    if session.get_bind().dialect.name == "sqlite":
        return (text("SELECT rowid AS article_id, -bm25(article_fts) AS score FROM article_fts "
                     "WHERE article_fts MATCH :q").bindparams(q=_fts5(terms, phrases, excluded))
                .columns(article_id=Integer, score=Float).subquery("hits"))
    if newest_only:
        return (text("SELECT c.article_id, ts_rank_cd(c.tsv, q) + 2 * ts_rank_cd(c.tsv_title, q) AS score "
                     "FROM (SELECT s.article_id, s.tsv, s.tsv_title FROM article_search s "
                     "WHERE s.tsv @@ to_tsquery('simple', :q) ORDER BY s.article_id DESC LIMIT :newest) c, "
                     "to_tsquery('simple', :q) q")
                .bindparams(q=_tsquery(terms, phrases, excluded), newest=RANK_NEWEST)
                .columns(article_id=Integer, score=Float).subquery("hits"))
    return (text("SELECT s.article_id, ts_rank_cd(s.tsv, q) + 2 * ts_rank_cd(s.tsv_title, q) AS score "
                 "FROM article_search s, to_tsquery('simple', :q) q WHERE s.tsv @@ q")
            .bindparams(q=_tsquery(terms, phrases, excluded)).columns(article_id=Integer, score=Float)
            .subquery("hits"))


def search(session: Session, terms: Sequence[str], phrases: Sequence[Sequence[str]] = (),
           excluded: Sequence[Sequence[str]] = (), f: QueueFilter | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20) -> tuple[list[SearchHit], int]:
    """One page of matching articles and how many match in all (terms/phrases folded by nlp.query)."""
    if not terms and not phrases:
        raise ValueError("a search needs a word or a phrase")
    f = f or QueueFilter(status="all")
    if sort not in ("newest", "oldest") and _on_the_index_alone(f):
        if session.get_bind().dialect.name == "postgresql":
            # count on a GIN bitmap, not a scan of every tsvector: with the default random_page_cost of 4 the
            # planner reads the whole table for a common word (0.55 s instead of 0.15 s at 200,000 articles)
            session.execute(text("SET LOCAL random_page_cost = 1.1"))
        ids = _matching_ids(session, terms, phrases, excluded)
        total = int(session.scalar(select(func.count()).select_from(_id_limits(select(ids.c.article_id), ids, f)
                                                                    .subquery())) or 0)
        # an export or a page past the newest matches gets the full ranking, however long it takes
        hits = _matches(session, terms, phrases, excluded, newest_only=max(page, 1) * per_page <= RANK_NEWEST)
        return _loaded(session, _ranked_on_the_index(session, hits, f, page, per_page)), total
    hits = _matches(session, terms, phrases, excluded)
    latest = (select(func.max(Analysis.id)).where(Analysis.article_id == Article.id)
              .correlate(Article).scalar_subquery())
    analysis = aliased(Analysis)
    query = (select(Article.id, hits.c.score).join(hits, hits.c.article_id == Article.id)
             .join(Source, Source.id == Article.source_id)
             .outerjoin(analysis, analysis.id == latest)
             .outerjoin(ReviewCase, ReviewCase.article_id == Article.id))
    when = func.coalesce(Article.published_at, Article.fetched_at)
    if f.status == "flagged":
        query = query.where(ReviewCase.id.is_not(None))
    elif f.status not in ("", "all"):
        query = query.where(ReviewCase.status == f.status)
    for value, column in ((f.topic, analysis.topic), (f.sentiment, analysis.sentiment),
                          (f.relevance, analysis.relevance), (f.source_kind, Source.kind), (f.source, Source.id),
                          (f.lang, Article.lang)):
        if value:
            query = query.where(column == value)
    if f.assignee:
        query = query.where(ReviewCase.assignee.is_(None) if f.assignee == "-" else ReviewCase.assignee == f.assignee)
    if f.since is not None:
        query = query.where(when >= f.since)
    if f.until is not None:
        query = query.where(when < f.until)
    query = _id_limits(query, hits, f)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = {"relevance": (hits.c.score.desc(), Article.id.desc()),  # as _ranked_on_the_index orders
             "newest": (when.desc(), Article.id.desc()), "oldest": (when.asc(), Article.id.asc())}[
        sort if sort in SORTS else "relevance"]
    rows = session.execute(query.order_by(*order).limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return _loaded(session, [(r[0], r[1]) for r in rows]), total


def _on_the_index_alone(f: QueueFilter) -> bool:
    """Whether the filter asks nothing of the article, its analysis, source or case (ids aside)."""
    return (f.status in ("", "all") and not any((f.topic, f.sentiment, f.relevance, f.source_kind, f.source,
                                                   f.lang, f.assignee)) and f.since is None and f.until is None)


def _id_limits(query: Any, hits: Any, f: QueueFilter) -> Any:
    if f.after_id:
        query = query.where(hits.c.article_id > f.after_id)
    if f.through_id is not None:
        query = query.where(hits.c.article_id <= f.through_id)
    return query


def _ranked_on_the_index(session: Session, hits: Any, f: QueueFilter, page: int, per_page: int
                         ) -> list[tuple[int, float]]:
    """One page by relevance straight from the full-text index (no join over every match), newest id first
    among equal scores."""
    query = _id_limits(select(hits.c.article_id, hits.c.score), hits, f)
    rows = session.execute(query.order_by(hits.c.score.desc(), hits.c.article_id.desc())
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [(int(r[0]), float(r[1] or 0.0)) for r in rows]


def _loaded(session: Session, rows: list[tuple[int, float]]) -> list[SearchHit]:
    """The page's articles with their latest analysis and case, in the order found."""
    ids = [r[0] for r in rows]
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids))
                                                 .options(selectinload(Article.source),
                                                          selectinload(Article.analyses)))}
    cases = {c.article_id: c for c in session.scalars(select(ReviewCase).where(ReviewCase.article_id.in_(ids)))}
    out = []
    for article_id, score in rows:
        article = articles[article_id]
        out.append(SearchHit(article, article.analyses[-1] if article.analyses else None, cases.get(article_id),
                             float(score or 0.0)))
    return out


__all__ = ["RANK_NEWEST", "SORTS", "SearchHit", "index_article", "index_articles", "ranks_newest_only", "search",
           "unindexed_ids"]
