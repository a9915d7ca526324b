"""``heedful triage``: triage messages from a CSV file into JSON lines (a stable interface)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from heedful.cli.common import clean_errors, err_console, fail
from heedful.errors import InputRejected

HELP = """Triage messages from a CSV file: sentiment, complaint, topic, signals, priority.

Writes one JSON object per input row to OUTPUT, in input order:

  {"id": ..., "sentiment": {"label": "negative|neutral|positive", "score": float},
   "complaint": {"label": true|false, "probability": float, "severity": ...},
   "topic": "...", "signals": [...], "priority": int, "reasons": [...]}

- id: the --id-column value, or the 1-based row number when there is no id column.
- sentiment.score: p(positive) - p(negative), from -1 to 1.
- complaint.severity: when a complaint, one of no_explicit_reproach, disapproval,
  accusation, blame (increasing); otherwise null.
- topic: a care topic id (billing_payment, outage, delivery_order, account_access,
  refund_cancellation, product_fault, staff_service, praise, question, other) or a custom
  topic from --settings.
- signals: ids of text rules that fired (anger, threat_to_leave, threat_to_escalate,
  urgency, needs_answer).
- priority: 0-100; reasons: [{"text": plain words, "points": its contribution}], largest
  first. Rows from a CSV have no store context, so only text signals count.

With --rerun (no FILE), stored inbound messages are triaged again with the full model and
their conversations' priorities recomputed (--since limits it to newer messages).

A bad row (no text, or unreadable CSV) is reported on stderr and in the summary and written
as {"id": ..., "error": "..."}; it never stops the run. Text that is not valid in --encoding
is read as Windows-1252 and reported. Very long texts are cut for the model.
"""


def _progress() -> Progress:
    return Progress(
        TextColumn("triage"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load_settings(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputRejected(f"cannot read settings {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputRejected(f"settings {path} must hold a JSON object")
    return data


def triage_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV file with a header row.", dir_okay=False),
    ] = None,
    text_column: Annotated[
        str, typer.Option("--text-column", help="Column holding the message.")
    ] = "text",
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="Column holding each row's id (default: row number)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the JSON lines.", dir_okay=False),
    ] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast", help="Fast first pass only (linear model: ~10x faster, less accurate)."
        ),
    ] = False,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help='A workspace\'s triage settings (JSON): {"weights", "topics", "rules"}.',
            dir_okay=False,
        ),
    ] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="The file's encoding.")] = "utf-8",
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Messages per model batch.")
    ] = 64,
    rerun: Annotated[
        bool,
        typer.Option(
            "--rerun",
            help="Re-triage stored inbound messages (HEEDFUL_DATABASE_URL) with the full model, "
            "e.g. after the models or a workspace's weights changed.",
        ),
    ] = False,
    since: Annotated[
        datetime | None,
        typer.Option("--since", help="With --rerun: only messages created at or after (UTC)."),
    ] = None,
) -> None:
    from heedful.triage.csvinput import count_rows, read_rows
    from heedful.triage.workspace import TriageSettings

    if rerun:
        _rerun(since)
        return
    if file is None or output is None:
        raise fail("give a CSV FILE and --output OUT.jsonl (see --help)", code=2)
    if not file.is_file():
        raise fail(f"no such file: {file}", code=2)
    cfg = TriageSettings.from_mapping(_load_settings(settings_file))
    analyser, weights = cfg.analyser(), cfg.priority_weights()
    total = count_rows(file, encoding)
    stats = {"rows": 0, "bad": 0, "repaired": 0}
    started = time.monotonic()
    with output.open("wb") as out, _progress() as progress:
        task = progress.add_task("triage", total=total)
        rows = read_rows(file, text_column, id_column, encoding)
        for chunk in _chunks(rows, batch_size * 8):
            _write_chunk(chunk, analyser, weights, fast, out, stats)
            progress.advance(task, len(chunk))
    _summary(stats, time.monotonic() - started, output)


def _write_chunk(
    chunk: list[Any], analyser: Any, weights: Any, fast: bool, out: Any, stats: dict[str, int]
) -> None:
    from heedful.triage.result import triage_texts

    good = [row for row in chunk if row.text is not None]
    results = iter(
        triage_texts(
            analyser, [r.text for r in good], weights=weights, mode="fast" if fast else "full"
        )
    )
    for row in chunk:
        stats["rows"] += 1
        if row.problem:
            kind = "bad" if row.text is None else "repaired"
            stats[kind] += 1
            err_console.print(f"row {row.number}: {row.problem}", highlight=False, markup=False)
        record = (
            {"id": row.row_id, "error": row.problem}
            if row.text is None
            else next(results).record(row.row_id)
        )
        out.write(orjson.dumps(record) + b"\n")


def _rerun(since: datetime | None) -> None:
    from heedful.cli.common import open_database
    from heedful.clock import SystemClock
    from heedful.triage.service import rerun_messages

    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    started = time.monotonic()
    with open_database() as db:
        done = rerun_messages(db, clock=SystemClock(), since=when)
    err_console.print(
        f"re-triaged {done} messages in {time.monotonic() - started:.1f} s", highlight=False
    )


def _summary(stats: dict[str, int], seconds: float, output: Path) -> None:
    rate = stats["rows"] / seconds if seconds > 0 else 0.0
    err_console.print(
        f"triaged {stats['rows'] - stats['bad']} of {stats['rows']} rows "
        f"({stats['bad']} bad, {stats['repaired']} re-decoded) in {seconds:.1f} s "
        f"({rate:.0f} rows/s) -> {output}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("triage", help=HELP)(clean_errors(triage_command))
