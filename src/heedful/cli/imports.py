"""``heedful import``: bulk imports (TWCS CSV, JSON Lines of normalized events)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from heedful.cli.common import clean_errors, err_console, fail, open_database, out_console, settings
from heedful.clock import SystemClock
from heedful.errors import InputRejected
from heedful.services.importers.base import Row
from heedful.services.importers.process import ReaderProcess
from heedful.services.importers.runner import (
    DEFAULT_BATCH_SIZE,
    ImportReport,
    run_import,
)
from heedful.services.workspaces import get_or_create_workspace

import_app = typer.Typer(
    help="Bulk-import conversations. Safe to re-run: what is already stored is skipped.",
    no_args_is_help=True,
)

WorkspaceOpt = Annotated[
    str, typer.Option("--workspace", "-w", help="Workspace (brand) slug; created if missing.")
]
BatchOpt = Annotated[
    int, typer.Option("--batch-size", min=1, max=100_000, help="Rows per transaction.")
]
WindowOpt = Annotated[
    float | None,
    typer.Option(
        "--window-hours",
        help="A customer's new non-reply message joins their open conversation on the same "
        "channel when it was active within this many hours (default: HEEDFUL_CONVERSATION_"
        "WINDOW_HOURS, 24).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]


@import_app.command("twcs")
@clean_errors
def import_twcs(
    file: Annotated[Path, typer.Argument(help="A twcs.csv file (Customer Support on Twitter).")],
    workspace: WorkspaceOpt = "twcs",
    batch_size: BatchOpt = DEFAULT_BATCH_SIZE,
    window_hours: WindowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a "Customer Support on Twitter" CSV (columns tweet_id, author_id, inbound,
    created_at, text, response_tweet_id, in_response_to_tweet_id).

    Brand accounts are the inbound=False authors. Bad rows are quarantined with their reason
    (see `heedful stats`) and the import goes on."""
    _run(file, "twcs", workspace, batch_size, window_hours, as_json)


@import_app.command("jsonl")
@clean_errors
def import_jsonl(
    file: Annotated[Path, typer.Argument(help="JSON Lines, one normalized event per line.")],
    workspace: WorkspaceOpt = "default",
    batch_size: BatchOpt = DEFAULT_BATCH_SIZE,
    window_hours: WindowOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import normalized events, one JSON object per line: the shape `heedful channels parse`
    prints (channel, external_id, author{external_id, handle, display_name, followers}, text,
    created_at with offset, kind, direction, visibility, in_reply_to, thread_ref, …).

    See docs/import-jsonl.md for the schema."""
    _run(file, "jsonl", workspace, batch_size, window_hours, as_json)


def _run(
    file: Path,
    kind: str,
    workspace: str,
    batch_size: int,
    window_hours: float | None,
    as_json: bool,
) -> None:
    if not file.is_file():
        raise fail(f"{file}: no such file")
    cfg = settings()
    window = timedelta(hours=window_hours or cfg.conversation_window_hours)
    clock = SystemClock()
    size = file.stat().st_size
    try:
        # read on another core while this one stores, up to two batches ahead
        reader = ReaderProcess(kind, file, rows_ahead=2 * batch_size)
    except InputRejected as exc:
        raise fail(exc.reason) from None
    with reader, open_database(cfg) as db:
        with db.write() as session:
            ws = get_or_create_workspace(session, slug=workspace, clock=clock).id
        progress = Progress(
            TextColumn(f"importing {file.name}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json and not err_console.is_terminal,
        )
        with progress:
            task = progress.add_task("import", total=size, rows=0)

            def on_batch(report: ImportReport) -> None:
                progress.update(task, completed=reader.position, rows=report.rows_read)

            report = run_import(
                db,
                ws,
                reader,
                clock=clock,
                source=f"import:{kind}:{file.name}",
                batch_size=batch_size,
                window=window,
                on_batch=on_batch,
                size_hint=size,
                bulk_index_bytes=cfg.import_bulk_index_bytes,
            )
            progress.update(task, completed=size)
    _summary(report, as_json)


def _summary(report: ImportReport, as_json: bool) -> None:
    if as_json:
        os.write(1, orjson.dumps(report.as_json()) + b"\n")
        return
    table = Table(title="import summary", show_header=False)
    for key, value in report.as_json().items():
        if key != "quarantine_reasons":
            table.add_row(key.replace("_", " "), f"{value:,}")
    out_console.print(table)
    reasons = report.all_reasons()
    if reasons:
        out_console.print("quarantined rows, by reason:")
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            out_console.print(f"  {count:>8,}  {reason}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


__all__ = ["Row", "register"]
