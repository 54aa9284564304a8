from pathlib import Path

import pytest

from config.settings import SettingsError, load_settings
from config.sources import load_sources


def test_environment_overrides_scrapy_settings_one_by_one(monkeypatch):
    monkeypatch.setenv("HDM_SCRAPY__DOWNLOAD_DELAY", "0")
    monkeypatch.setenv("HDM_SCRAPY__AUTOTHROTTLE_ENABLED", "false")
    settings = load_settings()
    assert settings.scrapy["DOWNLOAD_DELAY"] == "0"
    assert settings.scrapy["AUTOTHROTTLE_ENABLED"] == "false"
    assert settings.scrapy["ROBOTSTXT_OBEY"] is True  # untouched keys keep settings.toml's value


def test_command_line_beats_environment(monkeypatch):
    monkeypatch.setenv("HDM_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings().database_url == "sqlite:///from-env.db"
    assert load_settings(database_url="sqlite:///cli.db").database_url == "sqlite:///cli.db"


def test_secrets_in_settings_file_are_refused(tmp_path: Path):
    (tmp_path / "settings.toml").write_text('secret_key = "hunter2"\n')
    with pytest.raises(SettingsError, match="secret_key"):
        load_settings(tmp_path)


def test_missing_config_dir_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope")


def test_default_sources_file_is_valid():
    sources = load_sources(Path(__file__).resolve().parents[2] / "config" / "sources.yaml")
    assert len(sources) >= 15
    assert {s.kind.value for s in sources} == {"domestic", "foreign", "overseas_vietnamese"}


@pytest.mark.parametrize("entry,needle", [
    ("- {id: bad, name: X, kind: tabloid, lang: vi, feeds: ['http://a.vn/rss']}", "'bad': kind"),
    ("- {id: bad2, name: X, kind: blog, lang: vi, feeds: ['ftp://a.vn/rss']}", "'bad2': feeds"),
    ("- {id: bad3, name: X, kind: blog, lang: vi}", "'bad3'"),
    ("- {id: bad4, name: X, kind: blog, lang: vi, feeds: ['http://a/'], prior: 3}", "'bad4': prior"),
])
def test_bad_source_entries_name_the_entry(tmp_path: Path, entry: str, needle: str):
    path = tmp_path / "s.yaml"
    path.write_text("sources:\n  " + entry + "\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=needle):
        load_sources(path)
