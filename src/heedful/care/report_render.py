"""The report in four forms: JSON (for machines), CSV (one row per group), a terminal table, and
a self-contained HTML page with charts drawn as inline SVG (readable without the app)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from heedful.care.report import Day, Figures, Report, Stats

GROUPS = (("channel", "by_channel"), ("brand", "by_brand"), ("agent", "by_agent"))


# ---- plain data --------------------------------------------------------------------------------


def _stats(stats: Stats) -> dict[str, Any]:
    return {
        "count": stats.count,
        "median_seconds": stats.median_seconds,
        "p90_seconds": stats.p90_seconds,
        "within_hour": stats.within_hour,
    }


def figures_json(f: Figures) -> dict[str, Any]:
    return {
        "conversations": f.conversations,
        "answered": f.answered,
        "response_rate": f.response_rate,
        "first_response": _stats(f.first_response),
        "first_response_business": _stats(f.first_response_business),
        "next_response": _stats(f.next_response),
        "next_response_business": _stats(f.next_response_business),
        "resolution": _stats(f.resolution),
        "sla": {"met": f.sla_met, "breached": f.sla_breached, "attainment": f.sla_attainment},
        "backlog": f.backlog,
        "oldest_unanswered": f.oldest_unanswered.isoformat() if f.oldest_unanswered else None,
        "promises": {
            "made": f.promises_made,
            "kept_on_time": f.promises_kept_on_time,
            "kept_late": f.promises_kept_late,
            "broken": f.promises_broken,
            "open": f.promises_open,
        },
        "sentiment": {
            "conversations": f.sentiment_scored,
            "mean_change": f.sentiment_mean_change,
            "improved": f.sentiment_improved,
            "worsened": f.sentiment_worsened,
            "turned_around": f.sentiment_turned_around,
        },
        "contacts": f.contacts,
        "contacts_wrote_more_than_once": f.contacts_wrote_more_than_once,
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "workspace": report.workspace,
        "timezone": report.timezone,
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "overall": figures_json(report.overall),
        **{
            attr: {name: figures_json(f) for name, f in getattr(report, attr).items()}
            for _, attr in GROUPS
        },
        "days": [
            {
                "day": d.day.isoformat(),
                "conversations": d.conversations,
                "answered": d.answered,
                "sla_met": d.sla_met,
                "sla_breached": d.sla_breached,
            }
            for d in report.days
        ],
        "first_response_histogram": [{"bucket": b, "count": n} for b, n in report.histogram],
        "sentiment_available": report.sentiment_available,
    }


# ---- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "scope",
    "group",
    "conversations",
    "answered",
    "response_rate",
    "first_response_median_s",
    "first_response_p90_s",
    "first_response_within_hour",
    "first_response_business_median_s",
    "first_response_business_p90_s",
    "next_response_median_s",
    "next_response_p90_s",
    "resolution_median_s",
    "resolution_p90_s",
    "sla_met",
    "sla_breached",
    "sla_attainment",
    "backlog",
    "oldest_unanswered",
    "promises_made",
    "promises_kept_on_time",
    "promises_kept_late",
    "promises_broken",
    "promises_open",
    "sentiment_conversations",
    "sentiment_mean_change",
    "sentiment_improved",
    "sentiment_worsened",
    "sentiment_turned_around",
    "contacts",
    "contacts_wrote_more_than_once",
)


def _csv_row(scope: str, group: str, f: Figures) -> list[object]:
    return [
        scope,
        group,
        f.conversations,
        f.answered,
        f.response_rate,
        f.first_response.median_seconds,
        f.first_response.p90_seconds,
        f.first_response.within_hour,
        f.first_response_business.median_seconds,
        f.first_response_business.p90_seconds,
        f.next_response.median_seconds,
        f.next_response.p90_seconds,
        f.resolution.median_seconds,
        f.resolution.p90_seconds,
        f.sla_met,
        f.sla_breached,
        f.sla_attainment,
        f.backlog,
        f.oldest_unanswered.isoformat() if f.oldest_unanswered else None,
        f.promises_made,
        f.promises_kept_on_time,
        f.promises_kept_late,
        f.promises_broken,
        f.promises_open,
        f.sentiment_scored,
        f.sentiment_mean_change,
        f.sentiment_improved,
        f.sentiment_worsened,
        f.sentiment_turned_around,
        f.contacts,
        f.contacts_wrote_more_than_once,
    ]


def iter_groups(report: Report) -> Iterator[tuple[str, str, Figures]]:
    yield "workspace", report.workspace, report.overall
    for scope, attr in GROUPS:
        for name, figures in getattr(report, attr).items():
            yield scope, name, figures


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for scope, name, figures in iter_groups(report):
        writer.writerow("" if v is None else v for v in _csv_row(scope, name, figures))
    return buffer.getvalue()


# ---- words and numbers ---------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 1:
        return f"{seconds:.0f} s"
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


@dataclass(frozen=True)
class Line:
    label: str
    value: str


def summary_lines(f: Figures, *, sentiment: bool) -> list[Line]:
    lines = [
        Line("conversations", str(f.conversations)),
        Line("response rate", share(f.response_rate)),
        Line("first response, median", duration(f.first_response.median_seconds)),
        Line("first response, p90", duration(f.first_response.p90_seconds)),
        Line("answered within 1 hour", share(f.first_response.within_hour)),
        Line("first response, business time", duration(f.first_response_business.median_seconds)),
        Line("next response, median", duration(f.next_response.median_seconds)),
        Line("resolution, median", duration(f.resolution.median_seconds)),
        Line(
            "SLA attainment",
            f"{share(f.sla_attainment)} ({f.sla_met} met, {f.sla_breached} breached)",
        ),
        Line("backlog (unanswered)", str(f.backlog)),
        Line(
            "oldest unanswered",
            f.oldest_unanswered.strftime("%Y-%m-%d %H:%M UTC") if f.oldest_unanswered else "–",
        ),
        Line(
            "promises made / kept on time / broken",
            f"{f.promises_made} / {f.promises_kept_on_time} / {f.promises_broken}",
        ),
        Line(
            "contacts who wrote more than once",
            f"{f.contacts_wrote_more_than_once} of {f.contacts}",
        ),
    ]
    if sentiment:
        lines.append(
            Line(
                "sentiment turned around",
                f"{f.sentiment_turned_around} of {f.sentiment_scored} (mean change "
                f"{f.sentiment_mean_change:+.2f})"
                if f.sentiment_mean_change is not None
                else "–",
            )
        )
    return lines


# ---- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2330;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;font-size:1.2rem}
.sub{color:#5b6476}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));
gap:.6rem}.card{border:1px solid #d9dde5;border-radius:8px;padding:.6rem .8rem}
.card b{display:block;font-size:1.3rem}.card span{color:#5b6476;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .5rem;
border-bottom:1px solid #e6e9ef;text-align:right}th:first-child,td:first-child{text-align:left}
thead th{background:#f4f6f9}svg{max-width:100%;height:auto}.note{color:#5b6476;font-size:.85rem}
"""


def report_html(report: Report) -> str:
    title = f"Care report — {report.workspace}"
    period = f"{_day(report.since)} to {_day(report.until)} (UTC; days in {report.timezone})"
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class=sub>{escape(period)}</p>",
        _cards(report.overall, sentiment=report.sentiment_available),
        "<h2>Time to first response</h2>",
        histogram_svg(report.histogram),
        "<h2>Daily volume and SLA attainment</h2>",
        daily_svg(report.days),
        *(_group_table(scope, getattr(report, attr)) for scope, attr in GROUPS),
        "<p class=note>Conversations counted are those whose first customer message falls in "
        "the period. Medians and 90th percentiles (nearest rank) of times in calendar time "
        "unless marked business time (the workspace's opening hours). SLA attainment counts "
        "first-response clocks met or breached.</p></body></html>",
    ]
    return "\n".join(parts)


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _cards(f: Figures, *, sentiment: bool) -> str:
    cards = "".join(
        f"<div class=card><b>{escape(line.value)}</b><span>{escape(line.label)}</span></div>"
        for line in summary_lines(f, sentiment=sentiment)
    )
    return f"<div class=cards>{cards}</div>"


def _group_table(scope: str, groups: dict[str, Figures]) -> str:
    head = (
        f"<tr><th>{escape(scope)}</th>"
        + "".join(
            f"<th>{name}</th>"
            for name in (
                "conversations",
                "response rate",
                "first response median",
                "p90",
                "within 1 h",
                "business median",
                "SLA",
                "backlog",
                "promises kept / made",
                "broken",
            )
        )
        + "</tr>"
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(cell))}</td>"
            for cell in (
                name,
                f.conversations,
                share(f.response_rate),
                duration(f.first_response.median_seconds),
                duration(f.first_response.p90_seconds),
                share(f.first_response.within_hour),
                duration(f.first_response_business.median_seconds),
                share(f.sla_attainment),
                f.backlog,
                f"{f.promises_kept_on_time} / {f.promises_made}",
                f.promises_broken,
            )
        )
        + "</tr>"
        for name, f in sorted(groups.items(), key=lambda kv: -kv[1].conversations)
    )
    return f"<h2>By {escape(scope)}</h2><table><thead>{head}</thead><tbody>{rows}</tbody></table>"


def histogram_svg(buckets: list[tuple[str, int]], width: int = 720, height: int = 240) -> str:
    """Bars of first-response times by bucket, labelled with their counts."""
    top = max((count for _, count in buckets), default=0) or 1
    slot = (width - 40) / max(len(buckets), 1)
    bars = []
    for i, (label, count) in enumerate(buckets):
        h = (height - 70) * count / top
        x, y = 30 + i * slot, height - 40 - h
        bars.append(
            f'<rect x="{x + 6:.1f}" y="{y:.1f}" width="{slot - 12:.1f}" height="{h:.1f}" '
            f'fill="#3b6fd8"><title>{escape(label)}: {count}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle" '
            f'font-size="12">{count}</text>'
            f'<text x="{x + slot / 2:.1f}" y="{height - 20}" text-anchor="middle" '
            f'font-size="11" fill="#5b6476">{escape(label)}</text>'
        )
    axis = f'<line x1="30" y1="{height - 40}" x2="{width - 10}" y2="{height - 40}" stroke="#999"/>'
    return _svg(width, height, "Time to first response", axis + "".join(bars))


def daily_svg(days: list[Day], width: int = 720, height: int = 260) -> str:
    """Conversations per day (bars) and the day's SLA attainment (line, right-hand scale)."""
    if not days:
        return "<p class=note>No conversations in this period.</p>"
    top = max(d.conversations for d in days) or 1
    slot = (width - 80) / len(days)
    base = height - 40
    bars, points = [], []
    for i, d in enumerate(days):
        h = (height - 80) * d.conversations / top
        x = 40 + i * slot
        bars.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="#9db5ea"><title>{d.day}: {d.conversations} conversations, '
            f"SLA {share(d.sla_attainment)}</title></rect>"
        )
        if d.sla_attainment is not None:
            y = base - (height - 80) * d.sla_attainment
            points.append(f"{x + slot / 2:.1f},{y:.1f}")
    labels = _day_labels(days, slot, base)
    line = (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#d8553b" stroke-width="2"/>'
        if len(points) > 1
        else ""
    )
    legend = (
        f'<text x="40" y="16" font-size="12" fill="#3b6fd8">bars: conversations (max {top})'
        '</text><text x="300" y="16" font-size="12" fill="#d8553b">line: SLA attainment '
        "(0-100%)</text>"
    )
    axis = f'<line x1="40" y1="{base}" x2="{width - 30}" y2="{base}" stroke="#999"/>'
    return _svg(
        width,
        height,
        "Daily volume and SLA attainment",
        legend + axis + "".join(bars) + line + labels,
    )


def _day_labels(days: list[Day], slot: float, base: float) -> str:
    every = max(1, len(days) // 10)
    return "".join(
        f'<text x="{40 + i * slot + slot / 2:.1f}" y="{base + 16}" text-anchor="middle" '
        f'font-size="11" fill="#5b6476">{d.day.strftime("%d %b")}</text>'
        for i, d in enumerate(days)
        if i % every == 0
    )


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )
