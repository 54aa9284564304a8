"""Load what the analysis needs from the configured files: gazetteer, rules, taxonomy, models."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sklearn
import yaml

from config.settings import Settings, SettingsError
from nlp.analyse import Analyser
from nlp.corpus import load, seed_files
from nlp.models import DEFAULT_DIR, ModelBundle, ModelLoadError, load_bundle
from nlp.relevance import Gazetteer
from nlp.risk import RiskRules
from nlp.train import train_bundle

logger = logging.getLogger(__name__)


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
        bundle = train_bundle(load(files), files)
        bundle.save(cache)
        return bundle


def build_analyser(settings: Settings, with_entities: bool = True, models_without_signal: bool = True) -> Analyser:
    """An analyser from the settings' config directory and model."""
    gazetteer = Gazetteer.from_dict(read_yaml(settings.config_file("gazetteer.yaml")))
    rules = RiskRules.from_dict(read_yaml(settings.config_file("risk_rules.yaml")))
    taxonomy = read_yaml(settings.config_file("taxonomy.yaml"))
    labels = {code: str(v.get("vi", code)) for code, v in (taxonomy.get("topics") or {}).items()}
    return Analyser(gazetteer=gazetteer, models=load_models(settings), rules=rules, topic_labels=labels,
                    threshold=settings.risk_threshold, with_entities=with_entities,
                    models_without_signal=models_without_signal)
