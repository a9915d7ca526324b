"""The TWCS importer: bad rows quarantined with reasons, re-runs change nothing, an import
killed half-way and re-run ends with exactly the data of an uninterrupted run."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from heedful.clock import FrozenClock
from heedful.services.importers.runner import run_import
from heedful.services.importers.twcs import TwcsReader, open_twcs, parse_twcs_time
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import Contact, Conversation, Message, Quarantine
from tests.conftest import shared_data

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
GOOD = [
    "1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 I understand.,2,3\n",
    "2,115712,True,Tue Oct 31 22:11:45 +0000 2017,@sprintcare and how do you propose we do that,,1\n",
    "3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@sprintcare I have sent several private messages,1,4\n",
]


def write_csv(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(HEADER.encode() + b"".join(lines))
    return path


def do_import(db: Database, ws: int, path: Path, clock: FrozenClock, batch_size: int = 2):  # type: ignore[no-untyped-def]
    with open_twcs(path) as reader:
        return run_import(
            db, ws, reader, clock=clock, source=f"import:twcs:{path.name}", batch_size=batch_size
        )


@pytest.fixture
def ws(db: Database, clock: FrozenClock) -> int:
    with db.write() as session:
        return create_workspace(session, slug="twcs", name="TWCS", clock=clock).id


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


BAD_ROWS = {
    "row has 3 fields": b"4,115712,True\n",
    "is not a date": b"5,115712,True,yesterday at noon,hello,,\n",
    "not valid UTF-8": "6,115712,True,Tue Oct 31 22:11:45 +0000 2017,caf\xe9,,\n".encode("latin-1"),
    "over the 100,000 limit": b"7,115712,True,Tue Oct 31 22:11:45 +0000 2017,"
    + b"x" * 1_048_576
    + b",,\n",
    "is not a tweet id": b"abc,115712,True,Tue Oct 31 22:11:45 +0000 2017,hi,,\n",
    "neither True nor False": b"8,115712,maybe,Tue Oct 31 22:11:45 +0000 2017,hi,,\n",
    "NUL": b"9,115712,True,Tue Oct 31 22:11:45 +0000 2017,a\x00b,,\n",
    "author_id is empty": b"10,,True,Tue Oct 31 22:11:45 +0000 2017,hi,,\n",
    "in_response_to_tweet_id": b"11,115712,True,Tue Oct 31 22:11:45 +0000 2017,hi,,not-an-id\n",
}


def test_each_kind_of_bad_row_is_quarantined_and_the_import_goes_on(
    db: Database, ws: int, clock: FrozenClock, tmp_path: Path
) -> None:
    lines = [GOOD[0].encode(), *BAD_ROWS.values(), GOOD[1].encode(), GOOD[2].encode()]
    report = do_import(db, ws, write_csv(tmp_path / "bad.csv", lines), clock)
    assert report.ingest.stored == 3
    assert report.quarantined == len(BAD_ROWS)
    with db.session() as session:
        rows = session.scalars(select(Quarantine).order_by(Quarantine.id)).all()
    reasons = " | ".join(r.reason for r in rows)
    for expected in BAD_ROWS:
        assert expected in reasons, expected
    latin = next(r for r in rows if "UTF-8" in r.reason)
    assert b"caf\xe9" in latin.raw  # the raw bytes are kept as they were
    assert all(r.locator and r.locator.startswith("row ") for r in rows)


def test_rerun_changes_nothing(db: Database, ws: int, clock: FrozenClock, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [*(g.encode() for g in GOOD), BAD_ROWS["is not a date"]])
    first = do_import(db, ws, path, clock)
    counts = [count(db, m) for m in (Message, Conversation, Contact, Quarantine)]
    second = do_import(db, ws, path, clock)
    assert first.ingest.stored == 3
    assert second.ingest.stored == 0
    assert second.ingest.duplicates == 3
    assert [count(db, m) for m in (Message, Conversation, Contact, Quarantine)] == counts


def test_thread_from_the_twcs_readme_is_one_conversation(
    db: Database, ws: int, clock: FrozenClock, tmp_path: Path
) -> None:
    do_import(db, ws, write_csv(tmp_path / "t.csv", [g.encode() for g in GOOD]), clock)
    assert count(db, Conversation) == 1
    with db.session() as session:
        conv = session.scalars(select(Conversation)).one()
    assert conv.first_inbound_at == parse_twcs_time("Tue Oct 31 22:08:27 +0000 2017")
    assert conv.first_response_at == parse_twcs_time("Tue Oct 31 22:10:47 +0000 2017")


def test_header_problems_are_one_clear_error(tmp_path: Path) -> None:
    from heedful.errors import InputRejected

    path = tmp_path / "x.csv"
    for content, message in (("id,text\n1,hello\n", "missing column"), ("", "empty")):
        path.write_text(content)
        with path.open("rb") as stream, pytest.raises(InputRejected, match=message):
            TwcsReader(stream, "x.csv")


def test_bom_crlf_and_float_ids_are_read(tmp_path: Path) -> None:
    data = ("\ufeff" + HEADER + GOOD[1].replace(",,1\n", ",,1.0\n")).replace("\n", "\r\n")
    reader = TwcsReader(io.BytesIO(data.encode()), "x.csv")
    rows = list(reader)
    assert rows[0].event is not None
    assert rows[0].event.in_reply_to == "1"


def test_times() -> None:
    assert (
        parse_twcs_time("Tue Oct 31 22:10:47 +0100 2017").isoformat() == "2017-10-31T21:10:47+00:00"
    )
    assert parse_twcs_time("2017-10-29 06:16:40").isoformat() == "2017-10-29T06:16:40+00:00"


@pytest.mark.parametrize(
    "name",
    [
        "twcs_first5000.csv",
        "twcs_kaggle_sample.csv",
        "twcs_ericsson_conversations.csv",
        "twcs_spotifycares_inbound.csv",
    ],
)
def test_shared_samples_import_with_no_quarantines(
    db: Database, ws: int, clock: FrozenClock, name: str
) -> None:
    path = shared_data("twcs_samples", name)
    with path.open(encoding="utf-8", newline="") as f:
        ids = [row["tweet_id"] for row in csv.DictReader(f)]
    report = do_import(db, ws, path, clock, batch_size=5000)
    assert report.quarantined == 0
    assert report.ingest.stored == len(set(ids))  # rows repeated in the file are stored once
    assert count(db, Message) == len(set(ids))


def _groupings(url: str) -> tuple[set[frozenset[str]], int, int]:
    db = Database.from_url(url)
    with db.session() as session:
        rows = session.execute(select(Message.conversation_id, Message.external_id)).all()
        contacts = int(session.scalar(select(func.count()).select_from(Contact)) or 0)
        quarantined = int(session.scalar(select(func.count()).select_from(Quarantine)) or 0)
    db.dispose()
    groups: dict[int, set[str]] = {}
    for conv, ext in rows:
        groups.setdefault(conv, set()).add(ext)
    return {frozenset(g) for g in groups.values()}, contacts, quarantined


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HEEDFUL_DATABASE_URL=url, HEEDFUL_DATA_DIR=str(tmp_path / "data"))
    return subprocess.Popen(
        [sys.executable, "-m", "heedful.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _messages(url: str) -> int:
    db = Database.from_url(url)
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Message)) or 0)
    finally:
        db.dispose()


@pytest.mark.slow
def test_import_killed_half_way_and_rerun_equals_an_uninterrupted_run(
    database_url: str, tmp_path: Path, backend: str
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from _twcs_gen import generate

    path = tmp_path / "big.csv"
    total = generate(path, 6000, shared_data("twcs_samples").parents[1])
    with path.open("ab") as f:  # and a bad row, which must be quarantined exactly once
        f.write(BAD_ROWS["is not a date"])
    # the uninterrupted run, in a second database of the same kind
    if backend == "postgresql":
        from tests.conftest import create_pg_database, drop_pg_database

        reference_url = create_pg_database()
    else:
        reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    try:
        assert (
            _cli(reference_url, tmp_path, "import", "twcs", str(path), "--batch-size", "200").wait()
            == 0
        )
        victim = _cli(database_url, tmp_path, "import", "twcs", str(path), "--batch-size", "200")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            stored = _messages(database_url)
            if stored >= total // 3:
                break
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert 0 < _messages(database_url) < total, "the kill must land half-way"
        rerun = _cli(database_url, tmp_path, "import", "twcs", str(path), "--batch-size", "200")
        assert rerun.wait() == 0
        assert _groupings(database_url) == _groupings(reference_url)
        assert _groupings(database_url)[2] == 1
    finally:
        if backend == "postgresql":
            drop_pg_database(reference_url)


def test_stats_json_has_the_stable_keys(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [g.encode() for g in GOOD])
    assert _cli(database_url, tmp_path, "import", "twcs", str(path)).wait() == 0
    env = dict(
        os.environ, HEEDFUL_DATABASE_URL=database_url, HEEDFUL_DATA_DIR=str(tmp_path / "data")
    )
    out = subprocess.run(
        [sys.executable, "-m", "heedful.cli", "stats", "--json"],
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    stats = json.loads(out)
    assert {k: stats[k] for k in ("messages", "conversations", "contacts", "quarantined")} == {
        "messages": 3,
        "conversations": 1,
        "contacts": 1,
        "quarantined": 0,
    }
