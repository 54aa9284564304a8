"""Crawl start-up time and memory with many stored articles in PostgreSQL.

    .venv/bin/python -m bench.known_urls [--rows 100000 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test]

Seeds N article rows (in a schema of their own, dropped afterwards), then crawls a small feed of 20
entries (10 of them already stored) and reports: the crawl's wall time from start to end, the
known-URL lookup for one feed response, and the peak memory of the crawl processes. For comparison
it also times what the crawl used to do at start — load every stored URL and hash it — and the
memory that took. One JSON line per size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import create_engine, text

from config import load_settings
from crawlers.canonical import url_hash
from pipeline.collect import crawl, subprocess_env
from pipeline.crawl_store import KnownUrls
from store.db import make_engine
from store.migrate import upgrade

ARTICLE_TEXT = "Nội dung bài viết thử nghiệm về tình hình kinh tế xã hội trong tuần. " * 6


def _feed_server(base_holder: list[str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            base = base_holder[0]
            if self.path == "/feed.xml":
                items = "".join(f"<item><title>Bài {i}</title><link>{base}/a/{i}.html</link></item>" for i in range(20))
                body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
                ctype = "application/rss+xml"
            elif self.path.startswith("/a/"):
                n = self.path.rsplit("/", 1)[-1].split(".")[0]
                body = (f"<html><head><title>Bài {n}</title></head><body><article><h1>Bài {n}</h1>"
                        f"<p>{ARTICLE_TEXT} Số {n}.</p></article></body></html>")
                ctype = "text/html; charset=utf-8"
            else:
                body, ctype = "User-agent: *\n", "text/plain"
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def _seed(url: str, rows: int, base: str) -> None:
    """N stored articles (hash keys only matter here); 10 of the feed's entries among them."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, kind, lang, prior, enabled, config, created_at, updated_at,"
                          " consecutive_failures) VALUES ('bench', 'bench', 'domestic', 'vi', 0, true, '{}', now(),"
                          " now(), 0)"))
        conn.execute(text(
            "INSERT INTO articles (source_id, url, canonical_url, url_hash, announced_hash, title, text, lang,"
            " fetched_at, content_hash, raw_encoding, status)"
            " SELECT 'bench', 'https://seed.example.vn/bai-' || g || '.html',"
            " 'https://seed.example.vn/bai-' || g || '.html', md5(g::text) || md5('u' || g::text),"
            " md5('a' || g::text) || md5('b' || g::text), 'Bài ' || g, 'x', 'vi', now(),"
            " md5('c' || g::text) || md5('d' || g::text), 'zlib', 'analysed' FROM generate_series(1, :n) g"),
            {"n": rows})
        for i in range(10):
            link = f"{base}/a/{i}.html"
            conn.execute(text("UPDATE articles SET url = :u, canonical_url = :u, url_hash = :h WHERE id = :id"),
                         {"u": link, "h": url_hash(link), "id": i + 1})
        conn.execute(text("ANALYZE articles"))
    engine.dispose()


def _old_full_load(url: str) -> dict[str, float]:
    """What the crawl did at start before: every stored URL loaded and hashed, written to a file."""
    code = (
        "import resource, sys, time\n"
        "from sqlalchemy import create_engine, text\n"
        "from crawlers.canonical import url_hash\n"
        "t = time.perf_counter()\n"
        "e = create_engine(sys.argv[1])\n"
        "with e.connect() as c: rows = c.execute(text('SELECT url, url_hash FROM articles')).all()\n"
        "known = {h for _, h in rows}; known.update(url_hash(u) for u, _ in rows)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True,
                         env=subprocess_env()).stdout.split()
    return {"old_start_s": round(float(out[0]), 2), "old_start_peak_rss_mb": round(int(out[1]) / 1024, 1)}


def measure(pg: str, rows: int) -> dict[str, object]:
    """Seed, crawl the small feed once, and time the lookups; the schema is dropped afterwards."""
    schema = f"hdm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
    base_holder: list[str] = []
    server = _feed_server(base_holder)
    base_holder.append(f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = make_engine(url)
        upgrade(engine)
        t0 = time.perf_counter()
        _seed(url, rows, base_holder[0])
        seeded_s = time.perf_counter() - t0
        keys = [url_hash(f"{base_holder[0]}/a/{i}.html") for i in range(20)] + [
            hashlib.sha256(str(i).encode()).hexdigest() for i in range(80)]
        lookup = KnownUrls(url)
        lookup.known(keys)
        t0 = time.perf_counter()
        for _ in range(20):
            found = lookup.known(keys)
        lookup_ms = (time.perf_counter() - t0) / 20 * 1000
        lookup.close()
        settings = load_settings(database_url=url)
        scrapy = {**settings.scrapy, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"}
        settings = settings.model_copy(update={"allow_private_hosts": True, "scrapy": scrapy})
        source = {"id": "bench", "name": "bench", "kind": "domestic", "lang": "vi",
                  "feeds": [f"{base_holder[0]}/feed.xml"]}
        with tempfile.TemporaryDirectory():
            t0 = time.perf_counter()
            report = crawl(settings, engine, [source])
            crawl_s = time.perf_counter() - t0
        row = report.rows[0]
        engine.dispose()
        result: dict[str, object] = {
            "bench": "known_urls_postgresql", "stored_articles": rows, "seed_s": round(seeded_s, 1),
            "lookup_ms_per_feed_response_100_keys": round(lookup_ms, 2), "known_found": len(found),
            "crawl_wall_s": round(crawl_s, 2), "crawl_new": row["new"], "crawl_known": row["duplicates"],
            "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        }
        result.update(_old_full_load(url))
        return result
    finally:
        server.shutdown()
        server.server_close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for rows in args.rows:
        print(json.dumps(measure(args.pg, rows), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
