"""The project's own training code on public labeled data, next to the published figures.

    .venv/bin/python -m bench.public_data [vntc] [vntc-copies] [uit-vsfc] [reintel] [--data ../shared/data]

VNTC: 10 topics, official train/test split (published: TF-IDF + LinearSVC about 92.8 %).
UIT-VSFC: sentiment, train → test, macro-F1 (published: MaxEnt 87.9, PhoBERT 93.9).
ReINTEL: unreliable posts, stratified 5-fold ROC-AUC on public_train (shared-task leaders about 0.95).
vntc-copies: how many VNTC test articles are near-copies of a training article, and how often the copy's
label differs (label noise that no classifier can learn away).
Each prints one JSON line. These runs take minutes to an hour: they are not part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from nlp.evaluate import classification_metrics
from nlp.features import prepare
from nlp.train import fit_text_classifier

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _emit(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


def vntc_rows(path: Path) -> Iterator[tuple[str, str]]:
    """(text, label) from a VNTC jsonl.gz; the file name (it encodes the newspaper) is not used."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield row["text"], row["label"]


def run_vntc(data: Path, c: float = 8.0, head_kind: str = "logistic", word_ngrams: int = 2) -> None:
    t0 = time.perf_counter()
    train = list(vntc_rows(data / "vntc" / "train.jsonl.gz"))
    features, head = fit_text_classifier([prepare("", t) for t, _ in train], [lab for _, lab in train], c=c,
                                         head_kind=head_kind, word_ngrams=word_ngrams)
    fit_s = time.perf_counter() - t0
    gold: list[str] = []
    predicted: list[str] = []
    batch: list[tuple[str, str]] = []
    for row in vntc_rows(data / "vntc" / "test.jsonl.gz"):
        batch.append(row)
        if len(batch) == 2000:
            predicted += list(head.predict(features.transform([prepare("", t) for t, _ in batch])))
            gold += [lab for _, lab in batch]
            batch = []
    if batch:
        predicted += list(head.predict(features.transform([prepare("", t) for t, _ in batch])))
        gold += [lab for _, lab in batch]
    metrics = classification_metrics(gold, [str(p) for p in predicted])
    _emit(bench="vntc_10_topics_official_split", head=head_kind, c=c, word_ngrams=word_ngrams,
          train=len(train), test=len(gold),
          accuracy=metrics["accuracy"],
          macro_f1=metrics["macro_f1"], published_accuracy=0.928, fit_s=round(fit_s, 1),
          total_s=round(time.perf_counter() - t0, 1),
          per_class_f1={k: v["f1"] for k, v in metrics["per_class"].items()})


def run_vntc_copies(data: Path, threshold: float = 0.95) -> None:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    words = HashingVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), n_features=2**20,
                              alternate_sign=False, norm=None)
    tfidf = TfidfTransformer(sublinear_tf=True)
    train = list(vntc_rows(data / "vntc" / "train.jsonl.gz"))
    test = list(vntc_rows(data / "vntc" / "test.jsonl.gz"))
    train_matrix = tfidf.fit_transform(words.transform([prepare("", t).lower() for t, _ in train]))
    train_labels = np.array([lab for _, lab in train])
    copies = differ = 0
    for start in range(0, len(test), 1000):
        batch = test[start:start + 1000]
        similarity = (tfidf.transform(words.transform([prepare("", t).lower() for t, _ in batch])) @ train_matrix.T)
        best = similarity.max(axis=1).toarray().ravel()
        nearest = np.asarray(similarity.argmax(axis=1)).ravel()
        for (_, label), score, index in zip(batch, best, nearest, strict=True):
            if score >= threshold:
                copies += 1
                differ += int(train_labels[index] != label)
    _emit(bench="vntc_test_copies_of_training_articles", threshold=threshold, test=len(test), copies=copies,
          copies_share=round(copies / len(test), 4), copies_labeled_otherwise=differ,
          labeled_otherwise_share=round(differ / max(1, copies), 4))


def run_vsfc(data: Path) -> None:
    def rows(split: str) -> list[tuple[str, str]]:
        items = json.loads((data / "uit-vsfc" / f"UIT-VSFC-{split}.json").read_text(encoding="utf-8"))
        return [(r["sentence"], r["sentiment"]) for r in items]

    train, test = rows("train"), rows("test")
    features, head = fit_text_classifier([prepare("", t) for t, _ in train], [lab for _, lab in train], c=4.0)
    predicted = [str(p) for p in head.predict(features.transform([prepare("", t) for t, _ in test]))]
    metrics = classification_metrics([lab for _, lab in test], predicted)
    _emit(bench="uit_vsfc_sentiment", train=len(train), test=len(test), accuracy=metrics["accuracy"],
          macro_f1=metrics["macro_f1"], published="MaxEnt 87.9 F1, PhoBERT 93.9 F1",
          per_class_f1={k: v["f1"] for k, v in metrics["per_class"].items()})


def run_reintel(data: Path) -> None:
    csv.field_size_limit(sys.maxsize)
    with (data / "reintel-vlsp2020" / "public_train.csv").open(encoding="utf-8", newline="") as fh:
        rows = [(r.get("post_message") or "", r["label"]) for r in csv.DictReader(fh) if r.get("label") in ("0", "1")]
    texts = np.array([prepare("", t) for t, _ in rows], dtype=object)
    labels = np.array([int(lab) for _, lab in rows])
    aucs = []
    for train_idx, test_idx in StratifiedKFold(n_splits=5, shuffle=True, random_state=13).split(texts, labels):
        features, head = fit_text_classifier(list(texts[train_idx]), [str(x) for x in labels[train_idx]], c=4.0)
        proba = head.predict_proba(features.transform(list(texts[test_idx])))
        positive = list(head.classes_).index("1")
        aucs.append(roc_auc_score(labels[test_idx], proba[:, positive]))
    _emit(bench="reintel_5fold", n=len(rows), roc_auc_mean=round(float(np.mean(aucs)), 4),
          roc_auc_folds=[round(float(a), 4) for a in aucs], published_leaders=0.95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="*", default=["uit-vsfc", "reintel", "vntc"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--vntc-c", type=float, default=8.0, help="regularisation of the VNTC run")
    parser.add_argument("--vntc-head", choices=("logistic", "svm"), default="logistic")
    parser.add_argument("--vntc-word-ngrams", type=int, default=2)
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"no data directory at {args.data} (pass --data ../shared/data)")
    for name in args.runs:
        if name == "vntc":
            run_vntc(args.data, args.vntc_c, args.vntc_head, args.vntc_word_ngrams)
        elif name == "vntc-copies":
            run_vntc_copies(args.data)
        elif name == "uit-vsfc":
            run_vsfc(args.data)
        elif name == "reintel":
            run_reintel(args.data)
        else:
            sys.exit(f"unknown run {name} (vntc, vntc-copies, uit-vsfc, reintel)")


if __name__ == "__main__":
    main()
