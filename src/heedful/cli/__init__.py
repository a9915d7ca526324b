"""The ``heedful`` command line. Each command group lives in its own module and registers here."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="heedful",
    help=(
        "Heedful: social customer care. One inbox for every channel, triage with reasons, a "
        "reply coach, SLA clocks and promises kept.\n\n"
        "Settings come from HEEDFUL_* environment variables or a .env file "
        "(see README.md, 'Configuration')."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

# One module per command group; each exposes ``register(app)``.
COMMAND_MODULES = (
    "heedful.cli.db",
    "heedful.cli.stats",
    "heedful.cli.imports",
    "heedful.cli.demo",
    "heedful.cli.serve",
    "heedful.cli.channels",
    "heedful.cli.worker",
    "heedful.cli.coach",
    "heedful.cli.help_articles",
    "heedful.cli.promises",
    "heedful.cli.report",
    "heedful.cli.admin",
    "heedful.cli.triage",
)


# Which modules a top-level command needs, so `heedful coach …` imports only the coach (fast
# start-up); anything else (--help, unknown commands) loads every module.
COMMAND_OWNERS: dict[str, tuple[str, ...]] = {
    "db": ("heedful.cli.db",),
    "stats": ("heedful.cli.stats",),
    "import": ("heedful.cli.imports",),
    "demo": ("heedful.cli.demo",),
    "serve": ("heedful.cli.serve",),
    "channels": ("heedful.cli.channels", "heedful.cli.worker"),
    "worker": ("heedful.cli.worker",),
    "outbox": ("heedful.cli.worker",),
    "coach": ("heedful.cli.coach",),
    "promises": ("heedful.cli.promises",),
    "report": ("heedful.cli.report",),
    "admin": ("heedful.cli.admin",),
    "triage": ("heedful.cli.triage",),
    "help-articles": ("heedful.cli.help_articles",),
}


@app.callback()
def _root() -> None:
    """Heedful: social customer care."""


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """Register the command modules (only those the invoked command needs, when known)."""
    command = argv[1] if argv and len(argv) > 1 else None
    modules = COMMAND_OWNERS.get(command or "", COMMAND_MODULES)
    for name in dict.fromkeys(modules):
        importlib.import_module(name).register(app)
    return app


def main() -> None:
    import sys

    build_app(sys.argv)()
