"""``heedful stats``: what the store holds. ``--json`` keys are stable."""

from __future__ import annotations

import os
from typing import Annotated

import orjson
import typer
from rich.table import Table
from sqlalchemy import func, select

from heedful.cli.common import clean_errors, fail, open_database, out_console
from heedful.store.tables import (
    Agent,
    ChannelAccount,
    Contact,
    Conversation,
    Event,
    Message,
    Quarantine,
    Workspace,
)

# Stable keys: how anyone checks an import from outside. Add keys, never rename these.
COUNTED = {
    "messages": Message,
    "conversations": Conversation,
    "contacts": Contact,
    "quarantined": Quarantine,
    "workspaces": Workspace,
    "channel_accounts": ChannelAccount,
    "agents": Agent,
    "events": Event,
}


def register(app: typer.Typer) -> None:
    @app.command("stats")
    @clean_errors
    def stats(
        as_json: Annotated[
            bool,
            typer.Option(
                "--json",
                help="One JSON object with at least the integer keys messages, conversations, "
                "contacts, quarantined.",
            ),
        ] = False,
        workspace: Annotated[
            str | None, typer.Option("--workspace", "-w", help="Count one workspace only.")
        ] = None,
    ) -> None:
        """Print the store's counts: messages, conversations, contacts, quarantined rows…"""
        with open_database() as db, db.session() as session:
            ws_id = None
            if workspace is not None:
                ws_id = session.scalar(select(Workspace.id).where(Workspace.slug == workspace))
                if ws_id is None:
                    raise fail(f"no workspace {workspace!r}")
            counts = {}
            for key, model in COUNTED.items():
                query = select(func.count()).select_from(model)
                if ws_id is not None and hasattr(model, "workspace_id"):
                    query = query.where(model.workspace_id == ws_id)
                elif ws_id is not None and model is Workspace:
                    query = query.where(Workspace.id == ws_id)
                counts[key] = int(session.scalar(query) or 0)
        if as_json:
            os.write(1, orjson.dumps(counts) + b"\n")
            return
        table = Table(show_header=False, title="Heedful store")
        for key, value in counts.items():
            table.add_row(key.replace("_", " "), f"{value:,}")
        out_console.print(table)
