"""Kill the crawl and the analysis with SIGKILL at random points: nothing lost, nothing doubled."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from pipeline.collect import crawl, crawl_command, prepare_job, subprocess_env
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article
from tests.conftest import test_settings


def _count(engine, model=Article) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count(model.id))) or 0)


def _kill_when(engine, process: subprocess.Popen, target: int, model=Article, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if _count(engine, model) >= target:
            break
        time.sleep(0.01)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return _count(engine, model)


def test_sigkill_during_crawl_then_rerun_loses_and_doubles_nothing(sqlite_url, demo_web, tmp_path: Path):
    settings = test_settings(sqlite_url)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sources = [site.source_config(demo_web.base_url) for site in demo_web.sites.values()]
    expected = sum(len(s.articles) for s in demo_web.sites.values())
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    killed_at = []
    for attempt in range(3):  # three kills at random points, each after more was stored
        workdir = tmp_path / f"job{attempt}"
        workdir.mkdir()
        _, job_file, _ = prepare_job(settings, engine, sources, workdir)
        before = _count(engine)
        target = before + rng.randint(1, max(1, (expected - before) // 2))
        process = subprocess.Popen(crawl_command(job_file), env=subprocess_env(), start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed_at.append(_kill_when(engine, process, target))
    assert killed_at[-1] < expected, f"the kills came too late to test anything (seed {seed})"

    report = crawl(settings, engine, sources)
    assert report.status == "ok"
    with session_scope(engine) as s:
        total = s.scalar(select(func.count(Article.id)))
        distinct = s.scalar(select(func.count(func.distinct(Article.canonical_url))))
        incomplete = s.scalar(select(func.count(Article.id)).where(
            (Article.raw_html.is_(None)) | (Article.text == "") | (Article.title == "")))
    assert (total, distinct, incomplete) == (expected, expected, 0), f"seed {seed}, killed at {killed_at}"


def test_sigkill_during_analysis_then_rerun_analyses_each_article_once(sqlite_url, demo_web, tmp_path: Path):
    settings = test_settings(sqlite_url)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    sources = [site.source_config(demo_web.base_url) for site in demo_web.sites.values()]
    crawl(settings, engine, sources)
    expected = _count(engine)
    env = dict(subprocess_env(), HDM_DATABASE_URL=sqlite_url, HDM_ANALYSE_BATCH_SIZE="4")
    command = [sys.executable, "-m", "pipeline.cli", "analyse"]
    target = random.randint(4, expected - 8)
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    partial = _kill_when(engine, process, target, Analysis)
    assert partial < expected
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with session_scope(engine) as s:
        analyses = s.scalar(select(func.count(Analysis.id)))
        per_article = s.scalar(select(func.count(func.distinct(Analysis.article_id))))
        waiting = s.scalar(select(func.count(Article.id)).where(Article.status != "analysed"))
    assert (analyses, per_article, waiting) == (expected, expected, 0)
