"""``heedful channels``: the installed channel adapters, and what they make of a payload."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from heedful.channels.base import Ignored
from heedful.channels.registry import adapter_class, adapter_classes
from heedful.channels.replay import parse_payload_file
from heedful.cli.common import clean_errors, err_console, out_console
from heedful.errors import HeedfulError

ChannelOpt = Annotated[
    str, typer.Option("--channel", "-c", help="Adapter slug: x, mastodon, bluesky, reddit, …")
]
PayloadArg = Annotated[
    Path,
    typer.Argument(help="A webhook body, an API response body, a vcr cassette or an .eml file."),
]

channels_app = typer.Typer(help="Channel adapters: list them, try them on payloads.")


@channels_app.command("list")
@clean_errors
def list_command() -> None:
    """The installed channel adapters and what each can do."""
    for slug, cls in sorted(adapter_classes().items()):
        caps = cls.capabilities
        can = [
            name
            for name in ("poll", "webhook", "public_reply", "private_message", "listening")
            if getattr(caps, name)
        ]
        out_console.print(
            f"{slug:<11} {cls.name:<28} {', '.join(can)}", highlight=False, soft_wrap=True
        )


@channels_app.command("parse")
def parse_command(
    channel: ChannelOpt,
    file: PayloadArg,
) -> None:
    """Print one JSON normalized event per line for what FILE holds.

    Deliberately ignored items (likes, read receipts…) print nothing on stdout and their
    reason on stderr; a payload that cannot be accepted exits non-zero with one line."""
    try:
        outcome = parse_payload_file(adapter_class(channel).unconfigured(), file)
    except HeedfulError as exc:
        _error_line(str(exc))
        raise typer.Exit(1) from None
    except Exception as exc:  # a bug in an adapter must still not print a traceback
        _error_line(f"the {channel} parser failed on {file.name}: {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    for event in outcome.events:
        _write_line(json.dumps(event.as_json(), ensure_ascii=False))
    for item in outcome.ignored:
        _note_ignored(item)
    for reason in outcome.rejected:
        _error_line(reason)
    if outcome.rejected:
        raise typer.Exit(1)


def _write_line(line: str) -> None:
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        sys.stdout.flush()
        stream.write(line.encode("utf-8") + b"\n")
        stream.flush()
    else:
        sys.stdout.write(line + "\n")


def _error_line(message: str) -> None:
    err_console.print(f"error: {message}", highlight=False, soft_wrap=True, markup=False)


def _note_ignored(item: Ignored) -> None:
    ref = f" [{item.ref}]" if item.ref else ""
    err_console.print(f"ignored{ref}: {item.reason}", highlight=False, soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(channels_app, name="channels")
