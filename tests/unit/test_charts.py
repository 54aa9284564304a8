"""The digest's and reports' charts: real PNGs of the promised size, empty input drawn, no pyplot state."""

from __future__ import annotations

import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digest.charts import breakdown_chart, daily_chart

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = {"economy": "Kinh tế", "politics": "Chính trị", "rights_religion": "Nhân quyền – Tôn giáo"}
WEEK = [(f"{day:02d}/03", day * 3, day % 3) for day in range(2, 9)]


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert png.startswith(PNG) and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def test_daily_chart_is_a_small_png() -> None:
    png = daily_chart(WEEK, "Bài về Hải Dương theo ngày")
    assert size_of(png) == (640, 260)
    assert 2_000 < len(png) < 120_000


def test_breakdown_chart_is_a_small_png() -> None:
    png = breakdown_chart({"economy": 1234, "politics": 5, "rights_religion": 17, "society": 0}, LABELS, "Chủ đề")
    assert size_of(png) == (640, 260)
    assert 2_000 < len(png) < 120_000


def test_empty_input_still_draws() -> None:
    for png in (breakdown_chart({}, {}, "Không có gì"), breakdown_chart({"economy": 0}, LABELS, "Toàn số 0"),
                daily_chart([], "Trống"), daily_chart([("02/03", 0, 0)], "Một ngày không có bài")):
        assert size_of(png) == (640, 260)


def test_many_categories_and_a_long_period_keep_the_size() -> None:
    many = {f"nguon-{i}": i for i in range(1, 40)}
    assert size_of(breakdown_chart(many, {}, "Theo nguồn")) == (640, 260)
    quarter = [(f"{i % 28 + 1:02d}/{i // 28 + 1:02d}", i % 7, i % 2) for i in range(92)]
    assert size_of(daily_chart(quarter, "Quý")) == (640, 260)


def test_charts_draw_from_several_threads() -> None:
    jobs = [(daily_chart, (WEEK, f"Tuần {i}")) if i % 2 else (breakdown_chart, ({"economy": i + 1}, LABELS, "x"))
            for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pngs = list(pool.map(lambda job: job[0](*job[1]), jobs))
    assert all(size_of(png) == (640, 260) for png in pngs)


def test_no_pyplot_is_loaded() -> None:
    code = ("import sys; from digest.charts import daily_chart; daily_chart([('02/03', 1, 0)], 'x'); "
            "print('matplotlib.pyplot' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
