"""``heedful demo``: load demo data (two brands, agents, a few hundred conversations)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.cli.common import clean_errors, open_database, out_console
from heedful.clock import Clock, SystemClock
from heedful.store import search
from heedful.store.tables import Workspace


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @clean_errors
    def demo(
        seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same demo.")] = 7,
    ) -> None:
        """Load demo data: the Acme Mobile and Northwind Air workspaces with agents, channel
        accounts and a week of conversations (an outage surge, an angry customer with a large
        following, a public complaint taken to e-mail, praise, questions, reviews).

        Does nothing if the demo is already loaded."""
        from heedful.services.demo import create_demo

        clock = SystemClock()
        with open_database() as db:
            with db.session() as session:
                if session.scalar(select(Workspace.id).where(Workspace.slug == "acme")):
                    out_console.print("demo data already loaded (workspace 'acme' exists)")
                    return
            with db.write() as session:
                counts = create_demo(session, clock, seed=seed)
            with db.write() as session:
                search.index_pending(session)
                _triage_all(session, clock)
        from heedful.services.demo import DEMO_PASSWORD

        out_console.print(
            f"demo loaded: {counts['messages']} messages in {counts['conversations']} "
            f"conversations, {counts['agents']} agents\n"
            f"sign in as admin@acme.example (admin), priya@acme.example (lead), "
            f"anna@acme.example (agent) or nadia@northwind.example (another brand), "
            f"password: {DEMO_PASSWORD}"
        )


def _triage_all(session: Session, clock: Clock) -> None:
    """Triage the demo's messages (its conversations get their priorities and reasons)."""
    from heedful.store.tables import Message
    from heedful.triage.service import triage_messages

    for workspace_id in session.scalars(select(Workspace.id)).all():
        ids = session.scalars(select(Message.id).where(Message.workspace_id == workspace_id)).all()
        triage_messages(session, workspace_id, ids, clock=clock, stage="fast")
