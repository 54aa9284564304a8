"""Load what the analysis needs from the configured files: gazetteer, rules, taxonomy, models."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sklearn
import yaml

from config.settings import Settings, SettingsError
from nlp.analyse import Analyser, Document
from nlp.calibration import RiskCalibration
from nlp.corpus import Example, load, seed_files, split_of
from nlp.models import DEFAULT_DIR, ModelBundle, ModelLoadError, load_bundle
from nlp.relevance import Gazetteer, assess, tier_inputs
from nlp.risk import RiskRules
from nlp.risk_model import Evidence, RiskModel
from nlp.tiers import TierModel
from nlp.train import out_of_fold, train_bundle

logger = logging.getLogger(__name__)
TIER_C = 0.3  # regularisation of the tier model: best of 0.1-3 in 5-fold cross-validation on the real-news tiers
# a hand-labeled real article weighs as ten seed pieces in the tier model: real news is what the decision is
# for, and the seed's written pieces outnumber it (cross-validated focus F1 on the real news: 0.79 with 5, 0.78
# with 10 and 20; 0.75 with 1)
REAL_NEWS_WEIGHT = 10.0


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from a config file, with a clear error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"không đọc được / cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: YAML không hợp lệ / invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: cần một ánh xạ YAML / expected a YAML mapping")
    return data


def models_cache_dir(settings: Settings) -> Path:
    """Where a model rebuilt for this machine's scikit-learn is kept."""
    base = settings.sqlite_path.parent if settings.sqlite_path else Path("var")
    return base / "models" / f"seed-sklearn-{sklearn.__version__}"


def load_models(settings: Settings) -> ModelBundle:
    """The configured model, or the shipped default; rebuilt from the seed corpus if incompatible."""
    if settings.model_dir is not None:
        return load_bundle(Path(settings.model_dir))
    try:
        return load_bundle(DEFAULT_DIR)
    except ModelLoadError as exc:
        cache = models_cache_dir(settings)
        try:
            return load_bundle(cache)
        except ModelLoadError:
            pass
        logger.warning("%s; rebuilding the default model from the seed corpus into %s", exc, cache)
        files = seed_files()
        examples = load(files)
        bundle = train_bundle(examples, files)
        bundle.card["risk_calibration"] = calibrate(settings, examples, bundle)
        bundle.card["tier_model"] = fit_tiers(settings, examples)
        bundle.save(cache)
        return bundle


def calibrate(settings: Settings, examples: list[Example], bundle: ModelBundle, folds: int = 5,
              progress: Any = None) -> dict[str, Any]:
    """The risk calibration for the model card, from the training split's labeled examples, each scored by
    sentiment and distortion heads fitted without its fold: the raw score's monotone map to what was
    true, and the learned risk model over the score's parts (nlp.risk_model).

    The topic head (it only decides whether a topic is sensitive) and the features are the bundle's.
    """
    labeled = [e for e in examples if split_of(e.id) == "train" and e.distorted is not None]
    base = build_analyser(settings, with_entities=False, models=bundle)
    raws: list[float] = []
    evidence: list[Evidence] = []
    truth: list[bool] = []
    for k, (part, fold_bundle) in enumerate(out_of_fold(labeled, folds, base=bundle,
                                                         tasks=("sentiment", "distortion"))):
        if progress is not None:
            progress(f"hiệu chỉnh / calibrating: fold {k + 1}/{folds} ({len(part)} examples)")
        analyser = replace(base, models=fold_bundle, calibration=None, risk_model=None, timings={})
        results = analyser.analyse_many([Document(id=e.id, title=e.title, text=e.text, lang=e.lang,
                                                  source_kind=e.source_kind) for e in part])
        raws += [r.risk for r in results]
        evidence += [r.evidence for r in results if r.evidence is not None]
        truth += [bool(e.distorted) for e in part]
    fitted = RiskCalibration.fit(raws, truth)
    out: dict[str, Any] = {**fitted.to_dict(), "folds": folds, "examples": len(raws), "distorted": sum(truth)}
    if len(evidence) == len(truth):  # every piece went through the models (they do unless told otherwise)
        out["model"] = RiskModel.fit(evidence, truth).to_dict()
    return out


def build_analyser(settings: Settings, with_entities: bool = True, models_without_signal: bool = True,
                   models: ModelBundle | None = None) -> Analyser:
    """An analyser from the settings' config directory and model (or the given models)."""
    gazetteer = Gazetteer.from_dict(read_yaml(settings.gazetteer_file()))
    rules = RiskRules.from_dict(read_yaml(settings.config_file("risk_rules.yaml")))
    taxonomy = read_yaml(settings.config_file("taxonomy.yaml"))
    labels = {code: str(v.get("vi", code)) for code, v in (taxonomy.get("topics") or {}).items()}
    models = models or load_models(settings)
    try:
        calibration = RiskCalibration.from_dict(models.card.get("risk_calibration"))
        risk_model = RiskModel.from_dict((models.card.get("risk_calibration") or {}).get("model"))
        tiers = TierModel.from_dict(models.card["tier_model"]) if models.card.get("tier_model") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"mô hình {models.version}: thẻ mô hình hỏng / broken model card: {exc}") from exc
    return Analyser(gazetteer=gazetteer, models=models, rules=rules, topic_labels=labels,
                    threshold=settings.risk_threshold, calibration=calibration, risk_model=risk_model,
                    tiers=tiers,
                    with_entities=with_entities, models_without_signal=models_without_signal)


def fit_tiers(settings: Settings, examples: list[Example], c: float = TIER_C,
              real: list[Example] | None = None) -> dict[str, Any]:
    """The learned focus-vs-mention decision for the model card, fitted on the training split's pieces that
    name the region and on the hand-labeled real news (VNTC tiers: `real`, or read from the public data
    when it is here)."""
    from pipeline.evaluation import EvaluationError, tier_examples

    gazetteer = Gazetteer.from_dict(read_yaml(settings.gazetteer_file()))
    seed = [e for e in examples if split_of(e.id) == "train"]
    used = {"seed_train": len(seed)}
    if real is None:
        try:
            real = tier_examples(settings.shared_data_dir)
        except (OSError, EvaluationError) as exc:
            logger.warning("tier model without the real-news tiers: %s", exc)
            real = []
    if real:
        used["vntc_tiers"] = len(real)
    seed_pieces = [p for p in tier_pieces(gazetteer, seed) if p is not None]
    real_pieces = [p for p in tier_pieces(gazetteer, real) if p is not None]
    model = fit_tier_model(seed_pieces, real_pieces, c)
    return {**model.to_dict(), "fitted_on": used, "pieces": len(seed_pieces) + len(real_pieces), "c": c,
            "real_news_weight": REAL_NEWS_WEIGHT}


@dataclass(frozen=True)
class TierPiece:
    """A labeled piece as the tier model sees it."""

    vector: list[float]
    terms: frozenset[str]
    focus: bool


def tier_pieces(gazetteer: Gazetteer, examples: list[Example]) -> list[TierPiece | None]:
    """For each example: its tier features, context terms and whether it is focus, or None when the tier
    model has no say (no accepted name of the region, or not labeled focus or mention)."""
    out: list[TierPiece | None] = []
    for e in examples:
        result = assess(e.title, e.text, gazetteer)
        if result.matches and e.relevance in ("focus", "mention"):
            vector, terms = tier_inputs(result.matches, f"{e.title}\n{e.text}", len(e.title), gazetteer)
            out.append(TierPiece(vector, terms, e.relevance == "focus"))
        else:
            out.append(None)
    return out


def fit_tier_model(seed: list[TierPiece], real: list[TierPiece], c: float = TIER_C) -> TierModel:
    """The tier model on seed pieces and hand-labeled real news (each real piece weighing REAL_NEWS_WEIGHT)."""
    pieces = seed + real
    return TierModel.fit([p.vector for p in pieces], [p.focus for p in pieces], c=c,
                         contexts=[p.terms for p in pieces],
                         sample_weight=[1.0] * len(seed) + [REAL_NEWS_WEIGHT] * len(real))
