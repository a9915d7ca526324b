"""``heedful coach``: the stable flags, the JSON shapes, batch mode and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heedful.cli import build_app

KEYS = {"rule", "severity", "start", "end", "message", "suggestion"}


@pytest.fixture(scope="module")
def run() -> object:
    runner = CliRunner()
    app = build_app()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["coach", *args])
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_single_draft_prints_a_json_list(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(
        "--reply", "That's not our fault.", "--customer", "Worst service ever!!", "--json"
    )
    found = json.loads(out)
    assert code == 0 and isinstance(found, list)
    assert {f["rule"] for f in found} >= {"blame", "no_empathy"}
    assert all(set(f) == KEYS for f in found)
    blame = next(f for f in found if f["rule"] == "blame")
    assert "That's not our fault."[blame["start"] : blame["end"]] == "not our fault"


def test_flags_change_the_checks(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "Call you on 07700 900123"
    _, public, _ = run("--reply", text, "--json")
    _, private, _ = run("--reply", text, "--private", "--json")
    assert "pii_in_public" in {f["rule"] for f in json.loads(public)}
    assert json.loads(private) == []
    _, signed, _ = run("--reply", "All sorted now", "--signature-required", "--json")
    assert [f["rule"] for f in json.loads(signed)] == ["missing_signature"]
    _, long, _ = run("--reply", "x" * 301, "--channel", "bluesky", "--json")
    assert [f["rule"] for f in json.loads(long)] == ["too_long"]


def test_history_feeds_the_canned_check(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "We're sorry! Please fill in the form on our site and we'll reply within 36 hours."
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps({"to": "someone", "text": text}) + "\n{broken\n")
    code, out, err = run("--reply", text, "--history", str(history), "--json")
    assert code == 0 and "canned" in {f["rule"] for f in json.loads(out)}
    assert "history.jsonl:2" in err and "Traceback" not in err


def test_batch_mode_reports_bad_lines_and_goes_on(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"id": "a", "reply": "Calm down.", "customer": "furious!!", "channel": "x"},
        {"id": "b"},
        "not json",
        {"id": 4, "reply": "Call me on 07700 900123", "public": False},
        {"id": "c", "reply": "Same again", "history": [{"to": "z", "text": "Same again"}]},
        {"id": "d", "reply": "Hi", "channel": "myspace"},
    ]
    batch.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    code, out, err = run("--batch", str(batch), "--json")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in results] == ["a", "b", None, 4, "c", "d"]
    assert "dismissive" in {f["rule"] for f in results[0]["findings"]}
    assert "reply" in results[1]["error"] and "error" in results[2]
    assert results[3] == {"id": 4, "findings": []}
    assert "myspace" in results[5]["error"]
    assert "batch.jsonl:2" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("--json",),
        ("--reply", "x", "--batch", "y.jsonl"),
        ("--reply", "x", "--channel", "myspace"),
        ("--batch", "/nonexistent/file.jsonl", "--json"),
        ("--reply", "x", "--history", "/nonexistent/h.jsonl"),
    ],
)
def test_bad_input_is_one_clear_line(run, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(*args)
    assert code != 0 and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_help_documents_the_defaults(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("--help")
    assert code == 0 and "public unless" in out and "channel" in out
