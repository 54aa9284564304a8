"""A growing news web for the daemon soak (bench.daemon_soak): many sites whose RSS feeds gain articles over time.

`SoakWeb(sites, hour_s)` builds, from real VNTC texts (bench.vntc_text), a publication schedule per site: a backlog
of 20 articles from the day before, then 0-3 new ones each simulated hour for 24 simulated hours (seeded). One
simulated hour lasts `hour_s` wall seconds from `start()`. Each feed lists the site's latest 20 published articles;
an article page answers 404 until its publication time. About 1 in 20 articles mentions Hải Dương. Site `s01`
answers 500 half the time, site `s02` sleeps 1-2 s before each article page. The server records how often each
article path was listed by a feed answering 200 (`announced`) and how often its page answered 200 (`fetched`).
"""

from __future__ import annotations

import html
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.vntc_text import DEFAULT_DATA, fold, read_articles, slugify, split_article

ICT = timezone(timedelta(hours=7))
BACKLOG = 20
FEED_ITEMS = 20
HOURS = 24
FLAKY, SLOW = 1, 2  # site numbers: 500 half the time; 1-2 s per article page
_KINDS = ["domestic", "domestic", "foreign", "overseas_vietnamese", "blog"]
_WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
_SECTIONS = {"Chinh tri Xa hoi": ("thoi-su", "Thời sự"), "Doi song": ("doi-song", "Đời sống"),
             "Khoa hoc": ("khoa-hoc", "Khoa học"), "Kinh doanh": ("kinh-doanh", "Kinh doanh"),
             "Phap luat": ("phap-luat", "Pháp luật"), "Suc khoe": ("suc-khoe", "Sức khỏe"),
             "The gioi": ("the-gioi", "Thế giới"), "The thao": ("the-thao", "Thể thao"),
             "Van hoa": ("van-hoa", "Văn hóa"), "Vi tinh": ("so-hoa", "Số hóa")}
_AUTHORS = ["Minh Anh", "Thu Trang", "Hoàng Long", "Ngọc Hân", "Quốc Việt", "Lan Phương", "Đức Trung"]


@dataclass
class Story:
    """One article of one site, published `hour` simulated hours after the start (negative: the backlog)."""

    site: int
    path: str
    title: str
    lead: str
    paras: list[str]
    section: tuple[str, str]
    hour: float
    author: str
    province: bool


def _long_enough(rec: dict[str, Any]) -> bool:
    """A text with at least two paragraphs and 400 characters after the title and lead."""
    _, _, paras = split_article(rec["text"])
    return len(paras) >= 2 and len(" ".join(paras)) >= 400


def site_id(site: int) -> str:
    """The source id (and path prefix) of site number `site`."""
    return f"s{site:02d}"


class SoakWeb:
    """The fixture web of the soak on 127.0.0.1: `start()` starts the server and the simulated clock."""

    def __init__(self, sites: int, hour_s: float, seed: int = 7, data_dir: Path = DEFAULT_DATA) -> None:
        rng = random.Random(seed)
        self.sites, self.hour_s = sites, hour_s
        counts = [[rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0] for _ in range(HOURS)] for _ in range(sites)]
        total = sites * BACKLOG + sum(map(sum, counts))
        prov, plain = read_articles(Path(data_dir), total * 3 // 2, True, rng)
        prov, plain = [r for r in prov if _long_enough(r)], [r for r in plain if _long_enough(r)]
        if len(plain) < total or not prov:
            raise ValueError(f"only {len(plain)} usable VNTC articles for {total} stories")
        rng.shuffle(plain)
        seen: set[str] = set()
        self.stories: dict[str, Story] = {}
        self.by_site: list[list[Story]] = [[] for _ in range(sites)]
        n_prov = 0
        for site in range(sites):
            hours = sorted([-BACKLOG + i + rng.random() for i in range(BACKLOG)]
                           + [h + rng.random() for h in range(HOURS) for _ in range(counts[site][h])])
            for hour in hours:
                province = rng.random() < 0.05
                rec = prov[n_prov % len(prov)] if province else plain.pop()
                title, lead, paras = split_article(rec["text"])
                if province:
                    n_prov += 1
                    if n_prov > len(prov):
                        title = f"{title} (kỳ {n_prov // len(prov) + 1})"
                stem, n = title, 1
                while fold(title) in seen:
                    n += 1
                    title = f"{stem} (bài {n})"
                seen.add(fold(title))
                section = _SECTIONS.get(rec["label"], ("thoi-su", "Thời sự"))
                path = f"/{site_id(site)}/{section[0]}/{slugify(title)}-{len(self.stories) + 100001}.html"
                story = Story(site, path, title, lead, paras, section, hour, rng.choice(_AUTHORS), province)
                self.stories[path] = story
                self.by_site[site].append(story)
        self.announced: Counter[str] = Counter()  # article path → feed answers (200) that listed it
        self.fetched: Counter[str] = Counter()  # article path → answers 200
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._rng = random.Random(seed + 1)
        self._t0, self._serving = 0.0, False
        self.sim_start = datetime.now(ICT).replace(microsecond=0) - timedelta(hours=HOURS)
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.web = self
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ------------------------------------------------------------------ time and content

    def sim_hour(self) -> float:
        """Simulated hours since the start (0 before `start()`)."""
        return (time.monotonic() - self._t0) / self.hour_s if self._t0 else 0.0

    def when(self, hour: float) -> datetime:
        """The Vietnam time of simulated hour `hour` (the last one ends now)."""
        return (self.sim_start + timedelta(hours=hour)).replace(microsecond=0)

    def published(self, until: float | None = None) -> list[Story]:
        """Every story published by simulated hour `until` (default: now)."""
        until = self.sim_hour() if until is None else until
        return [s for s in self.stories.values() if s.hour <= until]

    def feed_urls(self, site: int) -> list[str]:
        """The site's feed address."""
        return [f"{self.base}/{site_id(site)}/rss/tin-moi-nhat.rss"]

    def source_configs(self, interval_minutes: float) -> list[dict[str, Any]]:
        """Every site as an enabled entry of a sources YAML."""
        return [{"id": site_id(i), "name": f"Báo Thử Nghiệm {i:02d}", "kind": _KINDS[i % len(_KINDS)], "lang": "vi",
                 "feeds": self.feed_urls(i), "interval_minutes": interval_minutes, "enabled": True,
                 "prior": round(0.5 - (i % 5) * 0.25, 2)} for i in range(self.sites)]

    def feed(self, site: int) -> bytes:
        """The RSS 2.0 feed of a site: its latest published stories, newest first."""
        now = self.sim_hour()
        latest = sorted((s for s in self.by_site[site] if s.hour <= now), key=lambda s: s.hour)[-FEED_ITEMS:][::-1]
        e = html.escape
        items = "".join(f"<item><title>{e(s.title)}</title><link>{self.base}{s.path}</link><guid isPermaLink=\"true\">"
                        f"{self.base}{s.path}</guid><pubDate>{format_datetime(self.when(s.hour))}</pubDate>"
                        f"<description>{e(s.lead)}</description></item>\n" for s in latest)
        built = format_datetime(self.when(latest[0].hour if latest else now))
        with self._lock:
            self.announced.update(s.path for s in latest)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Báo Thử Nghiệm '
                f'{site:02d} - Tin mới nhất</title><link>{self.base}/{site_id(site)}/</link><description>Tin mới nhất'
                f'</description><language>vi</language><lastBuildDate>{built}</lastBuildDate>\n{items}</channel>'
                f'</rss>\n').encode()

    def page(self, story: Story) -> bytes:
        """An article page: head metadata, navigation, title, date line, lead, paragraphs, related links, footer."""
        e, when = html.escape, self.when(story.hour)
        url, iso, prefix = self.base + story.path, when.isoformat(), f"{self.base}/{site_id(story.site)}"
        dateline = f"{_WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y %H:%M} (GMT+7)"
        nav = "".join(f'<li><a href="{prefix}/{slug}/">{e(name)}</a></li>' for slug, name in _SECTIONS.values())
        related = [s for s in self.by_site[story.site] if s.hour < story.hour][-4:]
        rel = "".join(f'<li><a href="{self.base}{s.path}">{e(s.title)}</a></li>' for s in related)
        body = "".join(f"<p>{e(p)}</p>\n" for p in story.paras)
        return (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>{e(story.title)} - Báo Thử '
                f'Nghiệm {story.site:02d}</title><meta name="description" content="{e(story.lead[:160])}">'
                f'<meta property="og:title" content="{e(story.title)}"><meta property="article:published_time" '
                f'content="{iso}"><link rel="canonical" href="{url}"></head>\n<body><header><a href="{prefix}/">'
                f'Báo Thử Nghiệm {story.site:02d}</a><nav><ul>{nav}</ul></nav></header>\n<main><article>'
                f'<ul class="breadcrumb"><li><a href="{prefix}/{story.section[0]}/">{e(story.section[1])}</a></li>'
                f'</ul>\n<h1 class="title-detail">{e(story.title)}</h1>\n<span class="date">{dateline}</span>\n'
                f'<p class="description"><strong>{e(story.lead)}</strong></p>\n<div class="fck_detail">\n{body}'
                f'</div>\n<p class="author"><strong>{e(story.author)}</strong></p></article>\n<section class="related">'
                f'<h2>Tin liên quan</h2><ul>{rel}</ul></section></main>\n<footer><p>© Báo Thử Nghiệm '
                f'{story.site:02d}. Giấy phép số {100 + story.site}/GP-BTTTT.</p></footer></body></html>\n').encode()

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a request path; records what was announced and fetched."""
        if path == "/robots.txt":
            return 200, b"User-agent: *\nAllow: /\n", "text/plain"
        match = re.fullmatch(r"/s(\d+)/(.*)", path)
        site = int(match.group(1)) if match else -1
        if not match or site >= self.sites:
            return 404, b"", "text/html"
        is_feed = match.group(2) == "rss/tin-moi-nhat.rss"
        kind = "feed" if is_feed else "page"
        with self._lock:
            fail = site == FLAKY and self._rng.random() < 0.5
            pause = self._rng.uniform(1, 2) if site == SLOW and not is_feed else 0.0
        if pause:
            time.sleep(pause)
        story = self.stories.get(path)
        if fail:
            status, body, ctype = 500, b"<h1>500 Internal Server Error</h1>", "text/html"
        elif is_feed:
            status, body, ctype = 200, self.feed(site), "application/rss+xml"
        elif story is not None and story.hour <= self.sim_hour():
            status, body, ctype = 200, self.page(story), "text/html"
            with self._lock:
                self.fetched[path] += 1
        else:
            status, body, ctype = 404, b"<h1>404</h1>", "text/html"
        with self._lock:
            self.requests[f"{kind}_{status}"] += 1
        return status, body, ctype

    # ------------------------------------------------------------------ the server

    def start(self) -> SoakWeb:
        """Serve, and start the simulated clock."""
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self._t0 = time.monotonic()
        self._serving = True
        return self

    def __enter__(self) -> SoakWeb:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._serving:
            self._httpd.shutdown()
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    web: SoakWeb


class _Handler(BaseHTTPRequestHandler):
    """GET only, HTTP/1.1 keep-alive, no access log."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No access log."""

    def do_GET(self) -> None:  # noqa: N802
        status, body, ctype = self.server.web.answer(self.path.split("?", 1)[0])
        self.send_response(status)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
