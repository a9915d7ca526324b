"""``heedful report``: the care figures for a period, as a table, JSON, CSV or an HTML page."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care import report_render as render
from heedful.care.hours import parse_zone
from heedful.care.report import Report, SentimentScorer, build_report, period_bound
from heedful.cli.common import clean_errors, err_console, fail, open_database, out_console
from heedful.clock import SystemClock
from heedful.store.tables import Workspace

HELP = """The figures that prove the care, per workspace, channel, brand (channel account), agent
and day: response rate; first-response time (median, p90, share within one hour, in calendar
and business time); next-response and resolution times; SLA attainment; backlog and oldest
unanswered; promises made, kept on time and broken; sentiment change (first vs last customer
message); contacts who had to write more than once.

`heedful report --since 2026-11-01 --until 2026-12-01 --format html --output report.html`

`--since`/`--until` take a date (midnight in the workspace's time zone) or an ISO 8601 time;
by default the last 30 days. Conversations count when their first customer message falls in
the period. The HTML page has charts (time-to-first-response distribution, daily volume and
SLA attainment) and needs nothing else to be read.
"""


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP)(report_command)


@clean_errors
def report_command(
    since: Annotated[str | None, typer.Option("--since", help="Start: date or ISO time.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="End (excluded).")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="Output form.")] = Format.TABLE,
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Workspace slug (if several).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    sentiment: Annotated[
        bool, typer.Option("--sentiment/--no-sentiment", help="Score sentiment change.")
    ] = True,
) -> None:
    with open_database() as db, db.session() as session:
        ws = _workspace(session, workspace)
        start, end = _period(since, until, ws.timezone)
        report = build_report(
            session, ws.id, start, end, sentiment=_scorer() if sentiment else None
        )
    _emit(report, output_format, output)


def _workspace(session: Session, slug: str | None) -> Workspace:
    rows = list(session.scalars(select(Workspace).order_by(Workspace.slug)))
    if slug is not None:
        found = next((w for w in rows if w.slug == slug), None)
        if found is None:
            raise fail(f"no workspace {slug!r} (there are: {_names(rows)})")
        return found
    if len(rows) != 1:
        raise fail(
            "no workspace yet: import or connect something first"
            if not rows
            else f"several workspaces: pick one with --workspace ({_names(rows)})"
        )
    return rows[0]


def _names(rows: Sequence[Workspace]) -> str:
    return ", ".join(w.slug for w in rows) or "none"


def _period(since: str | None, until: str | None, timezone: str) -> tuple[datetime, datetime]:
    zone = parse_zone(timezone)
    end = period_bound(until, "--until", zone) if until else SystemClock().now()
    start = period_bound(since, "--since", zone) if since else end - timedelta(days=30)
    if end <= start:
        raise fail(f"--until ({end.isoformat()}) must be after --since ({start.isoformat()})")
    return start, end


def _scorer() -> SentimentScorer | None:
    """Sentiment of customer messages from the triage models (fast pass), if installed."""
    try:
        from heedful.triage.analyse import Analyser  # loads models: only when asked

        analyser = Analyser()

        def score(texts: Sequence[str]) -> list[float]:
            return [a.sentiment_score for a in analyser.analyse(list(texts), mode="fast")]

        score(["test"])
        return score
    except Exception as exc:
        err_console.print(f"note: sentiment change left out ({type(exc).__name__}: {exc})")
        return None


def _emit(report: Report, output_format: Format, output: Path | None) -> None:
    if output_format is Format.TABLE and output is None:
        _print_table(report)
        return
    if output_format is Format.JSON:
        text = orjson.dumps(render.report_json(report), option=orjson.OPT_INDENT_2).decode()
    elif output_format is Format.HTML:
        text = render.report_html(report)
    else:  # CSV, or a table written to a file
        text = render.report_csv(report)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {output}")


def _print_table(report: Report) -> None:
    duration, share = render.duration, render.share
    summary = Table(
        "figure",
        "value",
        title=f"{report.workspace}: {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d}",
    )
    for line in render.summary_lines(report.overall, sentiment=report.sentiment_available):
        summary.add_row(line.label, line.value)
    out_console.print(summary)
    for scope, attr in render.GROUPS:
        table = Table(
            scope,
            "convs",
            "answered",
            "FRT median",
            "p90",
            "≤1 h",
            "SLA",
            "backlog",
            "promises kept/made",
            title=f"by {scope}",
        )
        for name, f in sorted(getattr(report, attr).items(), key=lambda kv: -kv[1].conversations):
            table.add_row(
                name,
                str(f.conversations),
                share(f.response_rate),
                duration(f.first_response.median_seconds),
                duration(f.first_response.p90_seconds),
                share(f.first_response.within_hour),
                share(f.sla_attainment),
                str(f.backlog),
                f"{f.promises_kept_on_time}/{f.promises_made}",
            )
        out_console.print(table)
