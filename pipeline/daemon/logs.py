"""The daemon's log: one line per event, human-readable or JSON, to standard error or a rotating file."""

from __future__ import annotations

import json
import logging
import logging.handlers
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON line
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, pid, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str, log_file: Path | None, max_mb: int, backups: int,
                      level: int = logging.INFO) -> None:
    """Replace the root handlers: JSON or text lines, to a file rotated at `max_mb` or to standard error."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=max_mb * 1024 * 1024,
                                                       backupCount=backups, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler reports every run at INFO ("Running job ..."): the daemon records runs itself; and
    # while one long job runs, every skipped tick of a frequent one would be a warning a second
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    handler.addFilter(_SkippedTicks())


class _SkippedTicks(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached" (one job at a time is the design)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("apscheduler") and "maximum number of running instances" in str(record.msg))
