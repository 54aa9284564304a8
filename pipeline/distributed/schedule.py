"""`run --distributed`: the daemon keeps its schedule, and its collect and analyse jobs enqueue tasks for the
workers instead of running them here. An id handed out is not handed out again while its task may still run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from config.settings import Settings
from pipeline.distributed.app import visibility_seconds
from store import repo
from store.db import session_scope


@dataclass
class Dispatcher:
    """Sends tasks to the broker and remembers what it sent, so a slow worker is not given a second copy."""

    app: Any
    settings: Settings
    sent: dict[tuple[str, int], float] = field(default_factory=dict)

    def _fresh(self, kind: str, ids: list[int]) -> list[int]:
        now = time.monotonic()
        keep = visibility_seconds(self.settings)
        self.sent = {k: at for k, at in self.sent.items() if now - at < keep}
        out = [i for i in ids if (kind, i) not in self.sent]
        for i in out:
            self.sent[(kind, i)] = now
        return out

    def collect(self, source_id: str) -> dict[str, Any]:
        """One collect task for a source."""
        self.app.send_task("hdmonitor.collect", args=[source_id])
        return {"enqueued": 1}

    def waiting(self, engine: Engine) -> dict[str, Any]:
        """Extract tasks for the queued pages and analyse tasks for the waiting articles, in batches."""
        with session_scope(engine) as session:
            pages = self._fresh("page", repo.pending_page_ids(session))
            articles = self._fresh("article", repo.waiting_article_ids(session, 5000))
        size, asize = self.settings.extract_batch_size, self.settings.analyse_batch_size
        for start in range(0, len(pages), size):
            self.app.send_task("hdmonitor.extract", args=[pages[start:start + size]])
        for start in range(0, len(articles), asize):
            self.app.send_task("hdmonitor.analyse", args=[articles[start:start + asize]])
        return {"pages_enqueued": len(pages), "articles_enqueued": len(articles)}
