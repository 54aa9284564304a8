"""Shared pieces of the command line: consoles, the one-line error, settings, files and the bilingual parser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from rich.console import Console

from config.settings import Settings, load_settings

# Piped output (scripts, logs) gets wide tables instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DEMO_PORT = 8765


class CliError(Exception):
    """A problem the user can fix; printed as one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------- helpers

def settings_of(args: argparse.Namespace) -> Settings:
    """The settings, with --config and --database applied."""
    return load_settings(args.config, database_url=args.database)


def engine_of(settings: Settings, migrate: bool = True) -> Any:
    """The database engine, upgraded to head, or refused when not initialised and migrate is off."""
    from store.db import make_engine
    from store.migrate import current_revision, head_revision, upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    elif current_revision(engine) != head_revision(engine):
        raise CliError("CSDL chưa được khởi tạo, chạy 'hdmonitor init' / database not initialised: "
                       "run 'hdmonitor init'")
    return engine


def local_time(value: datetime | None, tz: str) -> str:
    """A moment as dd/mm/yyyy hh:mm in the given time zone, or a dash."""
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M") if value else "—"


def sources_of(settings: Settings, path: str | None) -> list[Any]:
    """The sources of the given file, or of the configured sources.yaml."""
    from config.sources import load_sources

    file = Path(path) if path else settings.config_file("sources.yaml")
    if path and not file.exists():
        raise CliError(f"không tìm thấy tệp / file not found: {path}")
    return load_sources(file)


def open_out(path: str) -> IO[str]:
    """Stdout for '-', else a temporary file next to the target (see close_out)."""
    if path == "-":
        return sys.stdout
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise CliError(f"thư mục không tồn tại / directory not found: {target.parent}")
    return (target.with_name(target.name + ".tmp")).open("w", encoding="utf-8", newline="")


def close_out(handle: IO[str], path: str) -> None:
    """Flush stdout, or close the temporary file and move it into place."""
    if handle is sys.stdout:
        handle.flush()
        return
    handle.close()
    Path(path + ".tmp").replace(path)


def read_lines(path: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file, or of stdin for '-'."""
    if path == "-":
        stream: IO[str] = sys.stdin
    else:
        file = Path(path)
        if not file.is_file():
            raise CliError(f"không tìm thấy tệp / file not found: {path}")
        stream = file.open(encoding="utf-8")
    try:
        yield from enumerate(stream, 1)
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: không phải UTF-8 / not UTF-8: {exc.reason} at byte {exc.start}") from exc
    finally:
        if stream is not sys.stdin:
            stream.close()


# --------------------------------------------------------------------------------------- parser

class Formatter(argparse.HelpFormatter):
    """Help in Vietnamese first, English second."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "cách dùng / usage: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """Argument errors as one bilingual line after the usage."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(2, f"lỗi / error: {self.prog}: {message}\n")


def bilingual(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Bilingual group titles and a bilingual -h/--help."""
    parser._optionals.title = "tùy chọn / options"
    parser._positionals.title = "lệnh / commands"
    parser.add_argument("-h", "--help", action="help", help="hiện trợ giúp này / show this help")
    return parser


def add_command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A bilingual subcommand parser added to a subparsers object."""
    return bilingual(sub.add_parser(name, help=help_text, description=help_text, add_help=False,
                                    formatter_class=Formatter))
