"""Training the topic, sentiment and distortion classifiers from labeled examples."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlp.corpus import SENTIMENTS, TOPICS, Example, file_sha256, split_of
from nlp.evaluate import classification_metrics
from nlp.features import classifier_head, prepare, text_features
from nlp.models import ModelBundle

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


HEADS = (("topic", 8.0), ("sentiment", 4.0), ("distortion", 20.0))  # task and regularisation C


class TrainingError(ValueError):
    """Not enough labeled data to train a task."""


def fit_text_classifier(texts: Sequence[str], labels: Sequence[str], c: float = 8.0,
                        head_kind: str = "logistic", word_ngrams: int = 2) -> tuple[Any, Any]:
    """The project's text classifier on any labeled texts: (fitted features, fitted head).

    `head_kind` "svm" swaps the probabilistic head for a linear SVM (labels only), for comparisons.
    """
    features = text_features(word_ngrams)
    matrix = features.fit_transform(list(texts))
    if head_kind == "svm":
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=c)
        svm.fit(matrix, list(labels))
        return features, svm
    head = classifier_head(c=c)
    head.fit(matrix, list(labels))
    return features, head


def _fit(task: str, features: Any, pairs: list[tuple[str, str]], c: float) -> Any:
    labels = Counter(label for _, label in pairs)
    if len(labels) < 2:
        raise TrainingError(f"{task}: cần ít nhất 2 nhãn / needs at least two labels, got {dict(labels)}")
    head = classifier_head(c=c)
    head.fit(features.transform([t for t, _ in pairs]), [lab for _, lab in pairs])
    return head


def _label(ex: Example, task: str) -> str | None:
    """The example's label for a task, None when it has none."""
    if task == "distortion":
        return None if ex.distorted is None else ("distorted" if ex.distorted else "ok")
    value = getattr(ex, task)
    return None if value is None else str(value)


def _pairs(examples: Sequence[Example], task: str) -> list[tuple[str, str]]:
    return [(prepare(ex.title, ex.text), label) for ex in examples if (label := _label(ex, task)) is not None]


def train_bundle(examples: Sequence[Example], sources: Sequence[Path] = (),
                 extra_sources: Sequence[dict[str, Any]] = (), version: str | None = None,
                 progress: Progress | None = None) -> ModelBundle:
    """Fit all three tasks on the 'train' split; measure on the held-out 'test' split."""
    say = progress or (lambda msg: logger.info("%s", msg))
    train = [ex for ex in examples if split_of(ex.id) == "train"]
    test = [ex for ex in examples if split_of(ex.id) == "test"]
    metrics: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    labels = {"topic": TOPICS, "sentiment": SENTIMENTS, "distortion": ("ok", "distorted")}
    if not train:
        raise TrainingError("không có mẫu huấn luyện / no training examples")
    features = text_features()
    features.fit([prepare(ex.title, ex.text) for ex in train])
    for task, c in HEADS:
        say(f"huấn luyện / training {task} on {len(_pairs(train, task))} examples")
        fitted[task] = _fit(task, features, _pairs(train, task), c)
        held = _pairs(test, task)
        if held:
            matrix = features.transform([t for t, _ in held])
            predicted = [str(p) for p in fitted[task].predict(matrix)]
            metrics[task] = classification_metrics([lab for _, lab in held], predicted, labels[task])
    stamp = datetime.now(UTC)
    card: dict[str, Any] = {
        "version": version or stamp.strftime("seed-%Y%m%d%H%M%S"),
        "created_at": stamp.isoformat(timespec="seconds"),
        "model": "hashed TF-IDF (syllable 1-2-grams + folded char 2-4-grams) + logistic regression heads",
        "data": [{"path": p.name, "sha256": file_sha256(p)} for p in sources] + list(extra_sources),
        "examples": {"train": len(train), "test": len(test)},
        "metrics_heldout": metrics,
    }
    return ModelBundle(features, fitted, card)


def fold_of(example_id: str, folds: int) -> int:
    """A stable fold for an example id (its hash), so a rerun makes the same folds."""
    return int(hashlib.sha256(f"fold:{example_id}".encode()).hexdigest(), 16) % folds


def out_of_fold(examples: Sequence[Example], folds: int = 5, base: ModelBundle | None = None,
                tasks: Sequence[str] = ("topic", "sentiment", "distortion"),
                ) -> Iterator[tuple[list[Example], ModelBundle]]:
    """For each fold: its examples, and a bundle whose classifier heads for `tasks` were fitted without them
    (the other heads are the `base` bundle's).

    The shared text features (hashing and IDF weights, no labels) are the base bundle's, or fitted once
    on all the examples.
    """
    if folds < 2:
        raise TrainingError("cần ít nhất 2 phần / needs at least two folds")
    texts = [prepare(ex.title, ex.text) for ex in examples]
    features = base.features if base is not None else text_features()
    matrix = features.transform(texts) if base is not None else features.fit_transform(texts)
    of = [fold_of(ex.id, folds) for ex in examples]
    labels_of = {task: [_label(ex, task) for ex in examples] for task in tasks}
    for k in range(folds):
        rest = [i for i, f in enumerate(of) if f != k]
        heads: dict[str, Any] = dict(base.heads) if base is not None else {}
        for task, c in HEADS:
            if task not in tasks:
                continue
            rows = [i for i in rest if labels_of[task][i] is not None]
            labels = [str(labels_of[task][i]) for i in rows]
            if len(set(labels)) < 2:
                raise TrainingError(f"{task}: cần ít nhất 2 nhãn / needs at least two labels in fold {k}")
            heads[task] = classifier_head(c=c).fit(matrix[rows], labels)
        yield [examples[i] for i, f in enumerate(of) if f == k], ModelBundle(features, heads, {"version": f"fold-{k}"})
