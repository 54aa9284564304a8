"""VNTC article text for the news farm: reading <data>/vntc/test.jsonl.gz and shaping each text into page parts.

`read_articles` picks the articles (every distinct one naming Hải Dương, and a seeded sample of clean others that
name neither the province nor its districts), `split_article` cuts a text into title, lead and paragraphs, and
`fold` / `slugify` give the diacritic-free forms used for duplicate checks and URLs.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import unicodedata
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PROVINCE = "Hải Dương"
VNTC_TEST_LINES = 50373
_PROVINCE_UTF8 = PROVINCE.encode()
_REGION = re.compile(r"\b(?:hai duong|haiduong|xu dong|chi linh|kinh mon|nam sach|kim thanh|thanh ha|tu ky|ninh giang"
                     r"|gia loc|binh giang|thanh mien|cam giang|sao do|pha lai|con son|kiep bac|chu dau)\b")
_MARK = re.compile(r"(?<=\s)\([A-ZĐ]{2,6}\)\s?[-–]")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[^\W\d_])")


def fold(text: str) -> str:
    """Lower-cased text without Vietnamese diacritics, whitespace collapsed."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join(text.encode("ascii", "ignore").decode().lower().split())


def slugify(text: str) -> str:
    """URL slug of a Vietnamese title: ASCII, hyphenated, at most about 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:80].rsplit("-", 1)[0] if len(slug) > 80 else slug


def split_article(text: str) -> tuple[str, str, list[str]]:
    """(title, lead, paragraphs) of a VNTC text whose first line runs the headline into the lead."""
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    words = lines[0].split()
    # The headline ends before an outlet mark "(NLĐ)-", or where a capitalised word that opens a sentence
    # ("Ẩn mình ...") follows a lower-case one; else it is the first sentence, or the line's first words.
    before = len(lines[0][:mark.start()].split()) if (mark := _MARK.search(lines[0])) else 0
    cut = before if 3 <= before <= 25 else next(
        (i for i in range(5, min(len(words) - 1, 20)) if words[i - 1][0].islower() and words[i - 1][-1].isalpha()
         and words[i][0].isupper() and words[i + 1][0].islower()), 0)
    first = _SENTENCE.split(lines[0], 1)[0].split()
    cut = cut or (len(first) if len(first) <= 20 else 0)
    title = " ".join(words[:cut or 14]).rstrip(" -–:,")
    lead, paras = " ".join(words[cut:]), lines[1:]  # without a clear end of the headline the lead is the whole line
    if not lead and paras:
        lead, paras = paras[0], paras[1:]
    if not paras:
        sentences = _SENTENCE.split(lead)
        lead, paras = sentences[0], sentences[1:]
    return title, lead, paras


def read_articles(data: Path, plain: int, province: bool, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """All distinct province articles (if wanted) and a seeded sample of at least `plain` clean other articles."""
    # The file is ordered by topic: sample at a fixed rate over all of it, not its head; decode only what is kept.
    rate, seen = min(1.0, (1.25 * plain + 40) / VNTC_TEST_LINES), set()
    prov: list[dict] = []
    other: list[dict] = []
    with gzip.open(data / "vntc" / "test.jsonl.gz", "rb") as fh:
        for line in fh:
            is_prov = _PROVINCE_UTF8 in line
            if (not province) if is_prov else rng.random() >= rate:
                continue
            rec = json.loads(line)
            text = rec["text"]
            if text not in seen and (is_prov or 500 <= len(text) <= 20000 and "\n" in text
                                     and not _REGION.search(fold(text))):
                seen.add(text)
                (prov if is_prov else other).append(rec)
    if len(other) < plain:
        raise ValueError(f"only {len(other)} usable articles for {plain} pages")
    return prov, other
