"""Import speed: `heedful import twcs` against the raw insert rate of the same rows.

Generates a TWCS-format file of N rows (default 1,000,000) by resampling the shared samples
(whole threads, fresh ids, returning customers), then for each backend:

- ours: `heedful import twcs FILE` in a child process on a fresh database (threading,
  idempotency, identities, conversations, quarantine and the full-text index all on), timed,
  with the child's peak RSS. Being a large import into an empty store, it builds the inbox's
  and search's indexes at the end (heedful.store.deferred), and that build is in the time.
  The import reads its file in a process of its own (heedful.services.importers.process):
  that process's peak RSS is printed once, beside the import's;
- raw: the same rows parsed with the csv module and inserted into the same `message` table
  (same indexes, kept up to date row by row) with plain `executemany` (SQLite, then the FTS5
  index built in bulk like ours) or `COPY` (PostgreSQL, GIN index included).

Prints rows/s for both and ours / raw. Usage:
    python bench/import.py [--rows 1000000] [--backend sqlite --backend postgresql] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _twcs_gen import generate

from heedful.services.importers.twcs import parse_twcs_time
from heedful.store.db import Database
from heedful.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEEDFUL_SHARED_DIR", REPO.parent / "shared"))
PG_ADMIN = os.environ.get(
    "HEEDFUL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BATCH = 5000


def fresh_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'bench-{secrets.token_hex(3)}.db'}"
    name = f"heedful_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)  # type: ignore[operator]
        return
    if url.startswith("postgresql"):
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


# The import runs as the grandchild of a small launcher: Linux carries a process's peak RSS
# across exec, so a child forked straight from this process (which by then may hold the raw
# run's parsed rows) would report this process's memory, not the import's.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "sys.stderr.write(f'HEEDFUL_MAXRSS_KB={usage.ru_maxrss}\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_ours(url: str, csv_path: Path, workdir: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and the summary of `heedful import twcs` in a child process."""
    db = Database.from_url(url)
    upgrade(db.engine)  # migrations are set-up, not import work
    db.dispose()
    env = dict(os.environ, HEEDFUL_DATABASE_URL=url, HEEDFUL_DATA_DIR=str(workdir))
    start = time.perf_counter()
    command = [sys.executable, "-m", "heedful.cli", "import", "twcs", str(csv_path), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env=env, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed with status {done.returncode}")
    marker = done.stderr.decode(errors="replace").rsplit("HEEDFUL_MAXRSS_KB=", 1)[-1]
    return elapsed, int(marker.split()[0]) / 1024, done.stdout.decode().strip()


def reader_peak_mb(csv_path: Path) -> float:
    """Peak RSS (MB) of the process an import reads its file in. It is a process of its own,
    and the import's figure is a maximum over the import and its children, not a sum, so this
    is printed beside it. Read slowly, as a busy import does, so that the frames the reader
    may send ahead pile up to their bound."""
    command = [
        sys.executable,
        "-m",
        "heedful.services.importers.process",
        "twcs",
        str(csv_path),
        "10000",
    ]
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    time.sleep(2)
    while child.stdout.read(1 << 20):
        time.sleep(0.005)
    errors = child.stderr.read().decode(errors="replace")
    if child.wait() != 0:
        raise SystemExit(f"reader failed: {errors}")
    return int(errors.rsplit("HEEDFUL_MAXRSS_KB=", 1)[-1].split()[0]) / 1024


def csv_rows(csv_path: Path) -> list[tuple[object, ...]]:
    """Parse with the csv module into message-table tuples (timed as part of raw)."""
    now = datetime.now(UTC)
    rows = []
    with csv_path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for i, (tweet_id, _author, inbound, created, body, _responses, parent) in enumerate(
            reader, 1
        ):
            rows.append(
                (
                    i,
                    1,
                    1,
                    "x",
                    None,
                    tweet_id,
                    parent or None,
                    None,
                    "reply" if parent else "post",
                    "in" if inbound == "True" else "out",
                    "public",
                    None,
                    None,
                    body,
                    False,
                    parse_twcs_time(created),
                    now,
                    None,
                )
            )
    return rows


COLUMNS = (
    "id, workspace_id, conversation_id, channel, channel_account_id, external_id, "
    "in_reply_to_external_id, thread_ref, kind, direction, visibility, author_identity_id, "
    "agent_id, text, unsolicited, created_at, ingested_at, raw_ref"
)


def prepare_raw(url: str) -> Database:
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.write() as s:
        s.execute(
            text(
                "INSERT INTO workspace (id, slug, name, timezone, settings, created_at) "
                "VALUES (1, 'raw', 'raw', 'UTC', '{}', :t)"
            ),
            {"t": datetime.now(UTC)},
        )
        s.execute(
            text(
                "INSERT INTO conversation (id, workspace_id, channel, status, priority, "
                "message_count, last_activity_at, created_at) VALUES "
                "(1, 1, 'x', 'new', 0, 0, :t, :t)"
            ),
            {"t": datetime.now(UTC)},
        )
    return db


def run_raw_sqlite(url: str, csv_path: Path) -> float:
    db = prepare_raw(url)
    start = time.perf_counter()
    rows = csv_rows(csv_path)
    raw = db.engine.raw_connection()
    cur = raw.cursor()
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    for i in range(0, len(rows), BATCH):
        part = [
            (*r[:15], r[15].strftime(fmt), r[16].strftime(fmt), None) for r in rows[i : i + BATCH]
        ]
        cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO message ({COLUMNS}) VALUES ({','.join('?' * 18)})", part)
        cur.execute("COMMIT")
    cur.execute("BEGIN")
    cur.execute("INSERT INTO message_fts (rowid, text) SELECT id, text FROM message")
    cur.execute("COMMIT")
    elapsed = time.perf_counter() - start
    raw.close()
    db.dispose()
    return elapsed


def run_raw_postgres(url: str, csv_path: Path) -> float:
    db = prepare_raw(url)
    start = time.perf_counter()
    rows = csv_rows(csv_path)
    raw = db.engine.raw_connection()
    conn = raw.driver_connection
    assert conn is not None
    for i in range(0, len(rows), BATCH):
        with conn.cursor() as cur, cur.copy(f"COPY message ({COLUMNS}) FROM STDIN") as copy:
            for row in rows[i : i + BATCH]:
                copy.write_row(row)
        conn.commit()
    elapsed = time.perf_counter() - start
    raw.close()
    db.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="pairs of runs (ours, then raw) per backend; with more than one, the median pair "
        "is printed too (on a shared machine the rates of back-to-back runs move by 30%%)",
    )
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    with tempfile.TemporaryDirectory(prefix="heedful-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "twcs.csv"
        t = time.perf_counter()
        generate(csv_path, args.rows, SHARED)
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s"
        )
        print(
            f"reading process (besides the import's own): peak RSS {reader_peak_mb(csv_path):.0f} MB"
        )
        print(
            f"{'backend':<11} {'ours rows/s':>12} {'raw rows/s':>11} {'ours/raw':>9} {'peak RSS':>9}"
        )
        for backend in backends:
            ratios = []
            for _ in range(args.repeat):
                ours_rate, raw_rate, rss, summary = run_pair(backend, csv_path, workdir, args.rows)
                ratios.append(ours_rate / raw_rate)
                print(
                    f"{backend:<11} {ours_rate:>12,.0f} {raw_rate:>11,.0f} {ours_rate / raw_rate:>9.0%} {rss:>7.0f}MB"
                )
                print(f"            summary: {summary}")
            if args.repeat > 1:
                print(
                    f"{backend:<11} median ours/raw of {args.repeat} pairs: {statistics.median(ratios):.0%}"
                )


def run_pair(
    backend: str, csv_path: Path, workdir: Path, rows: int
) -> tuple[float, float, float, str]:
    """rows/s of ours and raw, back to back, each on a fresh database; ours' RSS and summary."""
    url = fresh_database(backend, workdir)
    try:
        ours, rss, summary = run_ours(url, csv_path, workdir)
    finally:
        drop_database(url)
    url = fresh_database(backend, workdir)
    try:
        raw = (
            run_raw_sqlite(url, csv_path)
            if backend == "sqlite"
            else run_raw_postgres(url, csv_path)
        )
    finally:
        drop_database(url)
    return rows / ours, rows / raw, rss, summary


if __name__ == "__main__":
    main()
