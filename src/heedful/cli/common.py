"""What every command needs: settings, the database, clear errors instead of tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from heedful.config import Settings, load_settings
from heedful.errors import HeedfulError
from heedful.store.db import Database

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)
out_console = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr and return the Exit to raise."""
    from rich.text import Text

    err_console.print(
        Text.assemble(("error: ", "bold red"), message), highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def clean_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Heedful's own errors into one line on stderr and exit status 1, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except HeedfulError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper


def settings() -> Settings:
    return load_settings()


@contextmanager
def open_database(
    cfg: Settings | None = None, *, migrate: bool = True, repair: bool = False
) -> Iterator[Database]:
    """The configured database, migrated to the newest schema unless told not to.

    ``repair``: also build the indexes a large first import defers to its end, if one died
    before building them (heedful.store.deferred). The commands that serve the store (serve,
    worker, db upgrade) repair; the others do not, so that ``heedful stats`` run during an
    import does not build them under it."""
    from heedful.store.migrate import upgrade

    cfg = cfg or settings()
    db = Database.from_url(cfg.resolved_database_url)
    try:
        if migrate:
            upgrade(db.engine)
        if repair:
            repair_indexes(db)
        yield db
    finally:
        db.dispose()


def repair_indexes(db: Database) -> None:
    from heedful.store.deferred import restore_indexes

    with db.write() as session:
        built = restore_indexes(session.connection())
    if built:
        err_console.print(
            f"built {len(built)} indexes an interrupted import had left out: {', '.join(built)}"
        )
