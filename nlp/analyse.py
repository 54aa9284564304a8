"""One article in, one analysis out: relevance first (cheap), then models, risk and entities."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from nlp.calibration import RiskCalibration
from nlp.features import prepare
from nlp.langid import detect_language, has_diacritics
from nlp.models import ModelBundle
from nlp.normalise import clean_text
from nlp.relevance import Gazetteer, RelevanceResult, assess
from nlp.risk import RiskInput, RiskRules, score, vn_number
from nlp.risk_model import Evidence, RiskModel
from nlp.tiers import TierModel
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
    clean: bool = False  # title and text are clean_text's output already (stored articles are)


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
    evidence: Evidence | None = None  # what the risk model weighed (train fits it on this); not stored

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
    calibration: RiskCalibration | None = None
    risk_model: RiskModel | None = None  # when the card has one, it gives the probability (else calibration)
    tiers: TierModel | None = None
    with_entities: bool = True
    models_without_signal: bool = True
    timings: dict[str, float] = field(default_factory=dict)

    def analyse_many(self, docs: list[Document]) -> list[AnalysisResult]:
        """Analyse a batch; the model calls are vectorised over the batch."""
        if not docs:
            return []
        clock = time.perf_counter()
        titles = [d.title if d.clean else clean_text(d.title) for d in docs]
        texts = [d.text if d.clean else clean_text(d.text) for d in docs]
        self._tick("normalise", clock)
        clock = time.perf_counter()
        relevance = [assess(t, x, self.gazetteer, self.tiers) for t, x in zip(titles, texts, strict=True)]
        self._tick("gazetteer", clock)
        # the cheap gazetteer pass decides who goes through the models (most news is not about the region)
        chosen = [i for i, r in enumerate(relevance) if self.models_without_signal or r.has_signal]
        clock = time.perf_counter()
        predicted = self.models.predict_all([prepare(titles[i], texts[i]) for i in chosen]) if chosen else {}
        self._tick("models", clock)
        by_doc = {i: k for k, i in enumerate(chosen)}
        out = []
        for i, (doc, title, text) in enumerate(zip(docs, titles, texts, strict=True)):
            k = by_doc.get(i)
            if k is None:
                out.append(self._without_models(doc, title, text, relevance[i]))
                continue
            out.append(self._one(doc, title, text, relevance[i], predicted["topic"][k], predicted["sentiment"][k],
                                 predicted["distortion"][k].get("distorted", 0.0)))
        return out

    def _tick(self, stage: str, since: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - since

    def _without_models(self, doc: Document, title: str, text: str, relevance: RelevanceResult) -> AnalysisResult:
        """A piece with no name of the region at all: recorded as such, not run through the models."""
        return AnalysisResult(
            id=doc.id, lang=doc.lang or detect_language(f"{title}\n{text}"), relevance="none",
            relevance_score=0.0, topic="other", topic_scores={"other": 1.0}, sentiment="neutral",
            sentiment_score=0.0, risk=0.0, flagged=False,
            reasons=["Không có địa danh nào của địa bàn: không chạy mô hình / no place of the region named: "
                     "models not run"],
            places=[], model_version=f"{self.models.version}+gazetteer-only",
        )

    def analyse(self, doc: Document) -> AnalysisResult:
        """Analyse one document."""
        return self.analyse_many([doc])[0]

    def _one(self, doc: Document, title: str, text: str, relevance: RelevanceResult,
             topic_scores: dict[str, float], sentiment_scores: dict[str, float], p_distorted: float
             ) -> AnalysisResult:
        lang = doc.lang or detect_language(f"{title}\n{text}")
        topic = max(topic_scores, key=lambda k: topic_scores[k])
        sentiment = max(sentiment_scores, key=lambda k: sentiment_scores[k])
        risk = score(RiskInput(
            title=title, text=text, topic=topic, topic_label=self.topic_labels.get(topic, topic),
            negative_probability=sentiment_scores.get("negative", 0.0),
            distortion_probability=p_distorted, relevant=relevance.tier != "none",
            source_kind=doc.source_kind, source_prior=doc.source_prior,
        ), self.rules)
        value, components, reasons = risk.risk, dict(risk.components), list(risk.reasons)
        evidence = Evidence(components=risk.components, distortion_probability=p_distorted,
                            negative_probability=sentiment_scores.get("negative", 0.0),
                            sensitive_topic=topic in self.rules.sensitive_topics, tier=relevance.tier,
                            source_kind=doc.source_kind, lang=lang)
        if self.risk_model is not None:  # the parts above, weighed as they proved to weigh on unseen pieces
            value = self.risk_model.probability(evidence)
            components["raw_risk"] = risk.risk
            reasons.append(f"Xác suất xuyên tạc {round(value * 100)}% khi cân các dấu hiệu trên theo mô hình "
                           f"đã học (điểm thô {vn_number(risk.risk)}) / probability from the learned weighing")
        elif self.calibration is not None:  # the score an analyst sees is the calibrated probability
            value = self.calibration.apply(risk.risk)
            components["raw_risk"] = risk.risk
            reasons.append(f"Xác suất xuyên tạc đã hiệu chỉnh {round(value * 100)}% từ điểm thô "
                           f"{vn_number(risk.risk)} / calibrated probability")
        flagged = value >= self.threshold
        if relevance.places:
            reasons.append("Địa danh: " + ", ".join(relevance.places[:6]))
        found_entities: list[dict[str, str]] = []
        errors: list[str] = []
        # Entity tagging is most of a relevant article's analysis: it runs where an analyst reads the
        # article closely (the region is its subject, or it is flagged), not for incidental mentions.
        # On the seed and demo corpora that keeps 73 % of the entities (255 of 331 tagged articles).
        # underthesea's tagger is trained on accented text: on unaccented text it invents entities.
        tag = relevance.tier == "focus" or flagged
        if self.with_entities and tag and lang == "vi" and has_diacritics(text):
            clock = time.perf_counter()
            ner = entities(f"{title}\n{text}")
            self._tick("entities", clock)
            found_entities = ner.entities
            if ner.error:
                errors.append(f"ner: {ner.error}")
        return AnalysisResult(
            id=doc.id, lang=lang, relevance=relevance.tier, relevance_score=relevance.score,
            topic=topic, topic_scores={k: round(v, 4) for k, v in topic_scores.items()},
            sentiment=sentiment, sentiment_score=round(sentiment_scores[sentiment], 4),
            risk=value, flagged=flagged, reasons=reasons,
            places=relevance.places, model_version=self.models.version, entities=found_entities,
            risk_components=components, errors=errors, evidence=evidence,
        )
