"""Every top-level command is documented and reachable through the fast, lazy path."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.main import get_command

from heedful import cli


def _top_level(app: typer.Typer) -> set[str]:
    command = get_command(app)
    assert hasattr(command, "commands")
    return set(command.commands)


def _fresh_app() -> typer.Typer:
    return typer.Typer(add_completion=False)


def test_every_command_has_an_owner_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    app = _fresh_app()
    app.callback()(lambda: None)
    for name in cli.COMMAND_MODULES:
        importlib.import_module(name).register(app)
    assert _top_level(app) == set(cli.COMMAND_OWNERS)


@pytest.mark.parametrize("command", sorted(cli.COMMAND_OWNERS))
def test_each_command_explains_itself(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heedful.cli", command, "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert len(result.stdout.strip().splitlines()) > 4
