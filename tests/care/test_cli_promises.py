"""The stable ``heedful promises`` command."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from heedful.cli import promises

SENT = "2026-11-20T16:05:00+00:00"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    app = typer.Typer()
    promises.register(app)
    app.command("noop", hidden=True)(lambda: None)  # keep "promises" a named sub-command
    result = CliRunner().invoke(app, ["promises", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_json_shape_is_exactly_the_stable_one() -> None:
    code, out, _ = run(
        "--text",
        "Sorry! I'll call you tomorrow. We'll look into it.",
        "--sent-at",
        SENT,
        "--tz",
        "Europe/London",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [
        {
            "span": "I'll call you tomorrow",
            "action": "call",
            "due_at": "2026-11-21T17:00:00+00:00",
            "vague": False,
        },
        {"span": "We'll look into it", "action": "investigate", "due_at": None, "vague": True},
    ]


def test_no_promise_is_an_empty_list() -> None:
    code, out, _ = run("--text", "Please DM us.", "--sent-at", SENT, "--json")
    assert (code, json.loads(out)) == (0, [])


def test_table_shows_local_time() -> None:
    code, out, _ = run(
        "--text", "I'll call you tomorrow morning.", "--sent-at", SENT, "--tz", "America/New_York"
    )
    assert code == 0 and "Sat 21 Nov 12:00" in out and "2026-11-21 17:00Z" in out


def test_holidays_and_stdin() -> None:
    code, out, _ = run(
        "--text",
        "-",
        "--sent-at",
        "2026-12-24T10:00:00+00:00",
        "--tz",
        "Europe/London",
        "--holidays",
        "GB-ENG",
        "--json",
        stdin="We'll refund you within 2 working days.",
    )
    assert code == 0 and json.loads(out)[0]["due_at"] == "2026-12-30T17:00:00+00:00"


def test_clear_one_line_errors() -> None:
    code, _, err = run("--text", "x", "--sent-at", "last friday")
    assert code == 1 and err.count("\n") == 1 and "--sent-at 'last friday'" in err
    code, _, err = run("--text", "x", "--sent-at", SENT, "--tz", "Mars/Olympus")
    assert code == 1 and "unknown time zone 'Mars/Olympus'" in err


def test_help_explains_the_command() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "--sent-at" in out and "vague" in out
