"""Extraction quality of trafilatura's fast mode (with retry) against its fallbacks, on pages whose true text is known.

    .venv/bin/python -m bench.extract_quality [--pages 600] [--data ../shared/data] [--corpus vntc demo hostile]

Three corpora, all built in-process: the VNTC news farm (bench.vntc_farm: real articles in four outlet templates,
grouped by template as <css prefix>/<tag holding the lead>), the demo sites (grouped by site) and the articles the
hostile fixture web serves for storing (grouped by fixture site; decoded as the crawler decodes them). Modes:
fallbacks (trafilatura compares with its fallback extractors on every page) and fast_retry (what the project runs:
fast, redone with the fallbacks when the text is short). For each corpus and mode
one JSON line: mean, 10th percentile and minimum of the text's token F1, share of pages under F1 0.8 and without
text, title exact-match rate, share with a publication date, CPU ms per page, and the same per group and per length
band of the expected text. Then per corpus one summary line for each quicker mode: F1 lost and speed-up."""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.vntc_farm import DEFAULT_DATA, VntcFarm
from pipeline.demo.sites import load_sites
from pipeline.extract import Extracted, decode_html, extract

_WORD = re.compile(r"\w+")
_TEMPLATE = re.compile(r'<body class="(\w+)-page">')
_LEAD_TAG = re.compile(r'<(\w+) class="[^"]*"><strong>')
DEMO_BASE = "http://127.0.0.1:8765"
BANDS = ((1000, "text<1000"), (3000, "text<3000"), (float("inf"), "text>=3000"))


@dataclass(frozen=True)
class Case:
    """One page with the title and text put into it."""

    group: str
    url: str
    html: str
    title: str
    text: str


def tokens(text: str) -> Counter[str]:
    """Lower-cased NFC word tokens as a multiset."""
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def text_f1(got: str, want: str) -> float:
    """Token-level F1 of the extracted text against the expected one."""
    g, w = tokens(got), tokens(want)
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def same_title(got: str, want: str) -> bool:
    """Titles equal after NFC and whitespace folding."""
    return " ".join(unicodedata.normalize("NFC", got).split()) == " ".join(unicodedata.normalize("NFC", want).split())


def vntc_cases(pages: int, data: Path) -> Iterator[Case]:
    """The farm's article pages; the farm is built but never served."""
    farm = VntcFarm(pages=pages, feeds=4, data_dir=data, server="python")
    for path, body in farm.pages.items():
        page = body.decode("utf-8")
        prefix = m.group(1) if (m := _TEMPLATE.search(page)) else "?"
        lead = m.group(1) if (m := _LEAD_TAG.search(page, page.find("<h1"))) else "?"
        yield Case(f"{prefix}/{lead}", farm.base + path, page, *farm.expected[path])


def demo_cases() -> Iterator[Case]:
    """Every demo site's articles rendered as the demo server renders them."""
    for site in load_sites():
        for a in site.articles:
            yield Case(site.folder, DEMO_BASE + a.path, site.render_article(a, DEMO_BASE), a.title,
                       "\n".join([a.summary, *a.body]))


class _Request:
    """Just enough of a request handler to take one response from the hostile web without a socket."""

    def __init__(self, path: str, host: str) -> None:
        self.path, self.headers, self.wfile = path, {"Host": host}, io.BytesIO()
        self.status, self.sent = 0, dict[str, str]()

    def send_response(self, code: int) -> None:
        """Record the status."""
        self.status = code

    def send_header(self, key: str, value: str) -> None:
        """Record a header."""
        self.sent[key] = value

    def end_headers(self) -> None:
        """Nothing to flush."""


def hostile_cases() -> Iterator[Case]:
    """The hostile web's pages that the crawl tests expect stored, decoded with Scrapy's encoding choice."""
    from scrapy.http import HtmlResponse

    from tests.fixtures import hostile_web as hw

    web = hw.HostileWeb()
    vi, host = hw.VI_BODY, f"127.0.0.1:{web.port}"
    pages = [("pages", "good.html", "Hải Dương thu hút đầu tư", vi),
              ("pages", "good-2.html", "Khu công nghiệp Đại An mở rộng", vi + " Thêm một đoạn."),
              ("pages", "english.html", "Hai Duong draws investment", hw.EN_BODY),
              ("pages", "cp1258.html", "Tin Hải Dương (cp1258)", vi),
              ("pages", "meta-cp1258.html", "Tin Hải Dương (meta)", vi),
              ("pages", "conflicting-charset.html", "Tin Hải Dương (xung đột)", vi),
              ("pages", "bom.html", "Tin Hải Dương (BOM)", vi), ("pages", "nfd.html", "Tin Hải Dương (NFD)", vi),
              ("pages", "script.html", "Tin có mã độc", vi), ("pages", "vn-date.html", "Bài có ngày kiểu Việt", vi),
              ("pages", "future-date.html", "Bài ngày tương lai", vi)]
    wanted = [(g, f"/pages/{name}", host, title, text) for g, name, title, text in pages]
    wanted += [("pages", f"/syndicated/{w}.html", host, f"Tin chung{w}", vi * 2 + s)
               for w, s in (("a", " (Theo Báo A)"), ("b", " Nguồn: Báo B."))]
    post_id, slug, title, extra = hw.WP_REDIRECTED
    wanted += [("wp", f"/wp/2022/{m}/{s}/", host, t, f"{vi} {e}")
               for m, (s, t, e) in [*(("09", p) for p in hw.WP_POSTS), ("10", (slug, title, extra))]]
    wanted += [("www", f"/www-site/tin/{s}.html", web.www_host, t, f"{vi} {e}") for s, t, e in hw.WWW_ARTICLES]
    wanted += [("amp", f"/amp-site/amp/{s}.html", host, t, f"{vi} {e}") for s, t, e in hw.AMP_ARTICLES]
    wanted += [("amp", f"/amp-site/news/{s}.html", host, t, f"{vi} {e} Bài đầy đủ có thêm ảnh và bình luận.")
               for s, t, e in hw.AMP_ARTICLES]
    try:
        for group, path, at, title, text in wanted:
            req = _Request(path, at)
            web.handle(req)  # type: ignore[arg-type]
            if req.status != 200:
                raise RuntimeError(f"hostile web answered {req.status} for {path}")
            body, url = req.wfile.getvalue(), f"http://{at}{path}"
            encoding = HtmlResponse(url, body=body, headers={"Content-Type": req.sent["Content-Type"]}).encoding
            yield Case(group, url, decode_html(body, encoding), title, text)
    finally:
        web.httpd.server_close()


MODES: dict[str, Callable[[str, str], Extracted]] = {
    # trafilatura compares its result with its fallback extractors on every page
    "fallbacks": lambda html, url: extract(html, url, fast=False),
    # what the project runs: fast, redone with the fallbacks when the text is short (pipeline.extract)
    "fast_retry": lambda html, url: extract(html, url),
}
Row = tuple[Case, Extracted, float]


def band(case: Case) -> str:
    """The length band of the expected text."""
    return next(name for limit, name in BANDS if len(case.text) < limit)


def score(rows: list[Row]) -> dict[str, Any]:
    """Quality and speed figures of a set of extractions."""
    f1 = sorted(text_f1(got.text, case.text) for case, got, _ in rows)
    n = len(f1)
    return {"pages": n, "f1_mean": round(statistics.fmean(f1), 4),
            "f1_p10": round(statistics.quantiles(f1, n=10, method="inclusive")[0] if n > 1 else f1[0], 4),
            "f1_min": round(f1[0], 4), "f1_below_0_8": round(sum(v < 0.8 for v in f1) / n, 4),
            "no_text": round(sum(not got.text for _, got, _ in rows) / n, 4),
            "title_exact": round(sum(same_title(got.title, case.title) for case, got, _ in rows) / n, 4),
            "dated": round(sum(got.published_at is not None for _, got, _ in rows) / n, 4),
            "ms_per_page": round(1000 * sum(s for _, _, s in rows) / n, 2)}


def breakdown(rows: list[Row]) -> dict[str, Any]:
    """Figures overall, per template or site, and per length band of the expected text."""
    split = {"groups": lambda c: c.group, "lengths": band}
    return {**score(rows), **{name: {k: score([r for r in rows if key(r[0]) == k])
                                     for k in sorted({key(r[0]) for r in rows})} for name, key in split.items()}}


def run(cases: list[Case]) -> dict[str, list[Row]]:
    """Extract every page in every mode, timed in CPU seconds; modes take turns page by page, so load hits all alike."""
    names = list(MODES)
    for case in {c.group: c for c in cases}.values():  # untimed warm-up, one page per group
        for name in names:
            MODES[name](case.html, case.url)
    rows: dict[str, list[Row]] = {name: [] for name in names}
    for i, case in enumerate(cases):
        for name in names[i % len(names):] + names[:i % len(names)]:
            start = time.process_time()
            got = MODES[name](case.html, case.url)
            rows[name].append((case, got, time.process_time() - start))
    return rows


def compare(b: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
    """What a quicker mode (f) loses against the fallbacks (b), and how much quicker it is."""
    return {"f1_loss": round(b["f1_mean"] - f["f1_mean"], 4), "f1_p10_loss": round(b["f1_p10"] - f["f1_p10"], 4),
            "below_0_8_added": round(f["f1_below_0_8"] - b["f1_below_0_8"], 4),
            "no_text_added": round(f["no_text"] - b["no_text"], 4),
            "title_loss": round(b["title_exact"] - f["title_exact"], 4),
            "speedup": round(b["ms_per_page"] / f["ms_per_page"], 2) if f["ms_per_page"] else None}


def report(corpus: str, cases: list[Case]) -> None:
    """Print one line per mode, then the corpus summary of each quicker mode against the fallbacks."""
    figures: dict[str, dict[str, Any]] = {}
    results: dict[str, list[Extracted]] = {}
    for mode, rows in run(cases).items():
        results[mode], figures[mode] = [got for _, got, _ in rows], breakdown(rows)
        print(json.dumps({"corpus": corpus, "mode": mode, **figures[mode]}, ensure_ascii=False), flush=True)
    base = figures["fallbacks"]
    for mode in list(MODES)[1:]:
        other = figures[mode]
        differ = sum(a != b for a, b in zip(results["fallbacks"], results[mode], strict=True))
        print(json.dumps({"corpus": corpus, "summary": f"{mode} vs fallbacks", **compare(base, other),
                          "pages_differing": differ,
                          **{name: {k: compare(base[name][k], other[name][k]) for k in base[name]}
                             for name in ("groups", "lengths")}}, ensure_ascii=False), flush=True)


def main() -> None:
    """Build the chosen corpora and report each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=600, help="pages of the VNTC farm")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--corpus", nargs="+", choices=["vntc", "demo", "hostile"], default=["vntc", "demo", "hostile"])
    args = parser.parse_args()
    builders = {"vntc": lambda: vntc_cases(args.pages, args.data), "demo": demo_cases, "hostile": hostile_cases}
    for name in args.corpus:
        report(name, list(builders[name]()))


if __name__ == "__main__":
    main()
