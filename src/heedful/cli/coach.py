"""``heedful coach``: check a draft reply (or a batch of them) before it is sent.

The flags and the JSON shapes are a stable interface for checking from outside."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import orjson
import typer

from heedful.errors import HeedfulError, InputRejected

# Nothing heavy at import time (no database, no rich console): `heedful coach` is run once per
# draft by scripts, so its start-up is most of its cost.
P = ParamSpec("P")
R = TypeVar("R")

HELP = """Check a draft reply and print the coach's findings.

Single draft: `heedful coach --reply "DRAFT" [--customer "MESSAGE"] [--channel x]
[--public|--private] [--signature-required] [--history FILE.jsonl] --json` prints a JSON
list of findings `{"rule", "severity", "start", "end", "message", "suggestion"}`.

Many drafts: `heedful coach --batch FILE.jsonl --json` reads one JSON object per line
(`{"id", "reply", "customer", "channel", "public", "signature_required", "history", "to"}`;
all but `id` and `reply` optional) and prints one `{"id", "findings"}` per line. A bad line is
reported on stderr and as `{"id", "error"}`; the other lines are still checked.

Defaults: channel `x`; the reply is public unless `--private`; no signature required; the
customer is treated as calm when `--customer` is absent. `--history` lines are
`{"to": ..., "text": ...}` (optional `sent_at`, ISO 8601) for the canned check.
"""


def register(app: typer.Typer) -> None:
    app.command("coach", help=HELP)(coach_command)


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")


def fail(message: str, code: int = 1) -> typer.Exit:
    _say(f"error: {message}")
    return typer.Exit(code)


def clean_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Heedful's own errors become one line on stderr and exit status 1, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except HeedfulError as exc:
            raise fail(str(exc)) from None

    return wrapper


@clean_errors
def coach_command(
    reply: Annotated[str | None, typer.Option("--reply", help="The draft reply.")] = None,
    customer: Annotated[
        str, typer.Option("--customer", help="The customer's message it answers.")
    ] = "",
    channel: Annotated[
        str,
        typer.Option(
            "--channel", help="x, mastodon, bluesky, facebook, instagram, reddit, email, review."
        ),
    ] = "x",
    public: Annotated[
        bool, typer.Option("--public/--private", help="Public reply (default) or private.")
    ] = True,
    signature_required: Annotated[
        bool, typer.Option("--signature-required", help="The workspace signs its replies.")
    ] = False,
    history: Annotated[
        Path | None, typer.Option("--history", help="JSONL of replies sent to others.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="The contact the draft goes to (canned check).")
    ] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL of drafts to check.")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="A workspace's coach settings (JSON).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from heedful.coach.batch import CHANNELS, build_index, read_history

    if (reply is None) == (batch is None):
        raise fail("give exactly one of --reply DRAFT or --batch FILE.jsonl", code=2)
    coach = _coach(config)
    shared: list[Any] = []
    if history is not None:
        shared, errors = read_history(history)
        for error in errors:
            _say(f"{history}:{error.line}: skipped: {error.reason}")
    index = build_index(shared) if shared else None
    if batch is not None:
        _run_batch(coach, batch, shared, index, as_json)
        return
    if channel.lower() not in CHANNELS:
        raise fail(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})", code=2)
    from heedful.coach.draft import Draft

    draft = Draft(reply or "", customer, channel.lower(), public, signature_required, to)
    findings = [f.as_dict() for f in coach.check(draft, index)]
    if as_json:
        _print_json(findings)
    else:
        _print_human(draft.text, findings)


def _coach(config: Path | None) -> Any:
    from heedful.coach.config import CoachConfig
    from heedful.coach.engine import Coach

    if config is None:
        return Coach()
    try:
        raw = orjson.loads(config.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InputRejected(f"{config}: cannot read coach settings ({exc})") from None
    try:
        return Coach(CoachConfig.model_validate(raw))
    except ValueError as exc:
        raise InputRejected(f"{config}: {str(exc).splitlines()[0]}") from None


def _run_batch(coach: Any, path: Path, shared: list[Any], index: Any, as_json: bool) -> None:
    from heedful.coach.batch import check_batch_line, read_lines

    for number, line in read_lines(path):
        try:
            result = check_batch_line(coach, line, shared, index)
        except InputRejected as exc:
            item_id = getattr(exc, "item_id", None)
            _say(f"{path}:{number}: {exc.reason}")
            result = {"id": item_id, "error": f"line {number}: {exc.reason}"}
        if as_json:
            _print_json(result)
        else:
            _print_human_result(result)


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value).decode() + "\n")
    sys.stdout.flush()


def _print_human(text: str, findings: list[dict[str, Any]]) -> None:
    if not findings:
        print("No findings.")
    for f in findings:
        quoted = text[f["start"] : f["end"]]
        print(
            f"{f['severity']:5} {f['rule']}: {f['message']} — “{quoted}”\n      → {f['suggestion']}"
        )


def _print_human_result(result: dict[str, Any]) -> None:
    if "error" in result:
        print(f"{result['id']}: error: {result['error']}")
        return
    rules = ", ".join(f"{f['rule']} ({f['severity']})" for f in result["findings"]) or "ok"
    print(f"{result['id']}: {rules}")
