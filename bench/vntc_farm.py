"""A realistic local news web for crawl benchmarks: real VNTC articles as Vietnamese news pages behind RSS feeds.

    .venv/bin/python -m bench.vntc_farm [--pages 50] [--feeds 2] [--server auto|nginx|python] [--province-share 0.01]

Benchmarks use `VntcFarm` as a context manager; `main` starts one, prints base URL, feed URLs and server kind
as one JSON line, checks that a feed and a page answer 200, and exits. This module holds the farm, the page
layouts, the feeds and the servers; the articles come from bench.vntc_text, which reads <data>/vntc/test.jsonl.gz
in place. `expected` maps each page path to (title, lead and paragraphs joined by newlines) as put into the page:
the ground truth for extraction F1. `province_paths` are the pages that mention Hải Dương; no other page names
the province or its districts. nginx serves the files when installed, else a Python server.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.vntc_text import DEFAULT_DATA, PROVINCE, fold, read_articles, slugify, split_article

ICT = timezone(timedelta(hours=7))
_SECTIONS = {"Chinh tri Xa hoi": ("thoi-su", "Thời sự"), "Doi song": ("doi-song", "Đời sống"),
             "Khoa hoc": ("khoa-hoc", "Khoa học"), "Kinh doanh": ("kinh-doanh", "Kinh doanh"),
             "Phap luat": ("phap-luat", "Pháp luật"), "Suc khoe": ("suc-khoe", "Sức khỏe"),
             "The gioi": ("the-gioi", "Thế giới"), "The thao": ("the-thao", "Thể thao"),
             "Van hoa": ("van-hoa", "Văn hóa"), "Vi tinh": ("so-hoa", "Số hóa")}
_EXTRA_NAV = [("giao-duc", "Giáo dục"), ("du-lich", "Du lịch"), ("oto-xe-may", "Xe"), ("bat-dong-san", "Bất động sản"),
              ("y-kien", "Ý kiến")]
_SUBS = ["Tin nóng", "Phóng sự", "Góc nhìn", "Hồ sơ", "Chuyển động"]
_WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
_AUTHORS = ["Minh Anh", "Thu Trang", "Hoàng Long", "Ngọc Hân", "Quốc Việt", "Lan Phương", "Đức Trung", "Bảo Ngọc"]
_READERS = ["Trần Hữu Phước", "Lê Thị Mai", "Nguyễn Văn Tâm", "Phạm Quang Huy", "Đỗ Thu Hà", "Vũ Minh Khôi"]
_COMMENTS = ["Bài viết rất hữu ích, cảm ơn tác giả.", "Mong cơ quan chức năng sớm vào cuộc làm rõ.",
             "Thông tin cần được cập nhật thêm.", "Đọc xong thấy rất đáng suy nghĩ.",
             "Ủng hộ cách làm này, nên nhân rộng ra nhiều nơi.", "Không biết bao giờ mới giải quyết dứt điểm?"]
_OPENERS = ["Cập nhật lần {n}:", "Tổng hợp kỳ {n}:", "Nhìn lại (phần {n}):", "Ghi nhận số {n}:", "Điểm tin {n}:"]
_CSS_PARTS = ["header", "logo", "nav", "menu", "sub", "breadcrumb", "title", "date", "sapo", "content", "author",
              "related", "item", "thumb", "sidebar", "box", "banner", "comment", "footer", "social", "tag", "btn"]
_SKINS: list[dict[str, Any]] = [
    {"outlet": "Nhịp Sống Số", "p": "nss", "body": "fck_detail", "h1": "title-detail", "lead": "description",
     "related": "Tin liên quan", "popular": "Đọc nhiều", "nav": 12, "side_first": False, "date": 0,
     "addr": "Tầng 9, tòa nhà Tân Hoàng, 17 Duy Tân, Cầu Giấy, Hà Nội", "phone": "024 7300 8899",
     "art": "article", "lead_tag": "p", "p_tag": '<p class="Normal">', "time": False},
    {"outlet": "Tuổi Xanh Online", "p": "txo", "body": "detail-content afcbc-body", "h1": "detail-title article-title",
     "lead": "detail-sapo", "related": "Tin cùng chuyên mục", "popular": "Xem nhiều", "nav": 14, "side_first": True,
     "date": 1, "addr": "60A Hoàng Văn Thụ, phường 9, quận Phú Nhuận, TP.HCM", "phone": "028 3997 1010",
     "art": "div", "lead_tag": "h2", "p_tag": "<p>", "time": True},
    {"outlet": "Báo Thanh Âm", "p": "bta", "body": "detail__content", "h1": "detail__title", "lead": "detail__summary",
     "related": "Tin liên quan", "popular": "Đọc nhiều nhất", "nav": 15, "side_first": False, "date": 2,
     "addr": "268 - 270 Nguyễn Đình Chiểu, phường Võ Thị Sáu, quận 3, TP.HCM", "phone": "028 3930 5050",
     "art": "article", "lead_tag": "div", "p_tag": '<p dir="ltr">', "time": True},
    {"outlet": "Người Công Nhân", "p": "ncn", "body": "content-news-detail", "h1": "title-content",
     "lead": "sapo-detail", "related": "Bài liên quan", "popular": "Tin đọc nhiều", "nav": 11, "side_first": True,
     "date": 3, "addr": "123 Phạm Văn Đồng, phường Bình Thạnh, TP.HCM", "phone": "028 3930 6262",
     "art": "div", "lead_tag": "h2", "p_tag": '<p style="text-align: justify;">', "time": False},
]
_JS = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());"
       "gtag('config','G-@P@7Q2X9',{page_path:location.pathname,content_group:'@SEC@'});\n(function(w,d,s,l,i){w[l]="
       "w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],"
       "j=d.createElement(s);j.async=true;j.src='/static/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,"
       "document,'script','dataLayer','GTM-@P@');\nvar _pageInfo={articleId:@ID@,category:'@SEC@',publishTime:'@TIME@',"
       "type:'article',device:(/Mobi|Android/i.test(navigator.userAgent)?'mobile':'desktop')};\n(function(){var q=[],"
       "ready=false;window.adsQueue=function(f){ready?f():q.push(f);};document.addEventListener('DOMContentLoaded',"
       "function(){ready=true;while(q.length){try{q.shift()();}catch(e){console.warn(e);}}});})();")
_NGINX_CONF = """{user}daemon off; master_process on; worker_processes 1;
pid {tmp}/nginx.pid; error_log {tmp}/error.log error;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; application/rss+xml rss; text/plain txt; }}
    default_type application/octet-stream; charset utf-8; charset_types application/rss+xml text/plain;
    access_log off; sendfile on; tcp_nopush on; keepalive_requests 10000; keepalive_timeout 65;
    etag off; if_modified_since off;  # as the Python server: every crawl gets full answers, never 304
    {temps}
    server {{ listen 127.0.0.1:{port}; root {tmp}/www; location / {{ try_files $uri =404; }} }}
}}
"""


@dataclass
class _Page:
    """One article page of the farm."""

    path: str
    title: str
    lead: str
    paras: list[str]
    section: tuple[str, str]
    when: datetime
    author: str
    province: bool
    id: int
    feed: int = 0


def _when(rng: random.Random) -> datetime:
    """A publication time in 2026 (until the end of November), Vietnam time."""
    return datetime(2026, 1, 1, 7, tzinfo=ICT) + timedelta(days=rng.randrange(333), minutes=rng.randrange(15 * 60))


def _dateline(when: datetime, style: int) -> str:
    """The date line as each outlet writes it."""
    day, hm = when.strftime("%d/%m/%Y"), when.strftime("%H:%M")
    return [f"{_WEEKDAYS[when.weekday()]}, {day} {hm} (GMT+7)", f"{day} {hm} GMT+7", f"{hm} - {day}",
            f"{_WEEKDAYS[when.weekday()]}, ngày {day} - {hm}"][style]


def _css(p: str) -> str:
    """A site stylesheet of realistic size, one per outlet."""
    rules = ["*{box-sizing:border-box}body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#222;background:#fff}"]
    for i, part in enumerate(_CSS_PARTS):
        for j, state in enumerate(("", ":hover", " a", " img", "__inner", "--mobile")):
            rules.append(f".{p}-{part}{state}{{margin:{i % 5 * 4}px 0 {j * 4}px;padding:{i % 4 * 2}px {j * 3}px;"
                         f"color:#{(i * 7919 + j * 104729) % 0xFFFFFF:06x};font-size:{12 + (i + j) % 9}px;"
                         f"line-height:1.{4 + j % 4};display:{('block', 'flex', 'inline-block')[(i + j) % 3]}}}")
    rules.append(f"@media (max-width:767px){{.{p}-sidebar{{display:none}}.{p}-nav{{overflow-x:auto}}}}")
    return "\n".join(rules)


class VntcFarm:
    """N real VNTC articles as news pages behind RSS 2.0 feeds on 127.0.0.1, served by nginx or Python."""

    def __init__(self, pages: int = 2000, feeds: int = 20, province_share: float = 0.01,
                 data_dir: Path = DEFAULT_DATA, seed: int = 13, server: str = "auto") -> None:
        if server not in ("auto", "nginx", "python"):
            raise ValueError(f"server must be auto, nginx or python, not {server!r}")
        rng = random.Random(seed)
        n_prov = min(pages, max(1, round(pages * province_share))) if province_share > 0 else 0
        prov_recs, plain_recs = read_articles(Path(data_dir), pages - n_prov, n_prov > 0, rng)
        if n_prov and not prov_recs:
            raise ValueError(f"no article in {data_dir} mentions {PROVINCE}")
        rng.shuffle(plain_recs)
        rng.shuffle(prov_recs)
        chosen = [(rec, 0, False) for rec in plain_recs[:pages - n_prov]]
        chosen += [(prov_recs[i % len(prov_recs)], i // len(prov_recs), True) for i in range(n_prov)]
        rng.shuffle(chosen)
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
        if server == "nginx" and not nginx:
            raise RuntimeError("nginx is not installed")
        self.server_kind = "nginx" if nginx and server in ("auto", "nginx") else "python"
        self._nginx = nginx or ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._httpd: _Server | None = None
        if self.server_kind == "python":
            self._httpd = _Server(("127.0.0.1", 0), _Handler)
            self._port = self._httpd.server_address[1]
        else:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self._port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self._port}"
        self._build(chosen, feeds, rng)

    def _build(self, chosen: list[tuple[dict, int, bool]], feeds: int, rng: random.Random) -> None:
        """Render every page, feed and robots.txt."""
        seen: set[str] = set()
        items: list[_Page] = []
        ids = rng.sample(range(100_000, 10_000_000), len(chosen))
        for (rec, cycle, province), pid in zip(chosen, ids, strict=True):
            title, lead, paras = split_article(rec["text"])
            if cycle:  # a province article used again: another title and lead sentence
                opener = _OPENERS[cycle % len(_OPENERS)].format(n=cycle + 1)
                title, lead = f"{title} (kỳ {cycle + 1})", f"{opener} {lead}"
            stem, n = title, 1
            while " ".join(re.findall(r"\w+", fold(title))) in seen:
                n += 1
                title = f"{stem} (bài {n})"
            seen.add(" ".join(re.findall(r"\w+", fold(title))))
            section = _SECTIONS.get(rec["label"], ("thoi-su", "Thời sự"))
            items.append(_Page(f"/{section[0]}/{slugify(title)}-{pid}.html", title, lead, paras, section, _when(rng),
                               rng.choice(_AUTHORS), province, pid))
        self.expected = {pg.path: (pg.title, "\n".join([pg.lead, *pg.paras])) for pg in items}
        self.province_paths = {pg.path for pg in items if pg.province}
        plain = [pg for pg in items if not pg.province] or items
        self.feed_urls = [f"{self.base}/rss/tin-moi-{f + 1}.rss" for f in range(feeds)]
        self.pages: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
        chrome = [self._chrome(skin) for skin in _SKINS]
        for f in range(feeds):
            part = items[f * len(items) // feeds:(f + 1) * len(items) // feeds]
            for pg in part:
                pg.feed = f
                pool = items if pg.province else plain
                picks = [o for o in rng.sample(pool, min(len(pool), 19)) if o is not pg]
                self.pages[pg.path] = self._render(pg, _SKINS[f % 4], chrome[f % 4], picks[:rng.randint(5, 8)],
                                                   picks[8:8 + rng.randint(5, 10)], rng).encode("utf-8")
            newest = sorted(part, key=lambda pg: pg.when, reverse=True)
            self.files[self.feed_urls[f][len(self.base):]] = self._rss(f, newest)
        self.files.update(self.pages)
        if self._httpd is not None:
            self._httpd.files = self.files

    def _chrome(self, s: dict) -> tuple[str, str, str]:
        """(stylesheet, header, footer) of one outlet."""
        p, e, base, name = s["p"], html.escape, self.base, html.escape(s["outlet"])
        nav = [*_SECTIONS.values(), *_EXTRA_NAV][:s["nav"]]
        menu = "".join(f'<li class="{p}-menu__item"><a href="{base}/{slug}/" title="{e(title)}">{e(title)}</a>'
                       f'<ul class="{p}-sub">' + "".join(f'<li><a href="{base}/{slug}/{slugify(sub)}/">{e(sub)}'
                                                f'</a></li>' for sub in _SUBS) + "</ul></li>\n" for slug, title in nav)
        header = (f'<header class="{p}-header"><div class="{p}-header__inner"><a class="{p}-logo" href="{base}/" title='
                  f'"{name}"><img src="{base}/static/logo-{p}.svg" alt="{name}" width="180" height="40"></a><div class='
                  f'"{p}-header__tools"><a href="{base}/tim-kiem">Tìm kiếm</a><a href="{base}/dang-nhap">Đăng nhập</a>'
                  f'</div></div><nav class="{p}-nav"><ul class="{p}-menu"><li class="{p}-menu__item home"><a href='
                  f'"{base}/">Trang chủ</a></li>\n{menu}</ul></nav></header>\n<div class="banner {p}-banner" '
                  f'data-slot="top-970x250"><span>Quảng cáo</span></div>\n')
        links = "".join(f'<li><a href="{base}/{slug}/">{e(title)}</a></li>' for slug, title in nav)
        footer = (f'<footer class="{p}-footer"><div class="{p}-footer__nav"><ul>{links}</ul></div><div class='
                  f'"{p}-footer__info"><p><strong>{name}</strong> - Cơ quan chủ quản: Công ty Cổ phần Truyền thông '
                  f'{name}</p><p>Tổng biên tập: Nguyễn Thành Công. Phó tổng biên tập: Lê Hải Yến, Trần Quốc Bảo</p>'
                  f'<p>Giấy phép số 548/GP-BTTTT do Bộ Thông tin và Truyền thông cấp ngày 24/08/2021</p><p>Địa chỉ: '
                  f'{e(s["addr"])}</p><p>Hotline: {s["phone"]} - Email: toasoan@{p}.example.vn</p><p>Liên hệ quảng '
                  f'cáo: 0909 123 456 - quangcao@{p}.example.vn</p><p>Chỉ được phát hành lại thông tin từ website này '
                  f'khi có sự đồng ý bằng văn bản của {name}.</p><p>© Copyright 1997-2026 {name}. All rights reserved.'
                  f'</p></div><div class="{p}-social"><a href="{base}/rss">RSS</a><a href="{base}/ung-dung">Ứng dụng '
                  f'di động</a><a href="{base}/lien-he">Liên hệ tòa soạn</a></div></footer>\n')
        return _css(p), header, footer

    def _render(self, pg: _Page, s: dict, chrome: tuple[str, str, str], related: list[_Page],
                popular: list[_Page], rng: random.Random) -> str:
        """One article page in the outlet's layout."""
        e, base, p, (css, header, footer) = html.escape, self.base, s["p"], chrome
        url, iso, desc, title = base + pg.path, pg.when.isoformat(), e(pg.lead[:160].rstrip()), e(pg.title)
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": pg.title,
                         "description": pg.lead[:300], "datePublished": iso, "dateModified": iso,
                         "mainEntityOfPage": url, "author": {"@type": "Person", "name": pg.author},
                         "publisher": {"@type": "Organization", "name": s["outlet"]}}, ensure_ascii=False)
        js = _JS.replace("@P@", p.upper()).replace("@SEC@", pg.section[0]).replace("@ID@", str(pg.id))
        head = (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content='
                f'"width=device-width, initial-scale=1">\n<title>{title} - {e(s["outlet"])}</title>\n<meta name='
                f'"description" content="{desc}">\n<meta property="og:site_name" content="{e(s["outlet"])}">\n<meta '
                f'property="og:title" content="{title}">\n<meta property="og:type" content="article">\n<meta property='
                f'"og:url" content="{url}">\n<meta property="og:description" content="{desc}">\n<meta property='
                f'"og:image" content="{base}/img/{pg.id}.jpg">\n<meta property="article:published_time" content='
                f'"{iso}">\n<meta property="article:section" content="{e(pg.section[1])}">\n<link rel="canonical" '
                f'href="{url}">\n<link rel="alternate" type="application/rss+xml" href="{self.feed_urls[pg.feed]}">\n'
                f'<style>\n{css}\n</style>\n<script>{js.replace("@TIME@", iso)}</script>\n<script type='
                f'"application/ld+json">{ld.replace("</", "<" + chr(92) + "/")}</script>\n</head>\n')
        crumbs = (f'<ul class="{p}-breadcrumb"><li><a href="{base}/">Trang chủ</a></li><li><a href="{base}/'
                  f'{pg.section[0]}/">{e(pg.section[1])}</a></li></ul>\n')
        body = "".join(f"{s['p_tag']}{e(t)}</p>\n" for t in pg.paras)
        art, lead_tag, dateline = s["art"], s["lead_tag"], _dateline(pg.when, s["date"])
        date = f'<time datetime="{iso}">{dateline}</time>' if s["time"] else f'<span class="{p}-date">{dateline}</span>'
        article = (f'<{art} class="{p}-article"><h1 class="{s["h1"]}">{title}</h1>\n{date}\n<{lead_tag} class='
                   f'"{s["lead"]}"><strong>{e(pg.lead)}</strong></{lead_tag}>\n<div class="banner" data-slot="inread">'
                   f'</div>\n<div class="{s["body"]}">\n{body}</div>\n<p class="{p}-author"><strong>{e(pg.author)}'
                   f'</strong></p>\n<div class="{p}-tag">Từ khóa: <a href="{base}/chu-de/{slugify(pg.section[1])}">'
                   f'{e(pg.section[1])}</a></div></{art}>\n')
        rel = "".join(f'<li class="{p}-item"><a class="{p}-thumb" href="{base}{o.path}"><img data-src="{base}/img/'
                      f'{o.id}.jpg" alt="{e(o.title)}" width="180" height="108"></a><h3><a href="{base}{o.path}" '
                      f'title="{e(o.title)}">{e(o.title)}</a></h3></li>\n' for o in related)
        pop = "".join(f'<li><span class="{p}-rank">{k}</span><a href="{base}{o.path}">{e(o.title)}</a></li>\n'
                      for k, o in enumerate(popular, 1))
        comments = "".join(f'<div class="{p}-comment__item"><p><span class="{p}-comment__name">'
                           f'{e(rng.choice(_READERS))}</span> {e(rng.choice(_COMMENTS))}</p><span class='
                           f'"{p}-comment__time">{rng.randint(1, 23)} giờ trước</span> <a class="{p}-btn" href="#">'
                           f'Thích</a></div>\n' for _ in range(rng.randint(0, 3)))
        side = (f'<aside class="{p}-sidebar"><div class="banner" data-slot="right-300x600"></div><div class="{p}-box">'
                f'<h2>{s["popular"]}</h2><ol>{pop}</ol></div><div class="banner" data-slot="right-300x250"></div>'
                f'</aside>\n')
        main = (f'<main class="{p}-content">{crumbs}{article}<section class="{p}-related"><h2>{s["related"]}</h2><ul>'
                f'{rel}</ul></section>\n<section class="{p}-comment"><h2>Ý kiến bạn đọc</h2>{comments}<form '
                f'class="{p}-comment__form"><textarea placeholder="Ý kiến của bạn"></textarea><button>Gửi bình luận'
                f'</button></form></section></main>\n')
        layout = side + main if s["side_first"] else main + side
        return (f'{head}<body class="{p}-page">\n{header}<div class="{p}-container">{layout}</div>\n<div class='
                f'"banner" data-slot="footer-970x90"></div>\n{footer}<script>adsQueue(function(){{}});</script>\n'
                f'</body>\n</html>\n')

    def _rss(self, f: int, part: list[_Page]) -> bytes:
        """One RSS 2.0 feed listing its share of the pages, newest first."""
        e, base = html.escape, self.base
        items = "".join(f'<item><title>{e(pg.title)}</title><link>{base}{pg.path}</link><guid isPermaLink="true">'
                        f'{base}{pg.path}</guid><pubDate>{format_datetime(pg.when)}</pubDate><description>'
                        f'{e(pg.lead)}</description></item>\n' for pg in part)
        built = format_datetime(max((pg.when for pg in part), default=datetime(2026, 1, 1, tzinfo=ICT)))
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>'
                f'{e(_SKINS[f % 4]["outlet"])} - Tin mới {f + 1}</title><link>{base}/</link><description>Tin mới nhất'
                f'</description><language>vi</language><lastBuildDate>{built}</lastBuildDate>\n{items}</channel></rss>\n'
                ).encode()

    def __enter__(self) -> VntcFarm:
        """Start the server: a thread for the Python one, else nginx on the files written to a temporary directory."""
        if self._httpd is not None:
            threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
            return self
        if self.server_kind == "python":
            raise RuntimeError("a farm on the Python server can be entered once")
        self._tmp = tmpdir = tempfile.TemporaryDirectory(prefix="vntc-farm-")
        tmp = Path(tmpdir.name)
        for path, body in self.files.items():
            (tmp / "www" / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "www" / path.lstrip("/")).write_bytes(body)
        built = subprocess.run([self._nginx, "-V"], capture_output=True, text=True).stderr
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # skip the modules this build lacks
        temps = " ".join(f"{kind}_temp_path {tmp}/{kind};" for kind in kinds
                         if kind == "client_body" or f"--without-http_{kind}_module" not in built)
        (tmp / "nginx.conf").write_text(_NGINX_CONF.format(user="user root;\n" if os.geteuid() == 0 else "", tmp=tmp,
                                                           temps=temps, port=self._port))
        command = [self._nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")]
        self._proc = proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self._port), timeout=0.5).close()
                return self
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (tmp / "error.log").read_text(errors="replace") if (tmp / "error.log").exists() else ""
                    self.__exit__()
                    raise RuntimeError(f"nginx did not start: {log.strip()}") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        """Stop the server and remove the temporary files."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


class _Server(ThreadingHTTPServer):
    """Threaded server holding the farm's files, with a backlog for 32 concurrent connections."""

    daemon_threads = True
    request_queue_size = 256
    files: dict[str, bytes]


class _Handler(BaseHTTPRequestHandler):
    """Serves the farm's pre-rendered bytes over HTTP/1.1 keep-alive, without logging."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall between them
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No access log."""

    def do_GET(self) -> None:  # noqa: N802
        """The stored bytes of the path, or an empty 404."""
        path = self.path.split("?", 1)[0]
        body = self.server.files.get(path)
        ctype = {"rss": "application/rss+xml", "txt": "text/plain"}.get(path.rsplit(".", 1)[-1], "text/html")
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


def main() -> None:
    """Start a farm, print where it is, check that a feed and a page answer 200, stop."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--feeds", type=int, default=2)
    parser.add_argument("--province-share", type=float, default=0.01)
    parser.add_argument("--server", choices=["auto", "nginx", "python"], default="auto")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    with VntcFarm(args.pages, args.feeds, args.province_share, args.data, server=args.server) as farm:
        print(json.dumps({"base": farm.base, "feeds": farm.feed_urls, "server": farm.server_kind}), flush=True)
        for url in (farm.feed_urls[0], farm.base + next(iter(farm.pages))):
            with urllib.request.urlopen(url, timeout=10) as resp:
                if resp.status != 200:
                    raise SystemExit(f"{url}: HTTP {resp.status}")


if __name__ == "__main__":
    main()
