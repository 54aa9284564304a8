"""The daemon's log: JSON lines when asked, a file that rotates, APScheduler's per-second noise left out."""

import json
import logging

import pytest

from pipeline.daemon.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_time_level_logger_message_and_extras(tmp_path):
    path = tmp_path / "logs" / "daemon.log"
    configure_logging("json", path, max_mb=1, backups=2)
    logging.getLogger("pipeline.test").warning("nguồn %s: %s", "demo", "stale", extra={"job": "health"})
    try:
        raise ValueError("hỏng / broken")
    except ValueError:
        logging.getLogger("pipeline.test").exception("job failed")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["message"] == "nguồn demo: stale" and lines[0]["level"] == "warning"
    assert lines[0]["logger"] == "pipeline.test" and lines[0]["job"] == "health"
    assert lines[0]["time"].endswith("+00:00")  # UTC
    assert "ValueError: hỏng / broken" in lines[1]["exception"]


def test_the_file_rotates_and_keeps_the_backups_asked_for(tmp_path):
    path = tmp_path / "daemon.log"
    configure_logging("text", path, max_mb=1, backups=2)
    log = logging.getLogger("pipeline.test")
    for i in range(9000):  # about 3 MB of lines
        log.info("dòng / line %05d %s", i, "x" * 300)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["daemon.log", "daemon.log.1", "daemon.log.2"]
    assert all(p.stat().st_size <= 1024 * 1024 for p in tmp_path.iterdir())
    assert "line 08999" in path.read_text(encoding="utf-8")


def test_skipped_ticks_of_a_frequent_job_are_not_logged(tmp_path):
    path = tmp_path / "daemon.log"
    configure_logging("text", path, max_mb=1, backups=1)
    logging.getLogger("apscheduler.scheduler").warning(
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)', "analyse", 1)
    logging.getLogger("apscheduler.scheduler").warning("Error getting due jobs from job store %r: %s", "x", "y")
    text = path.read_text(encoding="utf-8")
    assert "maximum number of running instances" not in text and "Error getting due jobs" in text
