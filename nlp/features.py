"""Text features shared by every classifier: hashed word and syllable n-grams plus folded char n-grams.

Hashing keeps the saved model small and fast to load (no vocabulary to serialise).
"""

from __future__ import annotations

from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.normalise import fold, normalise_tone_marks

WORD_BUCKETS = 2**18
CHAR_BUCKETS = 2**18


def prepare(title: str, text: str) -> str:
    """The classifier input: the title twice (it carries the most signal) and the body, NFC."""
    return normalise_tone_marks(f"{title}\n{title}\n{text}")


def lower_text(text: str) -> str:
    """Lower-cased text for word n-grams."""
    return text.lower()


def folded_text(text: str) -> str:
    """Lower-cased text without diacritics, so unaccented writing shares features."""
    return fold(text)


def text_features(word_ngrams: int = 2) -> FeatureUnion:
    """TF-IDF over hashed syllable 1-n-grams (n=2 by default) and hashed folded char 2-4-grams."""
    words = Pipeline([
        ("hash", HashingVectorizer(preprocessor=lower_text, token_pattern=r"(?u)\b\w+\b",
                                   ngram_range=(1, word_ngrams), n_features=WORD_BUCKETS, alternate_sign=False,
                                   norm=None)),
        ("tfidf", TfidfTransformer(sublinear_tf=True)),
    ])
    chars = Pipeline([
        ("hash", HashingVectorizer(preprocessor=folded_text, analyzer="char_wb", ngram_range=(2, 4),
                                   n_features=CHAR_BUCKETS, alternate_sign=False, norm=None)),
        ("tfidf", TfidfTransformer(sublinear_tf=True)),
    ])
    return FeatureUnion([("words", words), ("chars", chars)])


def classifier_head(c: float, class_weight: str | None = "balanced") -> LogisticRegression:
    """A linear classifier on the shared features."""
    return LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
