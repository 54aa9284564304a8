"""One article in, one analysis out: relevance first (cheap), then models, risk and entities."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from nlp.features import prepare
from nlp.langid import detect_language, has_diacritics
from nlp.models import ModelBundle
from nlp.normalise import clean_text
from nlp.relevance import Gazetteer, assess
from nlp.risk import RiskInput, RiskRules, score
from nlp.tokenise import entities

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """An article to analyse, as plain values."""

    id: str
    title: str
    text: str
    lang: str | None = None
    url: str | None = None
    source: str | None = None
    source_kind: str | None = None
    source_prior: float = 0.0


@dataclass
class AnalysisResult:
    """Everything the analysis decided about one document, with the reasons for a flag."""

    id: str
    lang: str
    relevance: str
    relevance_score: float
    topic: str
    topic_scores: dict[str, float]
    sentiment: str
    sentiment_score: float
    risk: float
    flagged: bool
    reasons: list[str]
    places: list[str]
    model_version: str = ""
    entities: list[dict[str, str]] = field(default_factory=list)
    risk_components: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def contract(self) -> dict[str, Any]:
        """The fields of a `classify` output line, in the documented order."""
        data = asdict(self)
        keys = ("id", "lang", "relevance", "relevance_score", "topic", "topic_scores", "sentiment",
                "sentiment_score", "risk", "flagged", "reasons", "places")
        return {k: data[k] for k in keys}


@dataclass
class Analyser:
    """Holds the loaded gazetteer, models and rules; `analyse` is a pure function of a document."""

    gazetteer: Gazetteer
    models: ModelBundle
    rules: RiskRules
    topic_labels: dict[str, str]
    threshold: float = 0.5
    with_entities: bool = True

    def analyse_many(self, docs: list[Document]) -> list[AnalysisResult]:
        """Analyse a batch; the model calls are vectorised over the batch."""
        if not docs:
            return []
        titles = [clean_text(d.title) for d in docs]
        texts = [clean_text(d.text) for d in docs]
        prepared = [prepare(t, x) for t, x in zip(titles, texts, strict=True)]
        predicted = self.models.predict_all(prepared)
        topics, sentiments, distortion = predicted["topic"], predicted["sentiment"], predicted["distortion"]
        return [
            self._one(doc, title, text, topics[i], sentiments[i], distortion[i].get("distorted", 0.0))
            for i, (doc, title, text) in enumerate(zip(docs, titles, texts, strict=True))
        ]

    def analyse(self, doc: Document) -> AnalysisResult:
        """Analyse one document."""
        return self.analyse_many([doc])[0]

    def _one(self, doc: Document, title: str, text: str, topic_scores: dict[str, float],
             sentiment_scores: dict[str, float], p_distorted: float) -> AnalysisResult:
        lang = doc.lang or detect_language(f"{title}\n{text}")
        relevance = assess(title, text, self.gazetteer)
        topic = max(topic_scores, key=lambda k: topic_scores[k])
        sentiment = max(sentiment_scores, key=lambda k: sentiment_scores[k])
        risk = score(RiskInput(
            title=title, text=text, topic=topic, topic_label=self.topic_labels.get(topic, topic),
            negative_probability=sentiment_scores.get("negative", 0.0),
            distortion_probability=p_distorted, relevant=relevance.tier != "none",
            source_kind=doc.source_kind, source_prior=doc.source_prior,
        ), self.rules)
        flagged = risk.risk >= self.threshold
        reasons = list(risk.reasons)
        if relevance.places:
            reasons.append("Địa danh: " + ", ".join(relevance.places[:6]))
        found_entities: list[dict[str, str]] = []
        errors: list[str] = []
        # underthesea's tagger is trained on accented text: on unaccented text it invents entities
        if self.with_entities and lang == "vi" and relevance.tier != "none" and has_diacritics(text):
            ner = entities(f"{title}\n{text}")
            found_entities = ner.entities
            if ner.error:
                errors.append(f"ner: {ner.error}")
        return AnalysisResult(
            id=doc.id, lang=lang, relevance=relevance.tier, relevance_score=relevance.score,
            topic=topic, topic_scores={k: round(v, 4) for k, v in topic_scores.items()},
            sentiment=sentiment, sentiment_score=round(sentiment_scores[sentiment], 4),
            risk=risk.risk, flagged=flagged, reasons=reasons,
            places=relevance.places, model_version=self.models.version, entities=found_entities,
            risk_components=risk.components, errors=errors,
        )
