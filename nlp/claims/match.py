"""Matching an article (its title and every sentence) against known claims.

Each claim phrasing (the summary and its variants) is a document. A window (the title, a sentence, or two
sentences together) is scored against every phrasing at once:
- lexical: BM25 over words, concepts, places and numbers, divided by the phrasing's score against itself
  (same language); across languages only the shared tokens (concepts, places, numbers) count;
- characters: cosine of character 3-5-gram TF-IDF on folded text (same language only);
fused, then vetoed where the article names other specific places or people than the claim, and lowered
where its numbers differ.
A claim's score is its best window; above SUGGEST it is suggested, above STRONG it is strong.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.claims.terms import TermList
from nlp.claims.text import Segment, numbers_of, persons_of, sentences, words_of
from nlp.normalise import fold

VERSION = "claims-1"
K1, B = 1.2, 0.75
LEXICAL_WEIGHT = 0.6  # same language: the rest is the character similarity
CROSS_CONCEPTS = 3  # across languages, a match on fewer shared concepts than this is scaled down
SPAN = 2  # sentences a window may join
COVERAGE = 0.5  # the share of the score that rests on the article naming the claim's concepts anywhere
WHOLE = 0.7  # the whole article's coverage of the claim's concepts, places and numbers, at this weight
NUMBER_PENALTY = 0.6  # the window's numbers and the claim's are disjoint
SUGGEST = 0.42
STRONG = 0.75
TOP = 5
FEATURES = ("score", "lexical", "characters", "across", "concepts_named", "same_language", "whole_piece")
RERANK_FLOOR = 0.15  # with a learnt reranker: a suggestion it gives less chance than this is not shown


@dataclass(frozen=True)
class KnownClaim:
    """A claim the office knows: its id, language, text and other phrasings."""

    id: str
    text: str
    lang: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimMatch:
    """A claim an article repeats: how sure, at which level, and the sentence that repeats it."""

    claim_id: str
    score: float
    level: str  # suggested, strong
    sentence: str
    method: str = VERSION
    features: tuple[float, ...] = ()  # FEATURES of the best window, what a reranker learns from


@dataclass
class _Phrasing:
    claim: int  # index into the claims
    lang: str
    segment: Segment
    self_full: float = 1.0
    self_shared: float = 1.0


@dataclass
class ClaimIndex:
    """Known claims compiled for matching: BM25 weights and character n-grams of every phrasing."""

    claims: list[KnownClaim]
    terms: TermList
    tokenise: Callable[[str], list[str]] | None = None  # Vietnamese compounds (underthesea); None: syllables only
    suggest: float = SUGGEST
    strong: float = STRONG
    reranker: tuple[tuple[float, ...], float] | None = None  # (weights over FEATURES, intercept), learnt
    _phrasings: list[_Phrasing] = field(default_factory=list)
    _vocab: dict[str, int] = field(default_factory=dict)
    _idf: np.ndarray | None = None
    _weights: sparse.csr_matrix | None = None  # phrasings × vocabulary, BM25 term weights
    _concepts: sparse.csr_matrix | None = None  # phrasings × vocabulary, 1 where a phrasing has a concept (C:…)
    _concept_counts: np.ndarray = field(default_factory=lambda: np.zeros(0))  # concepts per phrasing
    _chars: TfidfVectorizer | None = None
    _char_matrix: sparse.csr_matrix | None = None
    _claim_places: list[frozenset[str]] = field(default_factory=list)
    _claim_numbers: list[frozenset[str]] = field(default_factory=list)
    _claim_persons: list[frozenset[str]] = field(default_factory=list)

    def segment(self, text: str, lang: str) -> Segment:
        """What the matcher compares of one sentence."""
        compounds = self.tokenise(text) if (self.tokenise is not None and lang == "vi") else ()
        return Segment(text, words_of(text, lang, compounds), self.terms.tokens(text), numbers_of(text))

    def build(self) -> ClaimIndex:
        """Compile the index (once; matching is then read-only)."""
        self._phrasings = []
        for i, claim in enumerate(self.claims):
            for text in (claim.text, *claim.variants):
                lang = claim.lang if text is claim.text else _guess_lang(text, claim.lang)
                self._phrasings.append(_Phrasing(i, lang, self.segment(text, lang)))
        docs = [_tokens(p.segment, full=True) for p in self._phrasings]
        for doc in docs:
            for token in doc:
                self._vocab.setdefault(token, len(self._vocab))
        n = max(1, len(docs))
        df = Counter(t for doc in docs for t in set(doc))
        self._idf = np.array([math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in self._vocab], dtype=np.float64)
        avg = sum(len(d) for d in docs) / n if docs else 1.0
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            counts = Counter(doc)
            norm = K1 * (1 - B + B * len(doc) / max(avg, 1e-9))
            for token, tf in counts.items():
                c = self._vocab[token]
                rows.append(r)
                cols.append(c)
                vals.append(float(self._idf[c] * tf * (K1 + 1) / (tf + norm)))
        self._weights = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self._vocab)))
        concept_cells = [(r, self._vocab[t]) for r, doc in enumerate(docs) for t in set(doc) if t.startswith("C:")]
        self._concepts = sparse.csr_matrix(([1.0] * len(concept_cells), ([r for r, _ in concept_cells],
                                                                          [c for _, c in concept_cells])),
                                           shape=(len(docs), len(self._vocab)))
        self._concept_counts = np.asarray(self._concepts.sum(axis=1)).ravel()
        for r, p in enumerate(self._phrasings):
            p.self_full = max(float(self._bm25(_tokens(p.segment, True))[r]), 1e-9)
            p.self_shared = max(float(self._bm25(_tokens(p.segment, False))[r]), 1e-9)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        self._char_matrix = self._chars.fit_transform([fold(p.segment.text) for p in self._phrasings]) \
            if self._phrasings else None
        self._claim_places = [frozenset() for _ in self.claims]
        self._claim_numbers = [frozenset() for _ in self.claims]
        self._claim_persons = [frozenset() for _ in self.claims]
        for p in self._phrasings:
            self._claim_persons[p.claim] |= persons_of(p.segment.text)
            self._claim_places[p.claim] |= self.terms.specific_places(p.segment.concepts)
            self._claim_numbers[p.claim] |= p.segment.numbers
        return self

    def _bm25(self, tokens: Sequence[str]) -> np.ndarray:
        """Every phrasing's BM25 score for a query of tokens."""
        assert self._weights is not None
        query = np.zeros(len(self._vocab), dtype=np.float64)
        for token in set(tokens):
            column = self._vocab.get(token)
            if column is not None:
                query[column] = 1.0
        return np.asarray(self._weights @ query).ravel()

    def _shared_concepts(self, segment: Segment) -> np.ndarray:
        """How many concepts (not places, not numbers) each phrasing shares with a window."""
        assert self._concepts is not None
        query = np.zeros(len(self._vocab), dtype=np.float64)
        for token in segment.concepts:
            column = self._vocab.get(token)
            if column is not None and token.startswith("C:"):
                query[column] = 1.0
        return np.asarray(self._concepts @ query).ravel()

    def match(self, title: str, text: str, lang: str, top: int = TOP) -> list[ClaimMatch]:
        """The claims an article repeats, best first (at most `top`, only those above the suggestion level)."""
        if not self._phrasings:
            return []
        windows = _windows(title, text)
        segments = [self.segment(w, lang) for w in windows]
        article_places = frozenset().union(*(self.terms.specific_places(s.concepts) for s in segments))
        people = (persons_of(f"{title}\n{text}"), frozenset(re.findall(r"[a-z0-9]+", fold(f"{title} {text}"))))
        best: dict[int, tuple[float, str, tuple[float, ...]]] = {}
        char_scores = None
        if self._chars is not None and self._char_matrix is not None:
            char_scores = (self._chars.transform([fold(w) for w in windows]) @ self._char_matrix.T).toarray()
        same = np.array([p.lang == lang for p in self._phrasings])
        # a claim phrased in the article's language is judged on that phrasing: its translations would match
        # on places and numbers alone
        spoken = {p.claim for p in self._phrasings if p.lang == lang}
        usable = np.array([p.lang == lang or p.claim not in spoken for p in self._phrasings])
        full_norm = np.array([p.self_full for p in self._phrasings])
        shared_norm = np.array([p.self_shared for p in self._phrasings])
        whole = self.segment(f"{title}\n{text}", lang)
        covered = np.minimum(self._shared_concepts(whole) / np.maximum(self._concept_counts, 1.0), 1.0)
        cover_factor = (1 - COVERAGE) + COVERAGE * np.where(self._concept_counts > 0, covered, 1.0)
        for w, segment in enumerate(segments):
            full = np.minimum(self._bm25(_tokens(segment, True)) / full_norm, 1.0)
            shared = np.minimum(self._bm25(_tokens(segment, False)) / shared_norm, 1.0)
            concepts = np.minimum(self._shared_concepts(segment) / CROSS_CONCEPTS, 1.0)
            chars_w = char_scores[w] if char_scores is not None else np.zeros(len(self._phrasings))
            across = shared * concepts
            within = LEXICAL_WEIGHT * full + (1 - LEXICAL_WEIGHT) * chars_w
            scores = np.where(same, within, across)
            scores = np.where(usable, scores, 0.0) * cover_factor
            for index in np.nonzero(scores >= self.suggest * 0.5)[0]:
                claim = self._phrasings[int(index)].claim
                value = float(scores[index]) * self._agreement(claim, segment, article_places, people)
                if value > best.get(claim, (0.0, "", ()))[0]:
                    i = int(index)
                    best[claim] = (value, windows[w], (value, float(full[i]), float(chars_w[i]), float(across[i]),
                                                       float(covered[i]), float(same[i]), 0.0))
        if WHOLE > 0:
            coverage = np.minimum(self._bm25(_tokens(whole, False)) / shared_norm, 1.0) \
                * np.minimum(self._shared_concepts(whole) / CROSS_CONCEPTS, 1.0)
            coverage = np.where(usable, coverage, 0.0) * cover_factor
            for index in np.nonzero(coverage * WHOLE >= self.suggest * 0.5)[0]:
                claim = self._phrasings[int(index)].claim
                value = float(coverage[index]) * WHOLE * self._agreement(claim, whole, article_places, people)
                if value > best.get(claim, (0.0, "", ()))[0]:
                    i = int(index)
                    sentence = best.get(claim, (0.0, windows[0] if windows else "", ()))[1]
                    best[claim] = (value, sentence, (value, 0.0, 0.0, float(coverage[i]), float(covered[i]),
                                                     float(same[i]), 1.0))
        ranked = sorted(((s, c, t, f) for c, (s, t, f) in best.items() if s >= self.suggest and self._kept(f)),
                        key=lambda x: (-x[0], x[1]))
        return [ClaimMatch(self.claims[c].id, round(s, 4), "strong" if s >= self.strong else "suggested", t,
                           features=tuple(round(x, 4) for x in f)) for s, c, t, f in ranked[:top]]

    def _kept(self, features: tuple[float, ...]) -> bool:
        """Without a learnt reranker every match above the threshold is kept; with one, those it gives a
        chance of being confirmed below RERANK_FLOOR are not shown."""
        if self.reranker is None:
            return True
        weights, intercept = self.reranker
        z = intercept + sum(w * x for w, x in zip(weights, features, strict=False))
        return 1.0 / (1.0 + math.exp(-z)) >= RERANK_FLOOR

    def _agreement(self, claim: int, segment: Segment, places: frozenset[str],
                   people: tuple[frozenset[str], frozenset[str]]) -> float:
        """1 when nothing disagrees; 0 when the article names other specific places only, or other people
        only (none of the claim's people by their given name); a penalty when the window's numbers and
        the claim's are disjoint."""
        wanted = self._claim_places[claim]
        if wanted and places and not (wanted & places):
            return 0.0
        named, (persons, words) = self._claim_persons[claim], people
        if named and persons and not any(name.split()[-1] in words for name in named):
            return 0.0
        numbers = self._claim_numbers[claim]
        if numbers and segment.numbers and not (numbers & segment.numbers):
            return NUMBER_PENALTY
        return 1.0


def _tokens(segment: Segment, full: bool) -> list[str]:
    shared = list(segment.concepts) + list(segment.numbers)
    return [*segment.words, *shared] if full else shared


def _windows(title: str, text: str) -> list[str]:
    """The title, each sentence, and each run of up to SPAN neighbouring sentences (a claim told over several)."""
    parts = sentences(text)
    out = [title.strip()] if title.strip() else []
    out += parts
    for span in range(2, SPAN + 1):
        out += [" ".join(parts[i:i + span]) for i in range(len(parts) - span + 1)]
    return out


def _guess_lang(text: str, default: str) -> str:
    from nlp.langid import detect_language

    found = detect_language(text)
    return found if found in ("vi", "en") else default
