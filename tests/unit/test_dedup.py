"""SimHash keys: the numpy simhash equals its plain-Python definition; vectorised Hamming distances; title keys."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from nlp.fingerprint import reference_simhash
from pipeline import dedup
from pipeline.dedup import STORY_MAX_DISTANCE, hamming, hamming_many, simhash, title_key

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "vntc" / "sample_test.jsonl"
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=\.)\s+")
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
NEW_SENTENCE = "Ủy ban nhân dân tỉnh Hải Dương vừa ban hành kế hoạch triển khai dự án cải tạo đường tỉnh trong năm nay."
# One changed sentence moves a 1,500-word article by at most 6 bits; at 400-1,200 words it is often 7-12.
LONG_ARTICLE_WORDS = 1500


@pytest.fixture(scope="module")
def articles() -> list[str]:
    """Up to 300 VNTC test articles (2005-06 Vietnamese national news) from the shared data folder."""
    if not SAMPLE.is_file():
        pytest.skip(f"VNTC sample not found at {SAMPLE} (shared data folder not present on this machine)")
    texts: list[str] = []
    with SAMPLE.open(encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == 300:
                break
    return texts


def _replace_middle_sentence(text: str) -> str:
    """The text with the sentence of 5-30 words nearest its middle replaced by another sentence."""
    sentences = _SENTENCE_END.split(text)
    middle = len(sentences) // 2
    nearest = sorted(range(len(sentences)), key=lambda k: abs(k - middle))
    k = next(k for k in nearest if 5 <= len(_WORD.findall(sentences[k])) <= 30)
    return " ".join([*sentences[:k], NEW_SENTENCE, *sentences[k + 1:]])


EDGE_CASES = {
    "empty": "",
    "spaces": "   \n\t ",
    "punctuation only": "!!! ... --- «» “” … ?",
    "one word": "Hải",
    "two words": "Hải Dương",
    "three words": "tỉnh Hải Dương",
    "four words (ties)": "tỉnh Hải Dương mới",
    "nfc": unicodedata.normalize("NFC", "Ủy ban nhân dân tỉnh Hải Dương hòa giải khỏe mạnh"),
    "nfd": unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Hải Dương hòa giải khỏe mạnh"),
    "english": "The provincial People's Committee approved the new industrial park on Tuesday.",
    "upper case and đ": "ĐẠI HỘI ĐẢNG BỘ TỈNH HẢI DƯƠNG LẦN THỨ XVII",
    "digits and underscores": "km 123 + 200, 13/3/2006 lúc 2h50 file_name_01 __init__",
    "outside the fold table": "北京 東京 서울 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﬁ Ⅻ ㈱ ｆｕｌｌ",
    "lone combining marks": "\u0301\u0309 a\u0323 \u0300",
    "repeated word": "Hải " * 50,
    "very long": " ".join(random.Random(7).choice(["tỉnh", "Hải", "Dương", "đầu", "tư", "khu", "công",
                                                  "nghiệp", "năm", "2006", "Đồng", "nông"])
                         for _ in range(60_000)),
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_simhash_equals_reference_on_edge_cases(text: str) -> None:
    assert simhash(text) == reference_simhash(text)


@pytest.mark.parametrize("shingle", [1, 2, 4, 5])
def test_simhash_equals_reference_for_other_shingle_sizes(shingle: int) -> None:
    for text in ["", "Hải", "Hải Dương", "tỉnh Hải Dương", "Ủy ban nhân dân tỉnh Hải Dương hòa giải khỏe mạnh"]:
        assert simhash(text, shingle) == reference_simhash(text, shingle)


def test_simhash_rejects_shingle_below_one() -> None:
    with pytest.raises(ValueError):
        simhash("tỉnh Hải Dương", 0)


def test_simhash_of_a_text_without_words_is_that_of_the_empty_shingle() -> None:
    assert simhash("") == simhash("... !") == simhash("_ _") == reference_simhash("") == 0  # splitmix64(0) = 0


def test_simhash_fits_bigint() -> None:
    for text in EDGE_CASES.values():
        assert INT64_MIN <= simhash(text) <= INT64_MAX


def test_simhash_equals_reference_on_vntc_articles(articles: list[str]) -> None:
    mismatches = [i for i, text in enumerate(articles) if simhash(text) != reference_simhash(text)]
    assert not mismatches
    assert any(simhash(text) < 0 for text in articles)  # the sign conversion is exercised


def test_near_copy_of_a_long_article_stays_within_the_story_distance(articles: list[str]) -> None:
    long_ones = [text for text in articles if len(_WORD.findall(text)) >= LONG_ARTICLE_WORDS]
    assert len(long_ones) >= 5
    for text in long_ones:
        assert hamming(simhash(text), simhash(_replace_middle_sentence(text))) <= STORY_MAX_DISTANCE


def test_near_copy_of_a_generated_long_text_stays_within_the_story_distance() -> None:
    rng = random.Random(11)
    vocabulary = ("tỉnh Hải Dương Hải Phòng ủy ban nhân dân đầu tư khu công nghiệp năm dự án đường giao thông "
                  "nông thôn huyện xã thành phố kinh tế xã hội phát triển doanh nghiệp lao động").split()
    sentences = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(10, 25))) + "." for _ in range(100)]
    text = " ".join(sentences)
    assert hamming(simhash(text), simhash(_replace_middle_sentence(text))) <= STORY_MAX_DISTANCE


def test_unrelated_articles_are_far_apart(articles: list[str]) -> None:
    keys = [simhash(text) for text in articles]
    assert min(hamming(a, b) for a, b in combinations(keys, 2)) > 2 * STORY_MAX_DISTANCE


SPECIAL_INT64 = [0, -1, 1, INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, 0x5555_5555_5555_5555,
                 -0x5555_5555_5555_5556, 1 << 62, -(1 << 62)]


def _random_int64(count: int, seed: int) -> list[int]:
    """Random signed 64-bit values, negatives included, plus the special ones."""
    rng = random.Random(seed)
    return SPECIAL_INT64 + [rng.randrange(INT64_MIN, INT64_MAX + 1) for _ in range(count)]


def test_hamming_many_equals_hamming() -> None:
    keys = _random_int64(500, seed=1)
    array = np.array(keys, dtype=np.int64)
    for value in _random_int64(100, seed=2):
        distances = hamming_many(value, array)
        assert distances.dtype == np.int64
        assert distances.tolist() == [hamming(value, key) for key in keys]


def test_hamming_many_extremes_and_empty() -> None:
    array = np.array([0, -1, INT64_MIN, INT64_MAX], dtype=np.int64)
    assert hamming_many(0, array).tolist() == [0, 64, 1, 63]
    assert hamming_many(-1, array).tolist() == [64, 0, 63, 1]
    assert hamming_many(INT64_MIN, array).tolist() == [1, 63, 0, 64]
    assert hamming_many(5, np.array([], dtype=np.int64)).tolist() == []


def test_hamming_many_accepts_uint64_lists_and_views() -> None:
    keys = _random_int64(50, seed=3)
    expected = [hamming(-7, key) for key in keys]
    assert hamming_many(-7, np.array(keys, dtype=np.int64).view(np.uint64)).tolist() == expected
    assert hamming_many(-7, np.array(keys)).tolist() == expected
    strided = np.array(keys + keys, dtype=np.int64).reshape(2, -1)[:, :5]
    assert hamming_many(-7, strided).tolist() == [expected[:5], expected[:5]]


def test_byte_table_popcount_equals_bitwise_count() -> None:
    values = np.array(_random_int64(1000, seed=4), dtype=np.int64).view(np.uint64)
    expected = [bin(int(v)).count("1") for v in values]
    assert dedup._popcount64_table(values).tolist() == expected
    assert dedup._popcount64(values).tolist() == expected


def test_hamming_many_without_bitwise_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    keys = _random_int64(200, seed=5)
    assert hamming_many(12345, np.array(keys, dtype=np.int64)).tolist() == [hamming(12345, k) for k in keys]


def test_title_key_ignores_accents_spacing_and_punctuation() -> None:
    same = [
        "Hải Dương: khởi công cầu mới qua sông Thái Bình",
        "HẢI DƯƠNG – KHỞI CÔNG CẦU MỚI QUA SÔNG THÁI BÌNH!",
        "  hai duong  khoi cong cau moi qua song thai binh ",
        unicodedata.normalize("NFC", "Hải Dương, khởi công cầu mới qua sông Thái Bình..."),
    ]
    assert len({title_key(title) for title in same}) == 1
    assert title_key("Hải Dương khởi công cầu mới") != title_key("Hải Dương khánh thành cầu mới")
