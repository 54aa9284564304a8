"""Server time of the review app's pages at scale: queue, article, search and dashboard over 200,000 articles.

    .venv/bin/python -m bench.review_pages [--articles 200000] [--database sqlite|postgresql] [--requests 40]
        [--keep DIR]

`--keep DIR` seeds a SQLite file (or names a PostgreSQL schema) that outlives the run, and a later run with
the same DIR times the pages again without seeding.

Seeds a fresh database with real Vietnamese text (VNTC, ../shared/data/vntc, reused with a running number
when more articles are asked for than it has), spread over a year, each with an analysis, a few percent
flagged with a review case, every one indexed for search; then times requests through the app in
process (the server's time, no network) and prints one JSON line per page: p50, p95 and max in ms.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from starlette.testclient import TestClient

from bench.vntc_text import DEFAULT_DATA
from nlp.query import search_words
from review.app import create_app
from store import accounts
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, ArticleSearch, ReviewCase, Source
from store.queue import urgency_key
from tests.fixtures.review import PASSWORDS, login, review_settings

TOPICS = ["politics", "economy", "agriculture", "culture_tourism", "society", "security_law", "environment",
          "rights_religion", "science_technology", "other"]
KINDS = ["domestic", "foreign", "overseas_vietnamese", "blog"]
QUERIES = ["hai duong", "kinh tế", "giáo dục", "\"thủ tướng\"", "bóng đá -world", "công an", "nông dân",
           "y te", "chính phủ", "xuất khẩu gạo"]


def _texts(data: Path) -> list[str]:
    out = []
    for name in ("test.jsonl.gz", "train.jsonl.gz"):
        with gzip.open(data / "vntc" / name, "rt", encoding="utf-8") as fh:
            out += [json.loads(line)["text"].replace("\r\n", "\n") for line in fh]
    return out


def seed(url: str, n: int, data: Path, batch: int = 2000) -> dict[str, Any]:
    """A fresh database of n articles with analyses, cases and the search index; returns timings."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(7)
    start = time.perf_counter()
    now = datetime.now(UTC)
    with session_scope(engine, write=True) as s:
        for i, kind in enumerate(KINDS * 5):
            s.add(Source(id=f"src-{i}", name=f"Nguồn {i}", kind=kind, lang="vi", config={}))
        accounts.add_user(s, "viewer", "viewer", PASSWORDS["viewer"])
    texts = _texts(data)
    done = 0
    for chunk_start in range(0, n, batch):
        count = min(batch, n - chunk_start)
        articles, searches, analyses, cases = [], [], [], []
        for j, body in enumerate(islice(cycle(texts), chunk_start, chunk_start + count)):
            article_id = chunk_start + j + 1
            title, _, rest = body.partition("\n")
            title = title[:200]
            url = f"https://bench.example/{article_id}"
            published = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
            flagged = rng.random() < 0.03
            risk = rng.random() * (1 if flagged else 0.45)
            articles.append({"id": article_id, "source_id": f"src-{article_id % 20}", "url": url,
                             "canonical_url": url, "url_hash": hashlib.sha256(url.encode()).hexdigest(),
                             "title": title, "text": rest or body, "lang": "vi", "published_at": published,
                             "fetched_at": published + timedelta(minutes=5), "content_hash": uuid.uuid4().hex,
                             "status": "analysed", "raw_encoding": "zlib"})
            title_words, text_words = search_words(title), search_words(rest or body)
            searches.append({"article_id": article_id, "title": title_words, "body": f"{title_words} {text_words}"})
            analyses.append({"id": article_id, "article_id": article_id, "model_version": "bench",
                             "created_at": published, "lang": "vi",
                             "relevance": rng.choice(["focus", "mention", "none", "none"]), "relevance_score": 0.5,
                             "topic": rng.choice(TOPICS), "topic_scores": {}, "sentiment": rng.choice(
                                 ["positive", "neutral", "negative"]), "sentiment_score": 0.6,
                             "risk": risk, "flagged": flagged,
                             "reasons": ["bench"] if flagged else [], "places": [], "entities": [],
                             "risk_components": {}})
            if flagged:
                cases.append({"article_id": article_id, "analysis_id": article_id, "status": "open",
                              "opened_at": published, "updated_at": published, "version": 1,
                              "urgency": urgency_key(risk, published, published, published)})
        with session_scope(engine, write=True) as s:
            s.execute(insert(Article), articles)
            s.execute(insert(ArticleSearch), searches)
            s.execute(insert(Analysis), analyses)
            if cases:
                s.execute(insert(ReviewCase), cases)
        done += count
        print(json.dumps({"seeded": done, "s": round(time.perf_counter() - start, 1)}), flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("articles", "analyses"):  # ids were given: the sequences catch up
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"seed_s": round(time.perf_counter() - start, 1)}


def timed(client: TestClient, paths: list[str]) -> dict[str, float]:
    """p50, p95 and max milliseconds over the paths (each answered 200)."""
    took = []
    for path in paths:
        t = time.perf_counter()
        response = client.get(path)
        took.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])
    took.sort()
    return {"p50_ms": round(statistics.median(took), 1), "p95_ms": round(took[int(len(took) * 0.95) - 1], 1),
            "max_ms": round(took[-1], 1), "requests": len(took)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, default=None, help="keep the seeded database here for later runs")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    seeded = args.keep is not None and (args.keep / f"seeded-{args.database}").exists()
    if args.database == "sqlite":
        folder = args.keep or Path(tempfile.mkdtemp(prefix="hdm-bench-"))
        url = f"sqlite:///{folder}/review.db"
    else:
        schema = f"bench_{hashlib.sha1(str(args.keep.resolve()).encode()).hexdigest()[:8]}" if args.keep \
            else f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine("postgresql://postgres@127.0.0.1:5432/test")
        if not seeded:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    if seeded:
        info: dict[str, Any] = {"seed_s": "kept"}
        upgrade(make_engine(url))
    else:
        info = seed(url, args.articles, args.data)
        if args.keep is not None:
            (args.keep / f"seeded-{args.database}").write_text(url, encoding="utf-8")
    client = TestClient(create_app(review_settings(url)))
    login(client, "viewer")
    rng = random.Random(11)
    n = args.requests
    pages = {
        "queue": ["/"] * (n // 2) + [f"/?topic={rng.choice(TOPICS)}&source_kind={rng.choice(KINDS)}"
                                     for _ in range(n - n // 2)],
        "article": [f"/articles/{rng.randrange(1, args.articles + 1)}" for _ in range(n)],
        "search": [f"/search?q={q}" for q in islice(cycle(QUERIES), n)],
        "dashboard": ["/dashboard"] * max(n // 4, 5),
    }
    for name, paths in pages.items():
        client.get(paths[0])  # warm up
        print(json.dumps({"bench": "review_pages", "page": name, "database": args.database,
                          "articles": args.articles, **timed(client, paths), **info}), flush=True)
    if args.database == "postgresql" and args.keep is None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {url.rsplit('%3D', 1)[1]} CASCADE"))


if __name__ == "__main__":
    main()
