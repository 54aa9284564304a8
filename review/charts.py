"""Charts drawn on the server as SVG (no script, no CDN): stacked columns over time, horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#0f3d5e", "#d1495b", "#edae49", "#00798c", "#66a182", "#8e6c8a", "#b56576", "#6d597a",
           "#355070", "#a5a58d", "#5b6877")


def _label(d: date, period: str) -> str:
    return d.strftime("%m/%Y") if period == "month" else d.strftime("%d/%m")


def stacked_columns(days: Sequence[date], series: dict[str, list[int]], labels: dict[str, str], period: str,
                    title: str, width: int = 760, height: int = 260) -> Markup:
    """One column per bucket, stacked by series; a legend underneath; every number in a <title> tooltip."""
    left, top, bottom = 36, 10, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    peak = max(totals + [1])
    step = plot_w / max(len(days), 1)
    bar = max(step * 0.7, 1.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 22 * ((len(series) + 3) // 4)}"'
             f' role="img" aria-label="{escape(title)}" class="chart">', f"<title>{escape(title)}</title>"]
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#5b6877">'
                     f"{tick}</text>")
    every = max(1, len(days) // 12)
    for i, day in enumerate(days):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for n, (key, values) in enumerate(series.items()):
            if not values[i]:
                continue
            h = plot_h * values[i] / peak
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(_label(day, period))} · '
                         f"{escape(labels.get(key, key))}: {values[i]}</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10" '
                         f'fill="#5b6877">{escape(_label(day, period))}</text>')
    for n, key in enumerate(series):
        lx, ly = left + (n % 4) * (plot_w / 4), height - 6 + 22 * (n // 4)
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11" fill="#1d2733">'
                     f"{escape(labels.get(key, key))} ({sum(series[key])})</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(rows: Sequence[tuple[str, int, int]], title: str, width: int = 760) -> Markup:
    """One bar per row (name, total, flagged), the flagged part in red."""
    height = 22 * len(rows) + 10
    peak = max([r[1] for r in rows] + [1])
    name_w, plot_w = 230, width - 230 - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    for i, (name, total, flagged) in enumerate(rows):
        y = 5 + i * 22
        w, wf = plot_w * total / peak, plot_w * flagged / peak
        short = name if len(name) <= 34 else name[:33] + "…"
        parts.append(f'<text x="{name_w - 6}" y="{y + 13}" text-anchor="end" font-size="11" fill="#1d2733">'
                     f"{escape(short)}</text>"
                     f'<rect x="{name_w}" y="{y}" width="{w:.1f}" height="16" fill="#0f3d5e"><title>{escape(name)}: '
                     f"{total}</title></rect>"
                     f'<rect x="{name_w}" y="{y}" width="{wf:.1f}" height="16" fill="#d1495b"><title>{escape(name)}: '
                     f"{flagged} gắn cờ / flagged</title></rect>"
                     f'<text x="{name_w + w + 4:.1f}" y="{y + 13}" font-size="11" fill="#5b6877">{total}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[int], title: str, width: int = 140, height: int = 24) -> Markup:
    """Tiny columns, one per day, for a table cell; the numbers in tooltips."""
    peak = max(list(values) + [1])
    step = width / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(title)}" class="spark"><title>{escape(title)}</title>']
    for i, v in enumerate(values):
        h = (height - 2) * v / peak
        parts.append(f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{max(step - 1, 1):.1f}" height="{h:.1f}" '
                     f'fill="#0f3d5e"><title>{v}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))
