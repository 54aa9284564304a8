"""Word segmentation and named entities: with nlp.tagger, the only modules that import underthesea."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)
_NER_CHARS = 2500
_ENTITY_LABELS = {"PER": "person", "ORG": "organisation", "LOC": "place"}


@dataclass
class EntityResult:
    """Named entities found, and the error text when the tagger failed on this text."""

    entities: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None


def _guarded(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call an underthesea function; its Rust panics (BaseException) become a returned error."""
    try:
        return func(*args, **kwargs), None
    except _FATAL:
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3 PanicException is not an Exception
        logger.warning("underthesea failed: %s: %s", type(exc).__name__, exc)
        return None, f"{type(exc).__name__}: {exc}"


def word_tokens(text: str) -> tuple[list[str], str | None]:
    """Vietnamese words (compounds joined by '_'); falls back to syllables on failure."""
    from underthesea import word_tokenize

    result, error = _guarded(word_tokenize, text)
    if result is None:
        return text.split(), error
    return [w.replace(" ", "_") for w in result], None


def preload() -> None:
    """Load underthesea's tokeniser and the entity tagger's models now, once, where workers fork from.

    Each is otherwise loaded by every worker at its first relevant article (about a second of CPU each).
    """
    from nlp.tagger import preload_models

    _, error = _guarded(preload_models)
    if error:
        logger.warning("entity tagger not preloaded (each worker loads it when needed): %s", error)


def entities(text: str) -> EntityResult:
    """People, organisations and places named in the first part of a Vietnamese text."""
    from nlp.tagger import ner

    found: list[dict[str, str]] = []
    errors: list[str] = []
    for paragraph in [p for p in text[:_NER_CHARS].split("\n") if p.strip()]:
        tagged, error = _guarded(ner, paragraph)
        if tagged is None:
            errors.append(str(error))
            continue
        current: list[str] = []
        label = ""
        for token in list(tagged) + [("", "", "", "O")]:
            tag = token[3]
            if tag.startswith("I-") and current and tag[2:] == label:
                current.append(token[0])
                continue
            if current:
                item = {"text": " ".join(current), "type": _ENTITY_LABELS.get(label, label.lower())}
                if item not in found:
                    found.append(item)
            current, label = ([token[0]], tag[2:]) if tag.startswith("B-") else ([], "")
    return EntityResult(found, "; ".join(errors) or None)
