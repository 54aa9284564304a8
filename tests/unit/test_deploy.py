"""Keep deploy/ honest: the units parse, run unprivileged, call real commands; the env example names real settings."""

import configparser
import re
import shlex
from pathlib import Path

import pytest

from config.settings import Settings
from pipeline.cli import build_parser
from pipeline.cli.run import ALREADY_RUNNING_EXIT

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = ["hdmonitor.service", "hdmonitor-web.service", "hdmonitor-worker.service"]
ENV_EXAMPLE = DEPLOY / "hdmonitor.env.example"
ENV_FILE = "/etc/hdmonitor/hdmonitor.env"
WRITABLE = {"/var/lib/hdmonitor", "/var/log/hdmonitor"}

# Settings being added (logging and metrics, then SMTP with the weekly digest): allowed in the env
# example before config/settings.py has them. Once they are fields, the Settings check covers them.
SETTINGS_BEING_ADDED = {"HDM_LOG_FORMAT", "HDM_LOG_FILE", "HDM_METRICS_ADDRESS"}
SETTINGS_BEING_ADDED_PREFIXES = ("HDM_SMTP_",)

ASSIGNMENT = re.compile(r"^#?\s*(HDM_[A-Z0-9_]+)=(.*)$")
PLACEHOLDER = re.compile(r"^(|CHANGE_ME|<[^<>]*>)$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY")


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text("utf-8"), source=name)
    return parser


def _hdmonitor_commands(unit: configparser.ConfigParser) -> list[list[str]]:
    """The argument lists of every Exec* line that runs the hdmonitor console script."""
    found = []
    for key, value in unit["Service"].items():
        if not key.startswith("Exec"):
            continue
        argv = shlex.split(value)
        executable = argv[0].lstrip("@-:+!")  # systemd's Exec prefixes
        if Path(executable).name == "hdmonitor":
            found.append(argv[1:])
    return found


def _subcommands() -> dict[str, set[str]]:
    """Each command of the CLI parser with its nested commands (empty when it has none)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    names: dict[str, set[str]] = {}
    for name, child in sub.choices.items():
        nested = [a for a in child._actions if a.__class__.__name__ == "_SubParsersAction"]
        names[name] = set(nested[0].choices) if nested else set()
    return names


def _env_assignments() -> list[tuple[int, str, str]]:
    """(line number, name, value) of every HDM_ assignment in the env example, commented or not."""
    found = []
    for number, line in enumerate(ENV_EXAMPLE.read_text("utf-8").splitlines(), 1):
        match = ASSIGNMENT.match(line.strip())
        if match:
            found.append((number, match.group(1), match.group(2)))
    return found


@pytest.mark.parametrize("name", UNITS)
def test_unit_parses_and_runs_unprivileged(name):
    unit = _unit(name)
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    assert service.get("User") == "hdmonitor" and service.get("Group") == "hdmonitor"
    assert service["User"] not in ("root", "0")
    assert service.get("EnvironmentFile") == ENV_FILE  # no "-" prefix: a missing file is an error
    assert service.get("WorkingDirectory") == "/var/lib/hdmonitor"
    assert unit["Install"].get("WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", UNITS)
def test_unit_is_hardened_but_can_write_its_state_and_use_the_network(name):
    service = _unit(name)["Service"]
    assert service.get("NoNewPrivileges") == "yes"
    assert service.get("ProtectSystem") == "strict"
    assert service.get("ProtectHome") == "yes"
    assert service.get("PrivateTmp") == "yes"
    assert WRITABLE <= set(service.get("ReadWritePaths", "").split())
    assert set(service.get("RestrictAddressFamilies", "").split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert int(service.get("LimitNOFILE", "0")) >= 4096


@pytest.mark.parametrize("name", UNITS)
def test_every_hdmonitor_command_in_a_unit_exists(name):
    unit = _unit(name)
    commands = _hdmonitor_commands(unit)
    assert commands, f"{name} runs no hdmonitor command"
    known = _subcommands()
    for argv in commands:
        words = [w for w in argv if not w.startswith("-")]
        assert words and words[0] in known, f"{name}: unknown command {argv}"
        if known[words[0]]:
            assert len(words) > 1 and words[1] in known[words[0]], f"{name}: unknown command {argv}"
        try:  # the options must parse too (parse only: nothing runs)
            build_parser().parse_args(argv)
        except SystemExit as exc:
            pytest.fail(f"{name}: 'hdmonitor {' '.join(argv)}' is refused by the CLI parser ({exc})")


def test_daemon_unit_migrates_runs_and_stops_cleanly():
    service = _unit("hdmonitor.service")["Service"]
    assert _hdmonitor_commands(_unit("hdmonitor.service")) == [["init"], ["run"]]
    assert service.get("ExecStartPre", "").split()[1:] == ["init"]
    assert service.get("Restart") == "on-failure"
    # another daemon holds the database: restarting cannot help
    assert str(ALREADY_RUNNING_EXIT) in service.get("RestartPreventExitStatus", "").split()
    assert service.get("KillSignal") == "SIGTERM"
    assert int(service.get("TimeoutStopSec", "0")) >= 120  # seconds for the job in hand to finish


def test_web_unit_listens_on_loopback_behind_the_proxy():
    argv = _hdmonitor_commands(_unit("hdmonitor-web.service"))[0]
    args = build_parser().parse_args(argv)
    assert args.command == "serve" and args.host == "127.0.0.1"


def test_env_example_names_only_real_settings():
    fields = {f"HDM_{name.upper()}": info for name, info in Settings.model_fields.items()}
    text = ENV_EXAMPLE.read_text("utf-8")
    names = set(re.findall(r"\bHDM_[A-Z0-9_]*[A-Z0-9]", text))
    assert "HDM_DATABASE_URL" in names and "HDM_SECRET_KEY" in names
    for name in sorted(names):
        if name in fields or name in SETTINGS_BEING_ADDED or name.startswith(SETTINGS_BEING_ADDED_PREFIXES):
            continue
        head, sep, _ = name.partition("__")
        if sep and head in fields and fields[head].annotation is not None:
            assert "dict" in str(fields[head].annotation), f"{name}: {head} takes no nested keys"
            continue
        pytest.fail(f"{name} in {ENV_EXAMPLE.name} is not a setting (config/settings.py)")


def test_env_example_is_environment_file_syntax():
    for number, line in enumerate(ENV_EXAMPLE.read_text("utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        assert re.match(r"^HDM_[A-Z0-9_]+=\S*$", stripped), f"line {number}: {line!r}"


def test_env_example_holds_no_secret():
    text = ENV_EXAMPLE.read_text("utf-8")
    assert "0600" in text and "root:hdmonitor" in text
    assignments = _env_assignments()
    assert any(name == "HDM_SECRET_KEY" for _, name, _ in assignments)
    for number, name, value in assignments:
        where = f"{ENV_EXAMPLE.name}:{number} {name}"
        if SECRET_NAME.search(name):
            assert PLACEHOLDER.match(value), f"{where}: a secret must be empty or CHANGE_ME"
        for password in re.findall(r"://[^:/@\s]+:([^@\s]*)@", value):
            assert PLACEHOLDER.match(password), f"{where}: a password in a URL must be CHANGE_ME"
        for token in re.findall(r"[A-Za-z0-9_+=-]{20,}", value):
            looks_random = re.search(r"[0-9]", token) and re.search(r"[a-z]", token) and re.search(r"[A-Z]", token)
            assert not looks_random, f"{where}: {token!r} looks like a real secret"
