"""Reading an import's file in a child process: the same rows as reading it here, the same
errors, and no silent end when the child dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from heedful.clock import FrozenClock
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected
from heedful.services.importers.base import Row
from heedful.services.importers.jsonl import open_jsonl
from heedful.services.importers.process import (
    ReaderFailed,
    ReaderProcess,
    decode_row,
    encode_row,
)
from heedful.services.importers.runner import run_import
from heedful.services.importers.twcs import open_twcs
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, Quarantine
from tests.services.importers.test_twcs import BAD_ROWS, GOOD, write_csv

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _generated(path: Path, rows: int) -> Path:
    from tests.conftest import shared_data

    sys.path.insert(0, str(BENCH))
    from _twcs_gen import generate

    generate(path, rows, shared_data("twcs_samples").parents[1])
    return path


def test_a_fully_filled_event_survives_the_trip() -> None:
    event = InboundEvent(
        channel="email",
        external_id="<m1@example.org>",
        author=Author("ana@example.org", "ana@example.org", "Ana Lima", 332_000),
        text="Bonjour — ça ne marche pas \U0001f620",
        created_at=datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC),
        kind=MessageKind.DM,
        direction=Direction.OUTBOUND,
        visibility=Visibility.PRIVATE,
        in_reply_to="<m0@example.org>",
        thread_ref="<root@example.org>",
        references=("<root@example.org>", "<m0@example.org>"),
        account_ref="care@brand.example",
        subject="Re: my order",
        url="https://example.org/m1",
        unsolicited=True,
        rating=2.5,
        language="fr",
        attachments=(Attachment("bill.pdf", "application/pdf", 1234, None, "blob:sha256:ab"),),
        raw_ref="raw_event:42",
        extra={"edited": True, "platform": {"labels": ["a", "b"]}},
    )
    for row in (
        Row("line 1", event),
        Row("row 7", None, b"caf\xe9,\x00", "not valid UTF-8 text"),
    ):
        back = decode_row(encode_row(row))
        assert back == row
        assert back.event is None or back.event.created_at.tzinfo is UTC


def test_twcs_rows_are_the_rows_read_here(tmp_path: Path) -> None:
    lines = [GOOD[0].encode(), *BAD_ROWS.values(), b"\n", GOOD[1].encode(), GOOD[2].encode()]
    path = write_csv(tmp_path / "mixed.csv", lines)
    with open_twcs(path) as here, ReaderProcess("twcs", path) as child:
        expected = list(here)
        got = list(child)
        assert child.position == path.stat().st_size
    assert got == expected
    assert sum(row.event is None for row in got) == len(BAD_ROWS) + 1  # and the empty row


def test_many_frames_keep_their_order(tmp_path: Path) -> None:
    path = _generated(tmp_path / "big.csv", 4500)  # several frames, the last one short
    with open_twcs(path) as here, ReaderProcess("twcs", path) as child:
        assert list(child) == list(here)


def test_jsonl_rows_are_the_rows_read_here(tmp_path: Path) -> None:
    event = InboundEvent(
        channel="mastodon",
        external_id="1101",
        author=Author("42", "@ana@example.social", "Ana", 1200),
        text="Still waiting on my refund",
        created_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        kind=MessageKind.REPLY,
        in_reply_to="1100",
        references=("1099",),
        rating=1.0,
    )
    lines = [
        json.dumps(event.as_json()).encode(),
        b"{not json",
        b'{"channel": "x"}',
        "caf\xe9".encode("latin-1"),
        b"",
        json.dumps({**event.as_json(), "external_id": "1102"}).encode(),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with open_jsonl(path) as here, ReaderProcess("jsonl", path) as child:
        expected = list(here)
        assert list(child) == expected
    assert [row.event is not None for row in expected] == [True, False, False, False, True]


def test_a_file_refused_as_a_whole_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,text\n1,hello\n")
    with pytest.raises(InputRejected, match="missing column"):
        ReaderProcess("twcs", path)
    path.write_text("")
    with pytest.raises(InputRejected, match="empty"):
        ReaderProcess("twcs", path)


def test_a_child_that_cannot_read_is_an_error_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(ReaderFailed, match=r"exit status 1\): IsADirectoryError"):
        ReaderProcess("twcs", tmp_path)  # a directory: the child fails to open it


def test_a_child_killed_part_way_is_an_error_not_the_end_of_the_file(tmp_path: Path) -> None:
    path = _generated(tmp_path / "big.csv", 40_000)  # more than the child sends ahead
    with ReaderProcess("twcs", path) as reader:
        rows = iter(reader)
        next(rows)
        reader.child.send_signal(signal.SIGKILL)
        with pytest.raises(ReaderFailed, match="stopped before the end"):
            for _ in rows:
                pass


def test_the_child_stops_when_the_import_stops(tmp_path: Path) -> None:
    path = _generated(tmp_path / "big.csv", 40_000)
    reader = ReaderProcess("twcs", path)
    next(iter(reader))
    child = reader.child
    reader.close()  # the import ended early (an error, ^C)
    assert child.returncode is not None


def test_an_import_through_the_child_stores_what_one_read_here_stores(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    lines = [GOOD[0].encode(), BAD_ROWS["is not a date"], GOOD[1].encode(), GOOD[2].encode()]
    path = write_csv(tmp_path / "t.csv", lines)
    with db.write() as session:
        here = create_workspace(session, slug="here", name="Here", clock=clock).id
        there = create_workspace(session, slug="there", name="There", clock=clock).id
    with open_twcs(path) as reader:
        expected = run_import(db, here, reader, clock=clock, source="here", batch_size=2)
    with ReaderProcess("twcs", path) as reader:
        got = run_import(db, there, reader, clock=clock, source="there", batch_size=2)
    assert got.as_json() == expected.as_json()
    with db.session() as session:
        for model in (Message, Conversation, Quarantine):
            counts = [
                session.scalar(
                    select(func.count()).select_from(model).where(model.workspace_id == ws)
                )
                for ws in (here, there)
            ]
            assert counts[0] == counts[1] > 0, model.__name__


def _children(pid: int) -> list[int]:
    """Linux's /proc, like the rest of the suite's set-up (scripts/install-system-deps.sh)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_import_leaves_no_reading_process_behind(
    database_url: str, tmp_path: Path
) -> None:
    path = _generated(tmp_path / "big.csv", 40_000)
    env = dict(
        os.environ, HEEDFUL_DATABASE_URL=database_url, HEEDFUL_DATA_DIR=str(tmp_path / "data")
    )
    victim = subprocess.Popen(
        [sys.executable, "-m", "heedful.cli", "import", "twcs", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children and time.monotonic() < deadline and victim.poll() is None:
        children = _children(victim.pid)
        time.sleep(0.05)
    assert children, "the import should read its file in a child process"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in children)
