"""Keep the README honest: every command of the CLI and every setting is documented there."""

import re
from pathlib import Path

from config.settings import Settings
from pipeline.cli import build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    names = []
    for name, child in sub.choices.items():
        nested = [a for a in child._actions if a.__class__.__name__ == "_SubParsersAction"]
        names += [f"{name} {n}" for n in nested[0].choices] if nested else [name]
    return names


def test_every_command_is_in_the_readme():
    for command in _commands():
        assert re.search(rf"hdmonitor (\[[^\]]*\] )?{re.escape(command)}\b", README), command


def test_every_setting_is_in_the_readme():
    for name in Settings.model_fields:
        assert f"HDM_{name.upper()}" in README, name


def test_quick_start_is_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
