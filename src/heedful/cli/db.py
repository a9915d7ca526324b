"""``heedful db``: schema migrations."""

from __future__ import annotations

import typer

from heedful.cli.common import clean_errors, open_database, out_console, settings

db_app = typer.Typer(help="Database schema: migrate, inspect.", no_args_is_help=True)


@db_app.command("upgrade")
@clean_errors
def upgrade_command(
    revision: str = typer.Argument(
        "heads", help="Target revision (default: the newest of each branch)."
    ),
) -> None:
    """Migrate the database (HEEDFUL_DATABASE_URL) to the newest schema, and build any index
    an interrupted import left out. Safe to re-run."""
    from heedful.cli.common import repair_indexes
    from heedful.store.migrate import current_revision, upgrade

    cfg = settings()
    with open_database(cfg, migrate=False) as db:
        upgrade(db.engine, revision)
        if revision == "heads":
            repair_indexes(db)
        out_console.print(f"database at revision {current_revision(db.engine)}")


@db_app.command("current")
@clean_errors
def current_command() -> None:
    """Print the schema revision the database is at."""
    from heedful.store.migrate import current_revision

    with open_database(migrate=False) as db:
        out_console.print(current_revision(db.engine) or "empty (run `heedful db upgrade`)")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
