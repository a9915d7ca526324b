"""``heedful admin``: the first admin, passwords and API tokens, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from heedful.cli.common import clean_errors, fail, open_database, out_console
from heedful.clock import SystemClock
from heedful.store.tables import Workspace


def register(app: typer.Typer) -> None:
    admin = typer.Typer(help="Agents and access: the first admin, passwords, API tokens.")
    app.add_typer(admin, name="admin")

    @admin.command("create")
    @clean_errors
    def create(
        email: Annotated[str, typer.Option(help="The admin's e-mail address (their login).")],
        name: Annotated[str, typer.Option(help="Full name, shown to the team.")] = "Admin",
        password: Annotated[
            str,
            typer.Option(
                prompt=True,
                hide_input=True,
                confirmation_prompt=True,
                help="At least 10 characters (asked for when not given).",
            ),
        ] = "",
        workspace: Annotated[
            list[str] | None,
            typer.Option(help="Workspace slug to administer (repeatable; default: all)."),
        ] = None,
    ) -> None:
        """Create an admin (or promote an existing agent) who can sign in at /login."""
        from heedful.services.agents import create_admin

        clock = SystemClock()
        with open_database() as db, db.write() as session:
            targets = None
            if workspace:
                targets = list(
                    session.scalars(select(Workspace).where(Workspace.slug.in_(workspace)))
                )
                missing = set(workspace) - {w.slug for w in targets}
                if missing:
                    raise fail(f"no workspace {', '.join(sorted(missing))}")
            agent = create_admin(
                session, email=email, name=name, password=password, clock=clock, workspaces=targets
            )
            out_console.print(f"admin {agent.email} ready (agent id {agent.id}); sign in at /login")

    @admin.command("set-password")
    @clean_errors
    def set_password_cmd(
        email: Annotated[str, typer.Option(help="The agent's e-mail address.")],
        password: Annotated[
            str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
        ] = "",
    ) -> None:
        """Set an agent's password (and sign them out everywhere)."""
        from heedful.services.agents import find_agent_by_email, set_password

        with open_database() as db, db.write() as session:
            agent = find_agent_by_email(session, email)
            if agent is None:
                raise fail(f"no agent with the e-mail address {email}")
            set_password(session, agent, password, clock=SystemClock())
        out_console.print(f"password set for {email}")

    @admin.command("token")
    @clean_errors
    def token(
        email: Annotated[str, typer.Option(help="Whose token: it sees what they see.")],
        name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    ) -> None:
        """Create an API token for the REST API (printed once; only its hash is kept)."""
        from heedful.services.agents import find_agent_by_email
        from heedful.services.auth import create_api_token

        with open_database() as db, db.write() as session:
            agent = find_agent_by_email(session, email)
            if agent is None:
                raise fail(f"no agent with the e-mail address {email}")
            plain, _ = create_api_token(session, agent, name, clock=SystemClock())
        typer.echo(plain)
