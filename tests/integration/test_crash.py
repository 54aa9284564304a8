"""SIGKILL at random points (seeded; the seed is in every failure message): nothing lost, nothing doubled.

The crawl process, one extraction worker, the whole collect run (coordinator, workers and crawl),
and the analysis are each killed mid-work; a rerun must end with every demo article stored once,
nothing left on the queue, and every article analysed once.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml
from sqlalchemy import func, select

from pipeline.collect import crawl, crawl_command, prepare_job, subprocess_env
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, Page
from tests.conftest import test_settings


def _count(engine, model=Article) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(model.id))) or 0)


def _stored(engine) -> int:
    """Pages the crawl has stored: still queued, or already extracted into articles."""
    return _count(engine, Page) + _count(engine, Article)


def _kill_when(engine, process: subprocess.Popen, target: int, measure, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if measure(engine) >= target:
            break
        time.sleep(0.005)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return measure(engine)


def _seeded() -> tuple[random.Random, int]:
    seed = random.randrange(1_000_000)
    return random.Random(seed), seed


def _assert_all_once(engine, expected: int, why: str) -> None:
    with session_scope(engine) as s:
        total = s.scalar(select(func.count(Article.id)))
        distinct = s.scalar(select(func.count(func.distinct(Article.canonical_url))))
        incomplete = s.scalar(select(func.count(Article.id)).where(
            (Article.raw_html.is_(None)) | (Article.text == "") | (Article.title == "")))
        queued = s.scalar(select(func.count(Page.id)))
    assert (total, distinct, incomplete, queued) == (expected, expected, 0, 0), why


def _setup(url: str, demo_web):
    engine = make_engine(url)
    upgrade(engine)
    sources = [site.source_config(demo_web.base_url) for site in demo_web.sites.values()]
    return engine, sources, sum(len(s.articles) for s in demo_web.sites.values())


def test_sigkill_during_crawl_then_rerun_loses_and_doubles_nothing(sqlite_url, demo_web, tmp_path: Path):
    settings = test_settings(sqlite_url)
    engine, sources, expected = _setup(sqlite_url, demo_web)
    rng, seed = _seeded()
    killed_at = []
    for attempt in range(3):  # three kills at random points, each after more was stored
        workdir = tmp_path / f"job{attempt}"
        workdir.mkdir()
        _, job_file, _ = prepare_job(settings, engine, sources, workdir)
        before = _stored(engine)
        target = before + rng.randint(1, max(1, (expected - before) // 2))
        process = subprocess.Popen(crawl_command(job_file), env=subprocess_env(), start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed_at.append(_kill_when(engine, process, target, _stored))
    assert killed_at[-1] < expected, f"the kills came too late to test anything (seed {seed})"

    report = crawl(settings, engine, sources)
    assert report.status == "ok"
    _assert_all_once(engine, expected, f"seed {seed}, killed at {killed_at}")


def _worker_pids() -> list[int]:
    """This process's live children forked from it: the extraction workers (not the crawl subprocess)."""
    own = Path(f"/proc/{os.getpid()}/cmdline").read_bytes()
    pids = []
    children: list[str] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            children += (task / "children").read_text().split()
        except FileNotFoundError:  # a thread that ended while the list was read
            continue
    for pid in children:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if Path(f"/proc/{pid}/cmdline").read_bytes() == own and state not in ("Z", "X"):
                pids.append(int(pid))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return pids


def test_sigkill_of_an_extraction_worker_mid_run_loses_and_doubles_nothing(db_url, demo_web, monkeypatch):
    import pipeline.units

    # slow extraction down (the forked workers inherit this) so that the kill finds a worker at work
    extracted = pipeline.units._extracted
    monkeypatch.setattr(pipeline.units, "_extracted", lambda *a: (time.sleep(0.03), extracted(*a))[1])
    settings = test_settings(db_url).model_copy(update={"workers": 2, "extract_batch_size": 4})
    engine, sources, expected = _setup(db_url, demo_web)
    rng, seed = _seeded()
    target = rng.randint(1, expected // 2)
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if _count(engine) >= target:
                pids = _worker_pids()
                if pids:
                    victim = rng.choice(pids)
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
                    return
            time.sleep(0.002)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    report = crawl(settings, engine, sources)
    thread.join(timeout=5)
    assert killed, f"no worker was killed (seed {seed}, target {target})"
    assert report.status == "ok"
    assert report.work.worker_crashes >= 1, f"the pool did not notice the dead worker (seed {seed})"
    _assert_all_once(engine, expected, f"seed {seed}, killed after {target} articles")


def test_sigkill_of_the_whole_collect_run_then_rerun(sqlite_url, demo_web, tmp_path: Path):
    settings = test_settings(sqlite_url)
    engine, sources, expected = _setup(sqlite_url, demo_web)
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": [{**s, "enabled": True} for s in sources]},
                                           allow_unicode=True), encoding="utf-8")
    env = dict(subprocess_env(), HDM_DATABASE_URL=sqlite_url, HDM_ALLOW_PRIVATE_HOSTS="true",
               HDM_EXTRACT_BATCH_SIZE="4", HDM_SCRAPY__DOWNLOAD_DELAY="0", HDM_SCRAPY__AUTOTHROTTLE_ENABLED="false")
    rng, seed = _seeded()
    killed_at = []
    for _ in range(2):
        before = _count(engine)
        target = before + rng.randint(1, max(1, (expected - before) // 2))
        process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "crawl", "--once", "--sources",
                                    str(sources_file)], env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed_at.append(_kill_when(engine, process, target, _count))
    assert killed_at[-1] < expected, f"the kills came too late to test anything (seed {seed})"
    time.sleep(0.5)  # the crawl subprocess dies with its parent; give the kernel a moment
    report = crawl(settings, engine, sources)
    assert report.status == "ok"
    _assert_all_once(engine, expected, f"seed {seed}, killed at {killed_at}")


def test_sigkill_during_analysis_then_rerun_analyses_each_article_once(sqlite_url, demo_web, tmp_path: Path):
    settings = test_settings(sqlite_url)
    engine, sources, _ = _setup(sqlite_url, demo_web)
    crawl(settings, engine, sources)
    expected = _count(engine)
    env = dict(subprocess_env(), HDM_DATABASE_URL=sqlite_url, HDM_ANALYSE_BATCH_SIZE="4")
    command = [sys.executable, "-m", "pipeline.cli", "analyse"]
    rng, seed = _seeded()
    target = rng.randint(4, expected - 8)
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    partial = _kill_when(engine, process, target, lambda e: _count(e, Analysis))
    assert partial < expected, f"seed {seed}"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with session_scope(engine) as s:
        analyses = s.scalar(select(func.count(Analysis.id)))
        per_article = s.scalar(select(func.count(func.distinct(Analysis.article_id))))
        waiting = s.scalar(select(func.count(Article.id)).where(Article.status != "analysed"))
    assert (analyses, per_article, waiting) == (expected, expected, 0), f"seed {seed}"
