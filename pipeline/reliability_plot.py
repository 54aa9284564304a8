"""The reliability plot `hdmonitor eval` writes: predicted risk against the share that was distorted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # covers Vietnamese


def write_reliability_plot(rows: list[dict[str, Any]], ece: float, title: str, path: Path) -> Path:
    """A PNG: one point per bin (its size the number of items), the diagonal where they should lie."""
    font = FontProperties(fname=str(FONT), size=8)
    figure = Figure(figsize=(4.8, 4.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
    if rows:
        axes.plot([r["predicted"] for r in rows], [r["observed"] for r in rows], color="#3182bd", linewidth=1)
        axes.scatter([r["predicted"] for r in rows], [r["observed"] for r in rows],
                     s=[20 + 4 * r["n"] ** 0.5 * 4 for r in rows], color="#3182bd", zorder=3)
        for r in rows:
            axes.annotate(str(r["n"]), (r["predicted"], r["observed"]), textcoords="offset points",
                          xytext=(6, -10), fontproperties=font)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("Điểm rủi ro dự đoán / predicted risk", fontproperties=font)
    axes.set_ylabel("Tỷ lệ thực sự xuyên tạc / share distorted", fontproperties=font)
    axes.set_title(f"{title} — ECE {ece:.3f}".replace(".", ","), fontproperties=font)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontproperties(font)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
    return path
