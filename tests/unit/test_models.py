"""Model persistence: skops, a card, refusal of incompatible versions, the shipped default works."""

import json
import shutil
from pathlib import Path

import pytest

from nlp.models import DEFAULT_DIR, ModelLoadError, load_bundle


def test_shipped_default_model_loads_and_predicts():
    bundle = load_bundle(DEFAULT_DIR)
    probs = bundle.probabilities("topic", ["Giá vải thiều Thanh Hà tăng mạnh, nông dân phấn khởi"])[0]
    assert abs(sum(probs.values()) - 1.0) < 1e-6
    assert bundle.card["data"] and all(len(d["sha256"]) == 64 for d in bundle.card["data"])
    assert "scikit-learn" in bundle.card["libraries"]


def test_a_model_built_by_another_scikit_learn_is_refused(tmp_path: Path):
    copy = tmp_path / "m"
    shutil.copytree(DEFAULT_DIR, copy)
    card = json.loads((copy / "card.json").read_text())
    card["libraries"]["scikit-learn"] = "0.24.2"
    (copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="0.24.2"):
        load_bundle(copy)


def test_missing_or_damaged_models_are_clear_errors(tmp_path: Path):
    with pytest.raises(ModelLoadError, match="card.json"):
        load_bundle(tmp_path)
    copy = tmp_path / "m"
    shutil.copytree(DEFAULT_DIR, copy)
    (copy / "topic.skops").write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match="topic.skops"):
        load_bundle(copy)


def test_the_shipped_model_was_trained_on_exactly_the_seed_files_in_the_repository():
    from nlp.corpus import file_sha256, seed_files

    card = json.loads((DEFAULT_DIR / "card.json").read_text("utf-8"))
    recorded = {d["path"]: d["sha256"] for d in card["data"] if "path" in d}
    assert recorded == {p.name: file_sha256(p) for p in seed_files()}, "seed changed: run 'hdmonitor train'"
