"""Trained classifiers as one versioned bundle: skops files plus a model card (card.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio
from sklearn.pipeline import Pipeline

DEFAULT_DIR = Path(__file__).resolve().parent / "models" / "default"
TASKS = ("topic", "sentiment", "distortion")
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "nlp.features.", "collections.")


class ModelLoadError(RuntimeError):
    """A model bundle is missing, damaged or was built by an incompatible library version."""


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@dataclass
class ModelBundle:
    """The topic, sentiment and distortion classifiers and the card that describes them."""

    topic: Pipeline
    sentiment: Pipeline
    distortion: Pipeline
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The version string stored with every analysis made by this bundle."""
        return str(self.card.get("version", "unversioned"))

    def probabilities(self, task: str, texts: list[str]) -> list[dict[str, float]]:
        """Class probabilities per text for one task."""
        model: Pipeline = getattr(self, task)
        proba = np.asarray(model.predict_proba(texts))
        classes = [str(c) for c in model.classes_]
        return [{c: float(p) for c, p in zip(classes, row, strict=True)} for row in proba]

    def save(self, directory: Path) -> None:
        """Write the three skops files and card.json into the directory (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        for task in TASKS:
            tmp = directory / f"{task}.skops.tmp"
            sio.dump(getattr(self, task), tmp)
            tmp.replace(directory / f"{task}.skops")
        card = dict(self.card)
        card["libraries"] = {"scikit-learn": sklearn.__version__, "skops": skops.__version__,
                             "numpy": np.__version__}
        tmp_card = directory / "card.json.tmp"
        tmp_card.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp_card.replace(directory / "card.json")
        self.card = card


def load_bundle(directory: Path) -> ModelBundle:
    """Load a bundle, refusing one built by another scikit-learn minor version."""
    card_path = directory / "card.json"
    if not card_path.exists():
        raise ModelLoadError(f"không có mô hình / no model at {directory} (card.json missing)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{card_path}: hỏng / damaged: {exc}") from exc
    built = str(card.get("libraries", {}).get("scikit-learn", "?"))
    if _minor(built) != _minor(sklearn.__version__):
        raise ModelLoadError(
            f"mô hình ở {directory} dựng bằng scikit-learn {built}, máy này có {sklearn.__version__}; "
            f"chạy 'hdmonitor train' / model built with scikit-learn {built}, installed "
            f"{sklearn.__version__}: run 'hdmonitor train'"
        )
    models: dict[str, Pipeline] = {}
    for task in TASKS:
        path = directory / f"{task}.skops"
        try:
            untrusted = sio.get_untrusted_types(file=path)
            unknown = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
            if unknown:
                raise ModelLoadError(f"{path}: kiểu không tin cậy / untrusted types: {unknown}")
            models[task] = sio.load(path, trusted=untrusted)
        except ModelLoadError:
            raise
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same failure to the user
            raise ModelLoadError(f"{path}: không đọc được / unreadable: {exc}") from exc
    return ModelBundle(models["topic"], models["sentiment"], models["distortion"], card)
