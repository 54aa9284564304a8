"""Daemon soak: a 24-hour run of `hdmonitor run` compressed in time, watching memory, open files and what is stored.

    .venv/bin/python -m bench.daemon_soak [--sources 40] [--minutes 10] [--database sqlite|postgresql]
        [--sample-seconds 5] [--stop-timeout 330] [--keep DIR] [--seed 7]

Time: `--minutes` of wall time stand for 24 hours, so one simulated hour lasts minutes*60/24 seconds (25 s for
10 minutes). The fixture web (bench.soak_web, 127.0.0.1) serves `--sources` sites whose RSS feeds grow: each has
a backlog of 20 articles and publishes 0-3 more per simulated hour (seeded); a feed lists its latest 20. Real
VNTC texts make the pages, about 1 in 20 names Hải Dương (so the models run on some); one site answers 500 half
the time, another sleeps 1-2 s per article page. Every site is an enabled source with `interval_minutes` of one
simulated hour, and HDM_MIN_INTERVAL_MINUTES is a tenth of it. (Should config/sources.py refuse the interval,
the smallest accepted value is used instead and `soak_config` says so.)

The real daemon runs as a subprocess on a fresh SQLite file or PostgreSQL schema. Every `--sample-seconds` the
bench reads /proc for the daemon and all its descendants (daemon RSS, RSS summed over the tree, the daemon's open
file descriptors and threads, descendant count) and asks /healthz and /metrics (hdm_queue_size). At the end it
sends SIGTERM, times the stop, and compares the database with what the web published: every article listed in
a feed that answered 200 should be stored once (`missing` counts those that are not). A daemon that has not
stopped after `--stop-timeout` seconds has its stacks dumped (py-spy) and is killed; its logs are then kept
(as with `--keep DIR`) and `soak_log` says where.

Prints one JSON line each: soak_config, soak_memory, soak_files, soak_result, soak_log, soak_verdict.
Warm-up ends at the first sample after 10 % of the run by which every source was collected once and an analysis
job finished (the daemon loads the models then; /metrics counts the runs). `steady_memory`: end daemon RSS ≤
1.25 × the RSS at that sample; `no_fd_growth`: end open fds ≤ the fds at that sample + 5.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bench.crawl_throughput import Database
from bench.soak_web import HOURS, SoakWeb
from config.settings import SettingsError
from config.sources import parse_sources
from pipeline.collect import subprocess_env
from store.db import make_engine, session_scope
from store.models import Analysis, Article, ArticleCheck, CrawlRun, JobRun, Quarantine

WARMUP_SHARE = 0.1
_QUEUE = re.compile(r'^hdm_queue_size\{queue="(\w+)"\} (\S+)$', re.M)
_RUNS = re.compile(r'^hdm_job_duration_seconds_count\{job="(\w+)"\} (\S+)$', re.M)
_LEVEL = re.compile(r"^\S+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): (.*)$")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _emit(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


@dataclass
class Sample:
    """One look at the daemon and its process tree."""

    t: float
    rss_mb: float
    tree_rss_mb: float
    fds: int
    threads: int
    descendants: int
    healthz: int
    queues: dict[str, float] = field(default_factory=dict)
    job_runs: dict[str, float] = field(default_factory=dict)  # finished runs by kind, from /metrics


def _interval(minutes: float) -> tuple[float, str | None]:
    """`minutes` if a sources file accepts it as `interval_minutes`, else the nearest accepted value and why."""
    probe = {"id": "probe", "name": "probe", "kind": "domestic", "lang": "vi", "feeds": ["http://127.0.0.1/"]}
    wanted = round(minutes, 4)
    try:
        parse_sources({"sources": [{**probe, "interval_minutes": wanted}]})
        return wanted, None
    except SettingsError as exc:
        reason = str(exc).split("interval_minutes: ", 1)[-1]
    for candidate in range(max(1, math.ceil(minutes)), 10081):
        try:
            parse_sources({"sources": [{**probe, "interval_minutes": candidate}]})
            return candidate, f"interval_minutes {wanted} refused by config/sources.py ({reason}); used {candidate}"
        except SettingsError:
            continue
    raise SystemExit("no interval_minutes is accepted by config/sources.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc/*/stat."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below `pid`."""
    tree, out, todo = _children(), [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _status(pid: int) -> dict[str, int]:
    """VmRSS (kB) and Threads of a process; empty when it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: int(v.split()[0]) for k, _, v in (ln.partition(":") for ln in lines) if k in ("VmRSS", "Threads")}


def _get(url: str) -> tuple[int, str]:
    try:
        with _NO_PROXY.open(url, timeout=15) as resp:
            return int(resp.status), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), ""
    except OSError:
        return 0, ""


def sample(pid: int, metrics: str, t: float) -> Sample:
    """RSS, fds, threads and descendants of the daemon; /healthz status and queue sizes."""
    own, kids = _status(pid), descendants(pid)
    tree_kb = own.get("VmRSS", 0) + sum(_status(k).get("VmRSS", 0) for k in kids)
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = 0
    health, _ = _get(f"http://{metrics}/healthz")
    code, text = _get(f"http://{metrics}/metrics")
    queues = {k: float(v) for k, v in _QUEUE.findall(text)} if code == 200 else {}
    runs = {k: float(v) for k, v in _RUNS.findall(text)} if code == 200 else {}
    return Sample(round(t, 1), round(own.get("VmRSS", 0) / 1024, 1), round(tree_kb / 1024, 1), fds,
                  own.get("Threads", 0), len(kids), health, queues, runs)


def _findings(url: str, web: SoakWeb) -> dict[str, Any]:
    """What the database holds, against what the web published, announced and served."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            urls = list(s.scalars(select(Article.url)))
            by_status = dict(s.execute(select(Article.status, func.count()).group_by(Article.status)).all())
            hashes = int(s.scalar(select(func.count(func.distinct(Article.url_hash)))) or 0)
            analysed = int(s.scalar(select(func.count(func.distinct(Analysis.article_id)))) or 0)
            relevant = int(s.scalar(select(func.count(Analysis.id)).where(Analysis.relevance != "none")) or 0)
            flagged = int(s.scalar(select(func.count(Analysis.id)).where(Analysis.flagged)) or 0)
            runs = list(s.execute(select(JobRun.job_id, JobRun.status, func.count())
                                  .group_by(JobRun.job_id, JobRun.status)).all())
            rechecked = [str(u)[len(web.base):] for u in s.scalars(select(ArticleCheck.url))]
            crawls = dict(s.execute(select(CrawlRun.status, func.count()).group_by(CrawlRun.status)).all())
            quarantine = dict(s.execute(select(Quarantine.reason, func.count()).group_by(Quarantine.reason)).all())
    except SQLAlchemyError as exc:
        return {"database_error": str(exc).splitlines()[0][:300]}
    finally:
        engine.dispose()
    stored = {u[len(web.base):] for u in urls if u.startswith(web.base)}
    published = {s.path for s in web.published(until=HOURS)}
    announced, fetched = set(web.announced), set(web.fetched)
    missing = announced - stored
    jobs: dict[str, Counter[str]] = {}
    failed: Counter[str] = Counter()
    for job_id, status, n in runs:
        jobs.setdefault(job_id.split(":", 1)[0], Counter())[status] += n
        if status not in ("ok", "skipped"):
            failed[f"{job_id} {status}"] += n
    return {
        "published": len(published), "published_about_province": sum(web.stories[p].province for p in published),
        "announced": len(announced), "fetched": len(fetched), "stored": len(urls),
        "stored_equals_announced_and_fetched": len(urls) == len(announced & fetched),
        "fetched_again": sorted(f"{p} x{n}" for p, n in web.fetched.items() if n > 1)[:5],
        "rechecked": rechecked[:5],
        "analysed": analysed, "articles_by_status": by_status, "relevant": relevant, "flagged": flagged,
        "missing": len(missing), "missing_by_site": dict(Counter(p.split("/")[1] for p in sorted(missing))),
        "missing_times_listed": sorted(web.announced[p] for p in missing),
        "missing_fetched_ok": len(missing & fetched),
        "stored_not_announced": len(stored - announced), "never_announced": len(published - announced),
        "duplicate_url_hash": len(urls) - hashes, "duplicate_url": len(urls) - len(set(urls)),
        "job_runs": {k: dict(v) for k, v in sorted(jobs.items())}, "job_runs_not_ok": dict(failed),
        "crawl_runs": crawls, "quarantine": quarantine, "requests": dict(sorted(web.requests.items())),
    }


def _log_findings(tmp: Path) -> dict[str, Any]:
    """Lines by level in the daemon's log (and its stdout/stderr), the distinct warnings and errors, tracebacks."""
    levels: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    tracebacks = 0
    files = sorted(tmp.glob("daemon.log*")) + [tmp / "daemon.out"]
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            tracebacks += line.startswith("Traceback")
            if match := _LEVEL.match(line):
                levels[match.group(1)] += 1
                if match.group(1) in ("WARNING", "ERROR", "CRITICAL"):
                    problems[f"{match.group(1)} {match.group(2)}: {re.sub(r'[0-9]+', 'N', match.group(3))[:160]}"] += 1
    crawl_errors = sum(ln.count(" ERROR: ") for p in tmp.rglob("crawl-*.log")
                       for ln in p.read_text(encoding="utf-8", errors="replace").splitlines())
    return {"lines_by_level": dict(levels), "tracebacks": tracebacks, "crawl_log_error_lines": crawl_errors,
            "problems": dict(problems.most_common(12))}


def _stacks(pid: int, out: Path) -> None:
    """The Python stacks (py-spy, when installed) and kernel wait channel of a process and its descendants."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    with out.open("a", encoding="utf-8") as fh:
        for p in [pid, *descendants(pid)]:
            wchan = Path(f"/proc/{p}/wchan").read_text() if Path(f"/proc/{p}/wchan").exists() else "?"
            fh.write(f"=== pid {p} wchan {wchan}\n")
            if spy:
                dump = subprocess.run([spy, "dump", "--pid", str(p)], capture_output=True, text=True, timeout=60)
                fh.write(dump.stdout + dump.stderr + "\n")


def _stop(daemon: subprocess.Popen[bytes], timeout: float, kept: Path) -> tuple[int, float, bool]:
    """SIGTERM, then wait; (exit code, seconds, killed). A daemon that does not stop has its stacks dumped."""
    t0 = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    try:
        return daemon.wait(timeout=timeout), round(time.monotonic() - t0, 1), False
    except subprocess.TimeoutExpired:
        kept.mkdir(parents=True, exist_ok=True)
        _stacks(daemon.pid, kept / "stacks.txt")
        daemon.kill()
        return daemon.wait(), round(time.monotonic() - t0, 1), True


def _keep(tmp: Path, kept: Path) -> None:
    """Copy the daemon's logs, its crawl logs and the sources file out of the temporary directory."""
    kept.mkdir(parents=True, exist_ok=True)
    for path in [*tmp.glob("daemon.*"), tmp / "sources.yaml", *tmp.rglob("crawl-*.log")]:
        if path.is_file():
            shutil.copy2(path, kept / path.name)


def run(args: argparse.Namespace) -> None:
    hour_s = args.minutes * 60 / HOURS
    interval, note = _interval(hour_s / 60)
    duration = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="hdm-soak-") as name, Database(args.database, Path(name)) as url, \
            SoakWeb(args.sources, hour_s, seed=args.seed) as web:
        tmp = Path(name)
        sources = tmp / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": web.source_configs(interval)}, allow_unicode=True),
                           encoding="utf-8")
        metrics = f"127.0.0.1:{_free_port()}"
        env = {**subprocess_env(), "HDM_DATABASE_URL": url, "HDM_ALLOW_PRIVATE_HOSTS": "true",
               "HDM_SCRAPY__DOWNLOAD_DELAY": "0", "HDM_SCRAPY__AUTOTHROTTLE_ENABLED": "false",
               "HDM_MIN_INTERVAL_MINUTES": f"{hour_s / 60 / 10:.5f}", "HDM_ANALYSE_INTERVAL_SECONDS": "2",
               "HDM_METRICS_ADDRESS": metrics, "HDM_LOG_FILE": str(tmp / "daemon.log")}
        env.pop("HDM_CONFIG_DIR", None)
        _emit(bench="soak_config", sources=args.sources, wall_minutes=args.minutes, simulated_hours=HOURS,
              simulated_hour_s=round(hour_s, 2), interval_minutes_wanted=round(hour_s / 60, 4),
              interval_minutes_used=interval, min_interval_minutes=float(env["HDM_MIN_INTERVAL_MINUTES"]),
              database=args.database, sample_seconds=args.sample_seconds, stories_scheduled=len(web.stories),
              note=note)
        web.start()
        with (tmp / "daemon.out").open("wb") as out:
            daemon = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--sources", str(sources)],
                                      env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
        samples: list[Sample] = []
        tree: set[int] = set()
        try:
            t0 = next_at = time.monotonic()
            while time.monotonic() - t0 < duration and daemon.poll() is None:
                samples.append(sample(daemon.pid, metrics, time.monotonic() - t0))
                tree.update(descendants(daemon.pid))
                next_at += args.sample_seconds
                time.sleep(max(0.0, next_at - time.monotonic()))
            early_exit = daemon.poll()
            kept = Path(args.keep or tempfile.mkdtemp(prefix="hdm-soak-kept-"))
            code, stop_s, killed = (_stop(daemon, args.stop_timeout, kept) if early_exit is None
                                    else (early_exit, 0.0, False))
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
        time.sleep(1)
        leftover = sorted(p for p in tree if Path(f"/proc/{p}").exists() and not _is_zombie(p))
        sim_hours = round(web.sim_hour(), 1)
        found = _findings(url, web)
        log = _log_findings(tmp)
        if args.keep or code != 0 or killed or early_exit is not None:
            _keep(tmp, kept)
            log["kept"] = str(kept)
        elif not args.keep:
            kept.rmdir()
        report(samples, duration, args.sources, found, log, code, stop_s, killed, early_exit, leftover, sim_hours)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _by_tenth(samples: list[Sample], duration: float, name: str) -> list[float]:
    """The value at the first sample of each tenth of the run, and at the end."""
    marks = [next((s for s in samples if s.t >= k * duration / 10), samples[-1]) for k in range(10)]
    return [getattr(s, name) for s in [*marks, samples[-1]]]


def report(samples: list[Sample], duration: float, sources: int, found: dict[str, Any], log: dict[str, Any], code: int,
           stop_s: float, killed: bool, early_exit: int | None, leftover: list[int], sim_hours: float) -> None:
    """The memory, files, result, log and verdict lines."""
    if not samples:
        _emit(bench="soak_result", error="no sample taken", exit_code=code, **found)
        return
    warm = next((s for s in samples if s.t >= WARMUP_SHARE * duration and s.job_runs.get("analyse", 0) >= 1
                 and s.job_runs.get("collect", 0) >= sources), samples[-1])
    end, after = samples[-1], [s for s in samples if s.t >= warm.t]
    peak = max(samples, key=lambda s: s.rss_mb)
    _emit(bench="soak_memory", samples=len(samples), warm_at_s=warm.t, daemon_rss_mb_warm=warm.rss_mb,
          daemon_rss_mb_peak=peak.rss_mb, daemon_rss_mb_peak_at_s=peak.t, daemon_rss_mb_end=end.rss_mb,
          tree_rss_mb_peak=max(s.tree_rss_mb for s in samples), tree_rss_mb_end=end.tree_rss_mb,
          daemon_rss_mb_min_after_warm=min(s.rss_mb for s in after),
          daemon_rss_mb_max_last_tenth=max(s.rss_mb for s in samples if s.t >= 0.9 * duration) if
          any(s.t >= 0.9 * duration for s in samples) else end.rss_mb,
          descendants_max=max(s.descendants for s in samples), descendants_end=end.descendants,
          daemon_rss_mb_by_tenth=_by_tenth(samples, duration, "rss_mb"))
    _emit(bench="soak_files", fds_min=min(s.fds for s in samples), fds_first=samples[0].fds,
          fds_first_after_warmup=warm.fds, fds_peak=max(s.fds for s in samples), fds_end=end.fds,
          fds_min_after_warm=min(s.fds for s in after), threads_first=samples[0].threads,
          threads_first_after_warmup=warm.threads, threads_peak=max(s.threads for s in samples),
          threads_end=end.threads, fds_by_tenth=_by_tenth(samples, duration, "fds"))
    up = next((i for i, s in enumerate(samples) if s.healthz == 200), len(samples))
    health = Counter(s.healthz for s in samples[up:])
    queues = {q: {"max": max(s.queues.get(q, 0.0) for s in samples), "end": end.queues.get(q)}
              for q in sorted({q for s in samples for q in s.queues})}
    _emit(bench="soak_result", simulated_hours_elapsed=sim_hours, **found, queues=queues,
          healthz_before_up=up, healthz_failures=sum(n for c, n in health.items() if c != 200),
          healthz_codes=dict(health), exited_early=early_exit is not None, stop_exit_code=code, stop_s=stop_s,
          stop_killed=killed, leftover_processes=len(leftover))
    _emit(bench="soak_log", **log)
    ratio = round(end.rss_mb / warm.rss_mb, 3) if warm.rss_mb else None
    _emit(bench="soak_verdict", steady_memory=ratio is not None and ratio <= 1.25, rss_end_over_warm=ratio,
          no_fd_growth=end.fds <= warm.fds + 5, fds_end_minus_warm=end.fds - warm.fds,
          missing=found.get("missing"), clean_stop=code == 0 and not killed and early_exit is None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sources", type=int, default=40, help="sites served and collected")
    parser.add_argument("--minutes", type=float, default=10, help="wall minutes standing for 24 hours")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sample-seconds", type=float, default=5)
    parser.add_argument("--stop-timeout", type=float, default=330, help="seconds to wait after SIGTERM")
    parser.add_argument("--keep", metavar="DIR", help="copy the daemon's logs here (always done, to a temporary "
                        "directory, when it does not stop cleanly)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.sources < 3:
        parser.error("--sources must be at least 3 (site 1 fails half the time, site 2 is slow)")
    run(args)


if __name__ == "__main__":
    main()
