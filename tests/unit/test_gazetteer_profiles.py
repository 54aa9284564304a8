"""Two gazetteer profiles, chosen by a setting: the former province (default) and the whole merged city."""

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from config.settings import Settings, SettingsError, default_config_dir, load_settings
from nlp.analyse import Document
from nlp.relevance import Gazetteer, assess
from pipeline.resources import build_analyser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "relevance"


def _gazetteer(name: str) -> Gazetteer:
    return Gazetteer.from_dict(yaml.safe_load((default_config_dir() / name).read_text("utf-8")))


def _agreement(gazetteer: Gazetteer, fixture: str) -> float:
    rows = [json.loads(line) for line in (FIXTURES / fixture).read_text("utf-8").splitlines() if line.strip()]
    assert len(rows) >= 20
    return sum(assess(r["title"], r["text"], gazetteer).tier == r["relevance"] for r in rows) / len(rows)


@pytest.mark.parametrize("profile,fixture,floor", [
    ("gazetteer.yaml", "hai_duong.jsonl", 0.9),  # articles written for the former province
    ("gazetteer-hai-phong.yaml", "hai_phong.jsonl", 0.95),  # articles written for the merged city
])
def test_each_profile_on_articles_written_for_it(profile, fixture, floor):
    assert _agreement(_gazetteer(profile), fixture) >= floor


def test_the_profiles_watch_different_regions():
    """A piece about Cát Bà is about the merged city, not the former province; Chí Linh is in both."""
    cat_ba = ("Cát Bà đón lượng khách kỷ lục", "Quần đảo Cát Bà và vịnh Lan Hạ đón 410.000 lượt khách trong tháng 6.")
    chi_linh = ("Chí Linh khai hội mùa xuân Côn Sơn", "Thành phố Chí Linh khai mạc lễ hội mùa xuân Côn Sơn – Kiếp Bạc.")
    default, city = _gazetteer("gazetteer.yaml"), _gazetteer("gazetteer-hai-phong.yaml")
    assert assess(*cat_ba, default).tier == "none" and assess(*cat_ba, city).tier == "focus"
    assert assess(*chi_linh, default).tier == "focus" and assess(*chi_linh, city).tier == "focus"


def test_the_setting_chooses_the_profile_for_the_analysis(monkeypatch):
    doc = Document(id="1", title="Cát Bà đón lượng khách kỷ lục", lang="vi",
                   text="Quần đảo Cát Bà và vịnh Lan Hạ đón 410.000 lượt khách trong tháng 6, tăng 18 %.")
    assert build_analyser(load_settings(), with_entities=False).analyse(doc).relevance == "none"
    monkeypatch.setenv("HDM_GAZETTEER_PROFILE", "hai-phong")
    settings = load_settings()
    assert settings.gazetteer_file().name == "gazetteer-hai-phong.yaml"
    assert build_analyser(settings, with_entities=False).analyse(doc).relevance == "focus"


def test_an_unknown_or_unsafe_profile_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="no gazetteer profile 'quang-ninh'"):
        Settings(gazetteer_profile="quang-ninh", config_dir=tmp_path).gazetteer_file()
    with pytest.raises(ValidationError):
        Settings(gazetteer_profile="../../etc/passwd")


def test_an_office_profile_in_its_own_config_dir_wins(tmp_path):
    (tmp_path / "gazetteer-tinh-x.yaml").write_text(
        "region: {id: tinh-x, name: Tỉnh X}\nentries:\n  - {id: x, kind: province, names: [Tỉnh X]}\n", "utf-8")
    settings = Settings(gazetteer_profile="tinh-x", config_dir=tmp_path)
    assert settings.gazetteer_file() == tmp_path / "gazetteer-tinh-x.yaml"
    analysed = build_analyser(settings, with_entities=False).analyse(
        Document(id="1", title="Tỉnh X mở cầu mới", text="Cây cầu mới của Tỉnh X dài 1 km.", lang="vi"))
    assert analysed.relevance == "focus"
