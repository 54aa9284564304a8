"""Labeled examples: the seed corpus in nlp/seed and other JSONL files of the same form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.normalise import clean_text

SEED_DIR = Path(__file__).resolve().parent / "seed"
TEST_SHARE = 0.2
TOPICS = (
    "politics", "economy", "agriculture", "culture_tourism", "society", "security_law",
    "environment", "rights_religion", "science_technology", "other",
)
SENTIMENTS = ("positive", "neutral", "negative")
RELEVANCE = ("focus", "mention", "none")
SOURCE_KINDS = ("domestic", "foreign", "overseas_vietnamese", "blog")


class CorpusError(ValueError):
    """A labeled file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    """One labeled article; a label is None when the file does not give it."""

    id: str
    title: str
    text: str
    lang: str
    source_kind: str | None = None
    topic: str | None = None
    sentiment: str | None = None
    relevance: str | None = None
    distorted: bool | None = None


def split_of(example_id: str) -> str:
    """'test' for a stable 20 % of ids, 'train' for the rest."""
    digest = hashlib.sha256(example_id.encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:4], "big") / 2**32 < TEST_SHARE else "train"


def _check(value: object, allowed: tuple[str, ...], key: str, where: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise CorpusError(f"{where}: {key}={value!r} is not one of {', '.join(allowed)}")
    return str(value)


def jsonl_objects(lines: Iterable[tuple[int, str]], origin: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file:line, object) for every non-blank JSONL line; CorpusError names the first bad line."""
    for number, line in lines:
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: dòng không phải JSON / not a JSON line: {exc.msg}") from exc
        if not isinstance(row, dict):
            raise CorpusError(f"{where}: cần một đối tượng JSON / expected a JSON object")
        yield where, row


def read_examples(path: Path) -> Iterator[Example]:
    """Examples from one JSONL file, validated and NFC-normalised."""
    with path.open(encoding="utf-8") as fh:
        for where, row in jsonl_objects(enumerate(fh, 1), str(path)):
            if not row.get("text"):
                raise CorpusError(f"{where}: cần 'text' / needs 'text'")
            distorted = row.get("distorted")
            yield Example(
                id=str(row.get("id") or f"{path.stem}-{where.rsplit(':', 1)[1]}"),
                title=clean_text(str(row.get("title") or "")),
                text=clean_text(str(row["text"])),
                lang=str(row.get("lang") or "vi"),
                source_kind=_check(row.get("source_kind"), SOURCE_KINDS, "source_kind", where),
                topic=_check(row.get("topic"), TOPICS, "topic", where),
                sentiment=_check(row.get("sentiment"), SENTIMENTS, "sentiment", where),
                relevance=_check(row.get("relevance"), RELEVANCE, "relevance", where),
                distorted=None if distorted is None else bool(distorted),
            )


def seed_files() -> list[Path]:
    """The seed corpus files shipped with the package, in a stable order."""
    return sorted(SEED_DIR.glob("*.jsonl"))


def load(paths: Iterable[Path], split: str | None = None) -> list[Example]:
    """All examples from the files; only one split when `split` is 'train' or 'test'."""
    out: list[Example] = []
    for path in paths:
        for example in read_examples(path):
            if split is None or split_of(example.id) == split:
                out.append(example)
    return out


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, for the model card."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
