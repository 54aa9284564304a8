"""hdmonitor command line. Vietnamese first, English second; errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import logging

from config.settings import SettingsError
from pipeline.cli import (
    analyse,
    collect,
    digest,
    evidence,
    export,
    models,
    report,
    run,
    serve,
    sources,
    status,
    users,
    worker,
)
from pipeline.cli.common import CliError, Formatter, Parser, bilingual, err_console

__all__ = ["CliError", "build_parser", "main"]

logger = logging.getLogger("hdmonitor")

# One module per command group; registered in the order the help lists the commands.
_GROUPS = (collect, run, worker, analyse, models, export, digest, report, sources, evidence, users, serve, status)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the test that keeps the README honest)."""
    parser = bilingual(Parser(
        prog="hdmonitor", add_help=False, formatter_class=Formatter,
        description="Theo dõi báo chí về Hải Dương / media monitoring for Hải Dương",
    ))
    parser.add_argument("--database", metavar="URL", help="địa chỉ CSDL / database URL (env HDM_DATABASE_URL)")
    parser.add_argument("--config", metavar="DIR", help="thư mục cấu hình / config directory (env HDM_CONFIG_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết / verbose logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, title="lệnh / commands")
    for group in _GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hdmonitor` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from nlp.corpus import CorpusError
    from nlp.models import ModelLoadError
    from store.db import DatabaseError

    try:
        return int(args.func(args))
    except CliError as exc:
        err_console.print(f"lỗi / error: {exc}", markup=False)
        return exc.code
    except (SettingsError, DatabaseError, ModelLoadError, CorpusError) as exc:
        err_console.print(f"lỗi / error: {exc}", markup=False)
        return 1
    except KeyboardInterrupt:
        err_console.print("đã dừng / interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the user sees one line; -v shows the traceback
        logger.debug("unexpected error", exc_info=True)
        if args.verbose:
            raise
        err_console.print(f"lỗi không mong đợi / unexpected error: {type(exc).__name__}: {exc} "
                          "(chạy lại với -v để xem chi tiết / rerun with -v for details)", markup=False)
        return 1
