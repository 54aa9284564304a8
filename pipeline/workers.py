"""A pool of worker processes (one per core) that runs the units of work, fed from the page queue.

While a crawl downloads, the pool extracts the pages it has queued and (when asked) analyses the new
articles, so both cores work and the reactor only downloads. The database is the queue: whatever
is not finished when a process dies is still there for the next run.
"""

from __future__ import annotations

import logging
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from sqlalchemy.engine import Engine

from config.settings import Settings
from crawlers.run import die_with_parent
from nlp.tokenise import preload as preload_entity_tagger
from pipeline.analyse import AnalyseReport
from pipeline.units import (
    ExtractOutcome,
    analyse_batch,
    analyser_for,
    extract_batch,
    forget_engines,
    give_up_page,
)
from store import repo
from store.db import request_stop, session_scope, stop_requested

logger = logging.getLogger(__name__)

STOP_CHECK_SECONDS = 1.0  # how often a coordinator waiting for batches looks for a stop request
MAX_CRASHES_PER_PAGE = 2  # a page alone in a batch that kills its worker this often is quarantined


@dataclass
class PoolReport(AnalyseReport):
    """What the pool did in one run: extraction, and the analysis counts it inherits."""

    extracted: int = 0
    new: int = 0
    duplicates: int = 0
    errors: int = 0
    worker_crashes: int = 0
    problems: list[str] = field(default_factory=list)


def worker_count(settings: Settings) -> int:
    """Worker processes to start: the setting, or one per core; 0 runs the units in this process."""
    return settings.workers if settings.workers is not None else (os.cpu_count() or 1)


def _start_worker() -> None:
    # a worker inherits the daemon's signal handlers: SIGTERM simply ends it (its transaction rolls
    # back), and SIGUSR1 is the coordinator passing a stop request on (waits for the database end)
    die_with_parent()  # a worker never outlives its coordinator (killed with SIGKILL, it cannot stop us)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: request_stop())
    forget_engines()


class WorkPool:
    """Extraction (and optional analysis) of everything queued, in batches, on worker processes."""

    def __init__(self, settings: Settings, analyse: bool = False) -> None:
        self.settings = settings
        self.database_url = settings.database_url
        self.analyse = analyse
        self.workers = worker_count(settings)
        self.batch_size = settings.extract_batch_size
        self.limit = max(2, 2 * self.workers)  # batches in flight at once
        self.executor: ProcessPoolExecutor | None = None
        self.in_flight: dict[Future[Any], tuple[str, list[int]]] = {}
        self.dispatched: set[int] = set()
        self.crashes: dict[int, int] = {}
        self._submit_later: list[tuple[str, list[int]]] = []
        self.report = PoolReport()
        self.stop_forwarded = False

    def __enter__(self) -> WorkPool:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        if self.workers > 0 and self.analyse and analyser_for(self.settings).with_entities:
            # the models, and the entity tagger, loaded once here and inherited by every forked worker
            preload_entity_tagger()
        if self.workers > 0:
            # fork: workers start in milliseconds with the libraries already imported
            self.executor = ProcessPoolExecutor(self.workers, mp_context=get_context("fork"),
                                                initializer=_start_worker)

    def _forward_stop(self) -> None:
        """SIGTERM reached the daemon: workers waiting for the database give up; the others finish their batch."""
        self.stop_forwarded = True
        for process in list(getattr(self.executor, "_processes", {}).values()):
            try:
                os.kill(process.pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    # ------------------------------------------------------------------ feeding

    def _submit(self, kind: str, ids: list[int]) -> None:
        if self.executor is None:
            self._record(kind, ids, self._run_here(kind, ids))
            return
        future: Future[Any]
        try:
            if kind == "extract":
                future = self.executor.submit(extract_batch, self.database_url, ids, self.settings, self.analyse)
            else:
                future = self.executor.submit(analyse_batch, self.database_url, ids, self.settings)
        except BrokenProcessPool:  # a worker died before any of its batches came back
            self._submit_later.append((kind, ids))
            self._restart()
            return
        self.in_flight[future] = (kind, ids)

    def _run_here(self, kind: str, ids: list[int]) -> ExtractOutcome | AnalyseReport:
        if kind == "extract":
            return extract_batch(self.database_url, ids, self.settings, self.analyse)
        return analyse_batch(self.database_url, ids, self.settings)

    def _record(self, kind: str, ids: list[int], outcome: Any) -> None:
        report = self.report
        if kind == "extract":
            report.extracted += len(ids) - outcome.skipped
            report.new += len(outcome.new_ids)
            report.duplicates += outcome.duplicates
            report.errors += outcome.errors
            if outcome.analysis is not None:
                self._record("analyse", outcome.new_ids, outcome.analysis)
            elif self.analyse and outcome.new_ids:  # the analysis in the batch failed: once more on its own
                self._submit("analyse", outcome.new_ids)
            return
        report.add(outcome)

    def _collect(self, block: bool) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        if not self.in_flight:
            return
        while True:
            done, _ = wait(list(self.in_flight), timeout=STOP_CHECK_SECONDS if block else 0,
                           return_when=FIRST_COMPLETED)
            if stop_requested() and not self.stop_forwarded:
                self._forward_stop()
            if done or not block:
                break
        broken = False
        for future in done:
            if future not in self.in_flight:  # already handed to a new pool by a restart
                continue
            kind, ids = self.in_flight.pop(future)
            try:
                self._record(kind, ids, future.result())
            except BrokenProcessPool:
                broken = True
                self._after_crash(kind, ids)
            except Exception as exc:  # noqa: BLE001 - the batch stays queued for the next run; said in the report
                logger.error("%s batch of %d failed: %s", kind, len(ids), exc, exc_info=exc)
                self.report.problems.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
        if broken:
            self._restart()

    def _after_crash(self, kind: str, ids: list[int]) -> None:
        """A worker died under this batch: run it again page by page, to find the page at fault."""
        if kind != "extract":
            self._submit_later.append((kind, ids))
            return
        if len(ids) > 1:
            self._submit_later.extend(("extract", [i]) for i in ids)
            return
        page_id = ids[0]
        self.crashes[page_id] = self.crashes.get(page_id, 0) + 1
        if self.crashes[page_id] >= MAX_CRASHES_PER_PAGE:
            give_up_page(self.database_url, page_id,
                         "trích xuất làm sập tiến trình / extraction crashed its worker process")
            self.report.errors += 1
        else:
            self._submit_later.append(("extract", ids))

    def _restart(self) -> None:
        logger.warning("a worker process died; starting a new pool")
        self.report.worker_crashes += 1
        for future, (kind, ids) in list(self.in_flight.items()):
            future.cancel()
            self._after_crash(kind, ids)
        self.in_flight.clear()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self._start()
        again, self._submit_later = self._submit_later, []
        for kind, ids in again:
            self._submit(kind, ids)

    def _undispatched(self, engine: Engine) -> list[int]:
        with session_scope(engine) as session:
            return [i for i in repo.pending_page_ids(session) if i not in self.dispatched]

    def poll(self, engine: Engine, final: bool = False) -> None:
        """Take finished batches in, and hand queued pages not yet given out to the workers."""
        self._collect(block=False)
        if len(self.in_flight) >= self.limit:
            return
        pending = self._undispatched(engine)
        # during the crawl, full batches unless the queue is short; at the end, what is left in
        # smaller batches so that the workers finish together
        size = self.batch_size if not final else max(4, min(self.batch_size, -(-len(pending) // self.limit)))
        while pending and len(self.in_flight) < self.limit and (final or len(pending) >= self.batch_size
                                                                or not self.in_flight):
            batch, pending = pending[:size], pending[size:]
            self.dispatched.update(batch)
            self._submit("extract", batch)

    def drain(self, engine: Engine) -> PoolReport:
        """Work until nothing queued is left to give out and every batch has come back."""
        while True:
            self.poll(engine, final=True)
            if self.in_flight:
                self._collect(block=True)
            elif not self._undispatched(engine):
                return self.report

    def analyse_waiting(self, engine: Engine, batch_size: int) -> PoolReport:
        """Analyse every article still waiting, in batches spread over the workers."""
        given: set[int] = set()
        while True:
            if len(self.in_flight) < self.limit:
                with session_scope(engine) as session:
                    ids = [i for i in repo.waiting_article_ids(session, batch_size * self.limit) if i not in given]
                for start in range(0, len(ids), batch_size):
                    batch = ids[start:start + batch_size]
                    given.update(batch)
                    self._submit("analyse", batch)
                if not ids and not self.in_flight:
                    return self.report
            self._collect(block=True)
