"""underthesea's named-entity tagger with its feature extraction done once per sentence.

underthesea tags entities in four CRF passes (words, parts of speech, chunks, entities). The three
last build their features with a function that, for every word and every template entry, parses the
template again and copies every column of the whole sentence: quadratic in the sentence length, and
about nine tenths of the tagging time. Here the templates are parsed once and the columns built once
per sentence; the features are the same strings, fed to the same trained models, so the tags are the
same (tests/unit/test_tagger.py compares both on the seed corpus).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

_TEMPLATE = re.compile(r"T\[(?P<index1>\-?\d+)(\,(?P<index2>\-?\d+))?\](\[(?P<column>.*)\])?(\.(?P<function>.*))?")


def _istitle(word: str) -> bool:
    # underthesea: every space-separated part starts with a title-case letter (an empty part: False)
    return all(part and part[0].istitle() for part in word.split(" ")) if word else False


def _isallcap(word: str) -> bool:
    return all(letter.istitle() for letter in word)


_FUNCTIONS: dict[str, Callable[[str], object]] = {
    "lower": str.lower,
    "istitle": _istitle,
    "isdigit": lambda word: str(word.isdigit()),
    "isallcap": _isallcap,
}


@dataclass(frozen=True)
class _Feature:
    prefix: str
    first: int
    last: int | None
    column: int
    function: Callable[[str], object] | None


def compile_template(template: Sequence[str]) -> list[_Feature]:
    """underthesea's feature template ("T[-1,0][1]", "T[0].lower", ...) parsed once."""
    out = []
    for syntax in template:
        matched = _TEMPLATE.match(syntax)
        if matched is None:
            raise ValueError(f"feature template not understood: {syntax}")
        name = matched.group("function")
        if name is not None and name not in _FUNCTIONS:
            raise ValueError(f"feature function not supported: {syntax}")
        last = matched.group("index2")
        out.append(_Feature(prefix=f"{syntax}=", first=int(matched.group("index1")),
                            last=int(last) if last else None, column=int(matched.group("column") or 0),
                            function=_FUNCTIONS[name] if name else None))
    return out


def sentence_features(sentence: Sequence[Sequence[str]], template: list[_Feature]) -> list[list[str]]:
    """The feature strings of every token, exactly as underthesea's word2features makes them."""
    n = len(sentence)
    if not n:
        return []
    columns = [[row[j] for row in sentence] for j in range(len(sentence[0]))]
    out = []
    for i in range(n):
        features = []
        for f in template:
            at = i + f.first
            if at < 0:
                features.append(f"{f.prefix}BOS")
                continue
            if at >= n:
                features.append(f"{f.prefix}EOS")
                continue
            if f.last is not None:
                if i + f.last >= n:
                    features.append(f"{f.prefix}EOS")
                    continue
                word = " ".join(columns[f.column][at:i + f.last + 1])
            else:
                word = sentence[at][f.column]
            features.append(f"{f.prefix}{f.function(word) if f.function else word}")
        out.append(features)
    return out


@dataclass
class _Model:
    tagger: Any
    template: list[_Feature]

    def tag(self, rows: list[tuple[str, ...]]) -> list[str]:
        return list(self.tagger.tag(sentence_features(rows, self.template))) if rows else []


@cache
def _models() -> tuple[_Model, _Model, _Model]:
    from underthesea.pipeline.chunking.model_crf import CRFChunkingPredictor
    from underthesea.pipeline.ner.model_crf import CRFNERPredictor
    from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

    made = []
    for predictor in (CRFPOSTagPredictor, CRFChunkingPredictor, CRFNERPredictor):
        instance = predictor.Instance()
        made.append(_Model(instance.model, compile_template(instance.transformer.template)))
    return made[0], made[1], made[2]


def preload_models() -> None:
    """Import the word tokeniser (its patterns compile on import) and load the three models."""
    from underthesea import word_tokenize  # noqa: F401

    _models()


def ner(sentence: str) -> list[tuple[str, str, str, str]]:
    """(word, part of speech, chunk, entity) for each word: what underthesea.ner returns, faster."""
    from underthesea import word_tokenize

    pos, chunk, entity = _models()
    words = list(word_tokenize(sentence))
    pos_tags = pos.tag([(w, "X") for w in words])
    chunk_tags = chunk.tag([(w, p, "X") for w, p in zip(words, pos_tags, strict=True)])
    entity_tags = entity.tag([(w, p, c, "X") for w, p, c in zip(words, pos_tags, chunk_tags, strict=True)])
    return list(zip(words, pos_tags, chunk_tags, entity_tags, strict=True))
