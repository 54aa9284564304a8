"""The daemon's /healthz and Prometheus /metrics, served from a thread on HDM_METRICS_ADDRESS."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from store.db import session_scope
from store.models import Article, Page, ReviewCase

logger = logging.getLogger(__name__)


class _Queues(Collector):
    """Queue sizes read from the database at each scrape (hdm_queue_size), and whether it answered."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        sizes = GaugeMetricFamily("hdm_queue_size", "Việc đang chờ / work waiting", labels=["queue"])
        up = GaugeMetricFamily("hdm_database_up", "CSDL trả lời / the database answers (1) or not (0)")
        try:
            with session_scope(self.engine) as session:
                pages = session.scalar(select(func.count(Page.id))) or 0
                new = session.scalar(select(func.count(Article.id)).where(Article.status == "new")) or 0
                cases = session.scalar(select(func.count(ReviewCase.id)).where(ReviewCase.status == "open")) or 0
        except Exception:  # noqa: BLE001 - a scrape reports the database down, it does not fail
            logger.debug("queue sizes unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        for name, value in (("pages", pages), ("new_articles", new), ("open_cases", cases)):
            sizes.add_metric([name], value)
        up.add_metric([], 1)
        yield sizes
        yield up


class DaemonMetrics:
    """Counters the jobs update, and the queue sizes read at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.collected = Counter("hdm_articles_collected", "Bài mới thu thập / new articles stored", ["source"],
                                 registry=r)
        self.analysed = Counter("hdm_articles_analysed", "Bài đã phân tích / articles analysed", registry=r)
        self.flagged = Counter("hdm_articles_flagged", "Bài bị gắn cờ / articles flagged", registry=r)
        self.errors = Counter("hdm_errors", "Lỗi theo lý do / errors by reason", ["reason"], registry=r)
        self.job_duration = Histogram("hdm_job_duration_seconds", "Thời gian chạy việc / job duration", ["job"],
                                      buckets=(0.5, 2, 5, 15, 60, 300, 900, 1800, 3600), registry=r)
        self.job_last_success = Gauge("hdm_job_last_success_timestamp_seconds",
                                      "Lần chạy tốt gần nhất / last successful run (Unix time)", ["job"], registry=r)
        r.register(_Queues(engine))

    def job_finished(self, kind: str, status: str, duration_s: float) -> None:
        """Record one job run."""
        self.job_duration.labels(kind).observe(duration_s)
        if status == "ok":
            self.job_last_success.labels(kind).set(time.time())
        else:
            self.errors.labels(f"job_{status}").inc()


Health = Callable[[], tuple[bool, dict[str, Any]]]


def serve(address: str, metrics: DaemonMetrics, health: Health) -> ThreadingHTTPServer:
    """Serve /metrics and /healthz on "host:port" from a daemon thread; the server, to shut down."""
    host, _, port = address.rpartition(":")
    registry = metrics.registry

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - scrapes are not news
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.split("?")[0] == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif self.path.split("?")[0] == "/healthz":
                ok, detail = health()
                body = json.dumps({"status": "ok" if ok else "unhealthy", **detail}, ensure_ascii=False, default=str)
                self._send(200 if ok else 503, body.encode("utf-8"), "application/json; charset=utf-8")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="hdm-metrics", daemon=True).start()
    logger.info("metrics and health at http://%s:%s/metrics and /healthz", host or "127.0.0.1", port)
    return server
