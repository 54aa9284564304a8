"""Text features for the classifiers: word and syllable n-grams plus folded character n-grams."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.normalise import fold, normalise_tone_marks


def prepare(title: str, text: str) -> str:
    """The classifier input: the title twice (it carries the most signal) and the body, NFC."""
    return normalise_tone_marks(f"{title}\n{title}\n{text}")


def lower_text(text: str) -> str:
    """Lower-cased text for word n-grams."""
    return text.lower()


def folded_text(text: str) -> str:
    """Lower-cased text without diacritics, so unaccented writing shares features."""
    return fold(text)


def text_classifier(c: float = 4.0, class_weight: str | None = "balanced") -> Pipeline:
    """TF-IDF over syllable uni/bigrams and folded char 2-4-grams, then logistic regression."""
    words = TfidfVectorizer(
        preprocessor=lower_text, token_pattern=r"(?u)\b\w\w*\b", ngram_range=(1, 2),
        sublinear_tf=True, min_df=1, max_features=200_000,
    )
    chars = TfidfVectorizer(
        preprocessor=folded_text, analyzer="char_wb", ngram_range=(2, 4),
        sublinear_tf=True, min_df=2, max_features=200_000,
    )
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("chars", chars)])),
        ("clf", LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)),
    ])
