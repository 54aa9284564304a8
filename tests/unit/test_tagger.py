"""The fast entity tagger gives exactly underthesea's tags, on the seed corpus's Vietnamese text."""

import json
from pathlib import Path

import pytest
import underthesea

from nlp.tagger import compile_template, ner, sentence_features

SEED = Path(__file__).resolve().parents[2] / "nlp" / "seed"


def _paragraphs(limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(SEED.glob("vi_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows[:6]:  # a few from every file: domestic, overseas, distorted, distractors...
            out += [p for p in (row.get("title", ""), *row.get("text", "").split("\n")) if p.strip()]
    return out[:limit]


def test_same_tags_as_underthesea():
    paragraphs = _paragraphs(160)
    assert len(paragraphs) >= 100
    for paragraph in paragraphs:
        assert ner(paragraph) == [tuple(t) for t in underthesea.ner(paragraph)], paragraph


def test_edge_cases_match():
    for text in ["", "   ", "Hải Dương", "UBND  tỉnh  Hải   Dương", "2025", "A B C D", "ĐẠI HỘI ĐẢNG BỘ"]:
        assert ner(text) == [tuple(t) for t in underthesea.ner(text)], text


def test_features_as_underthesea_writes_them():
    from underthesea.pipeline.ner.tagged_feature import word2features

    template = ["T[-2].lower", "T[0].istitle", "T[-1,0]", "T[0,1][1]", "T[1,2][1]", "T[-3][3]", "T[0].isdigit"]
    sentence = [("Ông", "Nc", "B-NP", "X"), ("Nguyễn Văn  A", "Np", "B-NP", "X"), ("12", "M", "B-NP", "X")]
    expected = [word2features(sentence, i, template) for i in range(len(sentence))]
    assert sentence_features(sentence, compile_template(template)) == expected


def test_unknown_template_refused():
    with pytest.raises(ValueError, match="not supported"):
        compile_template(["T[0].is_in_dict"])
    with pytest.raises(ValueError, match="not understood"):
        compile_template(["W[0]"])
