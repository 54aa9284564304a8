"""Charts for the digest and period reports as small PNGs: matplotlib's object API on Agg, no pyplot state.

Every call builds its own Figure and canvas, sets fonts per text element (never through rcParams), so
charts can be drawn from several threads at once. DejaVu Sans ships with matplotlib and covers Vietnamese.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from digest.numbers import vn_int

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
SIZE = (6.4, 2.6)  # inches; at DPI: 640 × 260 px, small enough to inline in a mail
DPI = 100
RELEVANT_COLOR = "#9ecae1"
FLAGGED_COLOR = "#c0392b"
BAR_COLOR = "#3182bd"
MAX_BARS = 8  # more categories than this: the smallest are summed into one "Còn lại" bar
MAX_LABEL = 30  # characters of a category label before it is cut with "…"
MAX_DAY_TICKS = 16
NO_DATA = "Không có dữ liệu"
REST = "Còn lại"


def _font(size: float = 8, bold: bool = False) -> FontProperties:
    """DejaVu Sans (regular or bold) at a size, from matplotlib's own font files."""
    return FontProperties(fname=str(FONT_BOLD if bold else FONT), size=size)


def _figure() -> tuple[Figure, Axes]:
    """A fresh figure of the standard size with one set of axes."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes (no software metadata)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _count_ticks(top: int) -> list[float]:
    """Whole-number ticks from 0 to at least `top`."""
    return [t for t in MaxNLocator(nbins=5, integer=True).tick_values(0, max(top, 1)) if t >= 0]


def _short(text: str, limit: int = MAX_LABEL) -> str:
    """A label cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _title(axes: Axes, title: str) -> None:
    """The chart's title, bold, on the left."""
    axes.set_title(_short(title, 80), fontproperties=_font(10, bold=True), loc="left")


def _no_data(figure: Figure, axes: Axes, title: str) -> bytes:
    """A chart frame that says there is nothing to show."""
    _title(axes, title)
    axes.set_axis_off()
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=axes.transAxes, fontproperties=_font(11),
              color="#666666")
    return _png(figure)


def _style(axes: Axes) -> None:
    """No top or right frame."""
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def daily_chart(by_day: list[tuple[str, int, int]], title: str) -> bytes:
    """Columns per day of items about the province, the flagged ones as a darker overlay."""
    figure, axes = _figure()
    if not by_day or not any(relevant or flagged for _, relevant, flagged in by_day):
        return _no_data(figure, axes, title)
    days = [day for day, _, _ in by_day]
    relevant = [max(r, f) for _, r, f in by_day]
    flagged = [f for _, _, f in by_day]
    positions = list(range(len(days)))
    bars = axes.bar(positions, relevant, color=RELEVANT_COLOR, label="Liên quan", width=0.8)
    axes.bar(positions, flagged, color=FLAGGED_COLOR, label="Bị gắn cờ", width=0.8)
    if len(days) <= 14:
        axes.bar_label(bars, labels=[vn_int(v) if v else "" for v in relevant], padding=1, fontproperties=_font(7))
    step = max(1, -(-len(days) // MAX_DAY_TICKS))
    shown = positions[::step]
    axes.set_xticks(shown, [days[i] for i in shown], fontproperties=_font(7))
    ticks = _count_ticks(max(relevant))
    axes.set_yticks(ticks, [vn_int(t) for t in ticks], fontproperties=_font(7))
    axes.set_ylim(0, max(ticks[-1], max(relevant) * 1.15))
    axes.set_xlim(-0.6, len(days) - 0.4)
    _style(axes)
    axes.legend(prop=_font(7), frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncols=2)  # beside the title
    _title(axes, title)
    return _png(figure)


def _top(counts: Mapping[str, int], labels: Mapping[str, str]) -> list[tuple[str, int]]:
    """(label, count) largest first; past MAX_BARS the smallest are summed as "Còn lại"."""
    ranked = sorted(((labels.get(code, code), int(n)) for code, n in counts.items() if n > 0),
                    key=lambda pair: (-pair[1], pair[0]))
    if len(ranked) <= MAX_BARS:
        return ranked
    kept, rest = ranked[:MAX_BARS - 1], ranked[MAX_BARS - 1:]
    return [*kept, (f"{REST} ({len(rest)})", sum(n for _, n in rest))]


def breakdown_chart(counts: Mapping[str, int], labels: Mapping[str, str], title: str) -> bytes:
    """Horizontal bars, largest on top, each with its Vietnamese label and its count."""
    figure, axes = _figure()
    bars: Sequence[tuple[str, int]] = _top(counts, labels)
    if not bars:
        return _no_data(figure, axes, title)
    names = [_short(name) for name, _ in reversed(bars)]
    values = [n for _, n in reversed(bars)]
    positions = list(range(len(values)))
    drawn = axes.barh(positions, values, color=BAR_COLOR, height=0.7)
    axes.bar_label(drawn, labels=[vn_int(v) for v in values], padding=2, fontproperties=_font(7))
    axes.set_yticks(positions, names, fontproperties=_font(8))
    ticks = _count_ticks(max(values))
    axes.set_xticks(ticks, [vn_int(t) for t in ticks], fontproperties=_font(7))
    axes.set_xlim(0, max(ticks[-1], max(values)) * 1.12)
    top = len(values) - 0.4
    axes.set_ylim(top - max(len(values), 3) - 0.2, top)  # few bars stay at the top, not stretched
    _style(axes)
    _title(axes, title)
    return _png(figure)
