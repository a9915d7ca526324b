"""Small charts as inline SVG, drawn on the server: no script, readable by screen readers
(each chart has a title, a description and a data table beside it on the page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from markupsafe import Markup

# Colour-blind-safe palette (Okabe & Ito), dark enough for 3:1 contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8a6d00", "#56B4E9", "#E69F00", "#000000")


def stacked_bars(
    series: Mapping[str, Mapping[date, int]],
    days: Sequence[date],
    *,
    title: str,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """One bar per day, stacked by series (e.g. channel), with a legend."""
    totals = [sum(s.get(d, 0) for s in series.values()) for d in days]
    top = max([*totals, 1])
    left, bottom, legend_h = 32, 22, 18 * ((len(series) + 3) // 4)
    plot_h = height - bottom - legend_h - 8
    step = (width - left) / max(len(days), 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="chart-t chart-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-t">{escape(title)}</title>',
        f'<desc id="chart-d">{escape(_describe(days, totals))}</desc>',
        _axis(left, plot_h, top, width),
    ]
    for i, day in enumerate(days):
        y = float(plot_h)
        for k, (name, values) in enumerate(series.items()):
            value = values.get(day, 0)
            if not value:
                continue
            h = value / top * (plot_h - 4)
            y -= h
            parts.append(
                f'<rect x="{left + i * step + 2:.1f}" y="{y:.1f}" width="{step - 4:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(name)} {day:%d %b}: {value}</title></rect>"
            )
        parts.append(
            f'<text x="{left + (i + 0.5) * step:.1f}" y="{plot_h + 14}" font-size="10" '
            f'text-anchor="middle" fill="#333">{day:%d}</text>'
        )
    parts.append(_legend(list(series), plot_h + bottom + 4, left))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above


def _axis(left: int, plot_h: int, top: int, width: int) -> str:
    return (
        f'<line x1="{left}" y1="{plot_h}" x2="{width}" y2="{plot_h}" stroke="#666"/>'
        f'<text x="{left - 4}" y="10" font-size="10" text-anchor="end" fill="#333">{top}</text>'
        f'<text x="{left - 4}" y="{plot_h}" font-size="10" text-anchor="end" fill="#333">0</text>'
    )


def _legend(names: list[str], y0: int, left: int) -> str:
    out = []
    for k, name in enumerate(names):
        x, y = left + (k % 4) * 150, y0 + (k // 4) * 18
        out.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="{y + 10}" font-size="11" fill="#222">{escape(name)}</text>'
        )
    return "".join(out)


def _describe(days: Sequence[date], totals: Sequence[int]) -> str:
    if not days:
        return "No data."
    busiest = max(range(len(days)), key=lambda i: totals[i])
    return (
        f"{sum(totals)} in total from {days[0]:%d %b} to {days[-1]:%d %b}; "
        f"busiest day {days[busiest]:%d %b} with {totals[busiest]}."
    )


def share_bar(value: float | None, *, label: str, width: int = 200) -> Markup:
    """A single horizontal bar for a share (0..1)."""
    if value is None:
        return Markup("")
    filled = max(0.0, min(1.0, value)) * width
    return Markup(  # noqa: S704 - label is escaped
        f'<svg class="share" role="img" aria-label="{escape(label)}: {value:.0%}" '
        f'viewBox="0 0 {width} 10" width="100%" height="10" preserveAspectRatio="none">'
        f'<rect width="{width}" height="10" fill="#e4e4ea"/>'
        f'<rect width="{filled:.1f}" height="10" fill="#0072B2"/></svg>'
    )
