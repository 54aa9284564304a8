"""What the claim matcher reads of a sentence: numbers however written, places and concepts in both languages."""

from __future__ import annotations

import pytest

from nlp.claims.terms import build_terms
from nlp.claims.text import numbers_of, sentences
from pipeline.claims import load_terms


@pytest.mark.parametrize(("text", "numbers"), [
    ("1.200 ha", {"1200"}), ("1,200 hectares", {"1200"}), ("1200ha", {"1200"}), ("12,5 %", {"12.5"}),
    ("Forty members", {"40"}), ("twenty-seven workers", {"27"}), ("two hundred and fifty", {"250"}),
    ("ba mươi bảy người", {"37"}), ("hai trăm nghìn đồng", {"200000"}), ("3 nghìn héc-ta", {"3", "3000"}),
    ("ba mươi tỷ", {"30000000000"}), ("1,5 triệu", {"1.5", "1500000"}), ("mười lăm hộ", {"15"}),
    ("hai năm qua", set()), ("bà con", set()), ("năm 2024", {"2024"}), ("one of the", set()),
])
def test_numbers_however_written(text, numbers):
    assert numbers_of(text) == frozenset(f"N:{n}" for n in numbers)


def test_sentences_split_on_ends_and_lines():
    assert sentences("Một câu. Câu hai! \nDòng ba") == ["Một câu.", "Câu hai!", "Dòng ba"]


def test_places_and_concepts_are_the_same_tokens_in_both_languages():
    from config.settings import load_settings

    terms = load_terms(load_settings())
    vi = terms.tokens("KCN Đại An xả nước thải ra sông làm cá chết")
    en = terms.tokens("The Dai An Industrial Park discharged wastewater into the river, killing fish")
    assert {"C:pollution", "C:river"} <= vi & en
    assert any(t.startswith("P:industrial-parks:dai an") for t in vi & en)
    assert terms.specific_places(terms.tokens("Hải Dương")) == frozenset()  # the region itself says nothing
    assert terms.specific_places(terms.tokens("Chi Linh")) == {"P:chi-linh"}


def test_short_vietnamese_words_keep_their_marks_and_english_words_are_not_vietnamese_syllables():
    from config.settings import load_settings

    terms = load_terms(load_settings())
    assert "C:flood" in terms.tokens("vỡ đê ở Nam Sách") and "C:flood" not in terms.tokens("để người dân biết")
    assert "C:repression" not in terms.tokens("bán tỏi trên thị trường")  # bán (sell) is not "ban"
    assert "C:repression" in terms.tokens("officials banned the festival")
    assert "C:flood" in terms.tokens("vo de o Nam Sach, nuoc len nhanh")  # a text written without marks


def test_english_endings_find_the_stem():
    terms = build_terms({"concepts": {"arrest": {"en": ["arrest"], "vi": ["bắt giữ"]}}})
    assert terms.tokens("police arrested them") == {"C:arrest"} == terms.tokens("bị bắt giữ")


def test_people_are_full_names_not_places_or_historic_figures():
    from nlp.claims.text import persons_of

    text = ("Trưởng phòng Vũ Đình Khang đứng tên 31 lô đất. Đền thờ Trần Hưng Đạo. TP Hồ Chí Minh. Gốm Chu Đậu. "
            "Vu Dinh Khang, head of the office, denied it near the Thai Binh River.")
    assert persons_of(text) == {"vu dinh khang"}
