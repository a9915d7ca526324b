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
)

# One module per command group; each exposes ``register(app)``.
COMMAND_MODULES = (
    "heedful.cli.db",
    "heedful.cli.stats",
    "heedful.cli.imports",
    "heedful.cli.demo",
    "heedful.cli.serve",
    "heedful.cli.channels",
)


def build_app() -> typer.Typer:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def main() -> None:
    build_app()()
