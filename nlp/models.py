"""Trained classifiers as one versioned bundle: skops files plus a model card (card.json)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

DEFAULT_DIR = Path(__file__).resolve().parent / "models" / "default"
TASKS = ("topic", "sentiment", "distortion")
PARTS = ("features", *TASKS)
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "nlp.features.", "collections.")


class ModelLoadError(RuntimeError):
    """A model bundle is missing, damaged or was built by an incompatible library version."""


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@dataclass
class ModelBundle:
    """Shared text features, one classifier head per task, and the card that describes them."""

    features: FeatureUnion
    heads: dict[str, LogisticRegression]
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The version string stored with every analysis made by this bundle."""
        return str(self.card.get("version", "unversioned"))

    def predict_all(self, texts: list[str]) -> dict[str, list[dict[str, float]]]:
        """Class probabilities per text for every task (features computed once)."""
        matrix = self.features.transform(texts)
        return {task: _probabilities(head, matrix) for task, head in self.heads.items()}

    def probabilities(self, task: str, texts: list[str]) -> list[dict[str, float]]:
        """Class probabilities per text for one task."""
        return _probabilities(self.heads[task], self.features.transform(texts))

    def save(self, directory: Path) -> None:
        """Write one skops file per part and card.json into the directory (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        for head in self.heads.values():
            # float32 weights: half the file, predictions equal to ~1e-9; the hashed feature space is wide
            head.coef_ = np.asarray(head.coef_, dtype=np.float32)
            head.intercept_ = np.asarray(head.intercept_, dtype=np.float32)
        parts: dict[str, Any] = {"features": self.features, **self.heads}
        for name in PARTS:
            tmp = directory / f"{name}.skops.tmp"
            sio.dump(parts[name], tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
            tmp.replace(directory / f"{name}.skops")
        card = dict(self.card)
        card["libraries"] = {"scikit-learn": sklearn.__version__, "skops": skops.__version__,
                             "numpy": np.__version__}
        tmp_card = directory / "card.json.tmp"
        tmp_card.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp_card.replace(directory / "card.json")
        self.card = card


def _probabilities(head: LogisticRegression, matrix: Any) -> list[dict[str, float]]:
    proba = np.asarray(head.predict_proba(matrix))
    classes = [str(c) for c in head.classes_]
    return [{c: float(p) for c, p in zip(classes, row, strict=True)} for row in proba]


def _load_part(path: Path) -> Any:
    try:
        untrusted = sio.get_untrusted_types(file=path)
        unknown = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if unknown:
            raise ModelLoadError(f"{path}: kiểu không tin cậy / untrusted types: {unknown}")
        return sio.load(path, trusted=untrusted)
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same failure to the user
        raise ModelLoadError(f"{path}: không đọc được / unreadable: {exc}") from exc


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
    parts = {name: _load_part(directory / f"{name}.skops") for name in PARTS}
    return ModelBundle(parts["features"], {t: parts[t] for t in TASKS}, card)
