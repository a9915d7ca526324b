"""The stable command ``heedful channels parse --channel C FILE``: JSON lines on stdout,
ignored items' reasons on stderr, one clear line and a non-zero exit for what it refuses."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heedful.cli import build_app
from tests.channels.conftest import payload

REQUIRED = {"kind", "external_id", "author", "text", "created_at", "in_reply_to", "visibility"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), ["channels", "parse", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("channel", "folder", "name", "count"),
    [
        ("x", "x_twitter", "rtweet__mentions.json", 5),
        ("x", "x_twitter", "xdocs__xaa__post.mention.create.json", 1),
        ("mastodon", "mastodon", "mastodonpy__test_conversations.yaml", 6),
        ("bluesky", "bluesky", "atproto_dart__app.bsky.notification.listNotifications.json", 24),
        ("reddit", "reddit", "praw__TestInbox.test_unread.json", 62),
    ],
)
def test_prints_one_normalized_event_per_line(
    channel: str, folder: str, name: str, count: int
) -> None:
    code, out, _ = run("--channel", channel, str(payload(folder, name)))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == count
    for event in lines:
        assert set(event) >= REQUIRED
        assert set(event["author"]) >= {"external_id", "handle", "display_name", "followers"}
        assert datetime.fromisoformat(event["created_at"]).utcoffset() is not None
        assert event["visibility"] in ("public", "private")


def test_ignored_item_prints_nothing_and_its_reason_on_stderr() -> None:
    code, out, err = run(
        "--channel",
        "x",
        str(payload("x_twitter", "tock__direct_message_indicate_typing_event.json")),
    )
    assert (code, out) == (0, "")
    assert err.strip() == "ignored [14235326]: a typing indicator, not a message"


@pytest.mark.parametrize(
    ("channel", "content", "message"),
    [
        ("x", b"From: a@b\n\nnot json", "error: the X payload is not JSON"),
        (
            "mastodon",
            b'{"error": "Record not found"}',
            "error: a Mastodon API error response: Record not found",
        ),
        ("bluesky", b"[1, 2]", "error: not a Bluesky payload: expected a JSON object"),
        ("reddit", b'{"what": 1}', "error: not a recognised Reddit payload (keys: what)"),
        # an array of something else is refused, never read as "no events"
        ("x", b"[1, 2]", "error: not a valid X payload: item 0 of the array is int"),
        ("mastodon", b'[{"id": "1"}, "x"]', "error: not a valid Mastodon payload: item 1"),
        ("reddit", b"[null]", "error: not a valid Reddit payload: item 0 of the array is NoneType"),
        ("nope", b"{}", "error: unknown channel 'nope'"),
    ],
)
def test_refusals_are_one_line_without_traceback(
    tmp_path: Path, channel: str, content: bytes, message: str
) -> None:
    file = tmp_path / "body.json"
    file.write_bytes(content)
    code, out, err = run("--channel", channel, str(file))
    assert code == 1 and out == ""
    assert err.startswith(message) and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run("--channel", "x", str(tmp_path / "absent.json"))
    assert code == 1 and err.startswith("error: cannot read")
