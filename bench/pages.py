"""Server time of the web pages at a million messages (issue 6: no page over 100 ms).

Serves the app in-process (FastAPI's TestClient, signed in as an admin with a session
cookie) on a store built like bench/api.py's (reuse one with --db, or --pg-url), and reads each
response's ``Server-Timing: app;dur=…`` header: the time from the request's arrival at the app
to its response's first line, without the client's own time. Prints the first view's time, then
the median, p95 and max over --requests more requests per page, and the response size. (A
dashboard's first view answers within ~50 ms while its first count goes on in the background;
the bench waits for that count before measuring the views that follow.)

The app's clock is frozen when 99 % of the store's conversations had started (the imported
history is years old: "today", "this week" and the SLA clocks then have work to show). The SLA snapshots
the inbox evaluates (heedful.care.clocks) are taken at that moment first if they are missing
or were taken at another time — what the care tick does after an import; it prints how long.

Pages: the inbox by priority (the default) and by newest activity, a filtered inbox, the
second page of the inbox, a conversation (a typical one and the store's longest), the lead's
dashboard, the admin page, the account page.

    python bench/pages.py [--db PATH | --pg-url URL] [--rows 1000000] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import build_store, has_store

TIMING = re.compile(r"app;dur=([\d.]+)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, help="SQLite file to build once and reuse")
    parser.add_argument("--pg-url", help="PostgreSQL database to fill once and reuse")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heedful-pages-") as tmp:
        workdir = Path(tmp)
        url = args.pg_url or f"sqlite:///{(args.db or workdir / 'pages.db').resolve()}"
        env = dict(
            os.environ,
            HEEDFUL_DATABASE_URL=url,
            HEEDFUL_DATA_DIR=str(workdir),
            HEEDFUL_LOG_LEVEL="WARNING",
        )
        if not has_store(url):
            build_store(url, args.rows, workdir, env)
        os.environ.update(env)
        measure(url, args.requests)


def measure(url: str, requests: int) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from heedful.care.clocks import snapshot_missing
    from heedful.clock import FrozenClock, SystemClock, as_utc
    from heedful.config import load_settings
    from heedful.services.agents import create_admin, find_agent_by_email
    from heedful.services.auth import start_session
    from heedful.store.db import Database
    from heedful.store.migrate import upgrade
    from heedful.web.app import create_app
    from heedful.web.auth import SESSION_COOKIE

    settings = load_settings()
    db = Database.from_url(url)
    upgrade(db.engine)
    with db.write() as s:
        agent = find_agent_by_email(s, "bench@example.com") or create_admin(
            s,
            email="bench@example.com",
            name="Bench",
            password="bench-password-123",
            clock=SystemClock(),
        )
        signed_in = start_session(s, agent, clock=SystemClock())
    with db.session() as s:
        slug = s.execute(text("SELECT slug FROM workspace ORDER BY id LIMIT 1")).scalar_one()
        longest = s.execute(
            text("SELECT id FROM conversation ORDER BY message_count DESC, id LIMIT 1")
        ).scalar_one()
        typical = s.execute(
            text("SELECT id FROM conversation WHERE message_count = 4 ORDER BY id DESC LIMIT 1")
        ).scalar()
        counts = s.execute(
            text("SELECT (SELECT count(*) FROM message), (SELECT count(*) FROM conversation)")
        ).one()
        # "now": when 99 % of the conversations had started (the samples hold a few threads
        # from years later), through ix_conversation_created
        ws_id = s.execute(text("SELECT id FROM workspace WHERE slug = :s"), {"s": slug}).scalar()
        latest = s.execute(
            text(
                "SELECT created_at FROM conversation WHERE workspace_id = :ws "
                "ORDER BY created_at LIMIT 1 OFFSET :n"
            ),
            {"ws": ws_id, "n": int(counts[1] * 0.99)},
        ).scalar_one()
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    clock = FrozenClock(as_utc(latest) + timedelta(minutes=1))
    prepare_snapshots(db, clock, snapshot_missing)
    client = TestClient(create_app(settings, database=db, clock=clock))
    client.cookies.set(SESSION_COOKIE, signed_in.token)
    second = client.get("/").text.split("cursor=")
    cursor = second[1].split('"')[0].split("&")[0] if len(second) > 1 else ""
    pages = {
        "inbox (priority)": "/",
        "inbox (activity)": "/?sort=activity",
        "inbox (filtered)": "/?status=new&channel=x&owner=none",
        "inbox, 2nd page": f"/?cursor={cursor}",
        "conversation": f"/conversations/{typical or longest}",
        "longest conv.": f"/conversations/{longest}",
        "dashboard": f"/dashboard?workspace={slug}",
        "admin": f"/admin?workspace={slug}",
        "account": "/account",
    }
    backend = url.split(":", 1)[0].split("+")[0]
    print(
        f"{backend}: {counts[0]:,} messages in {counts[1]:,} conversations, now = "
        f"{clock.now():%Y-%m-%d %H:%M} UTC; server time (ms)"
    )
    print(f"{'page':<18} {'first':>7} {'median':>7} {'p95':>7} {'max':>7} {'KiB':>6}")
    for name, path in pages.items():
        times = []
        size = 0
        for _ in range(requests + 1):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code}")
            found = TIMING.search(response.headers.get("server-timing", ""))
            if found is None:
                raise SystemExit(f"{path}: no Server-Timing header")
            times.append(float(found.group(1)))
            size = len(response.content)
            while "being counted" in response.text:  # a dashboard's first count: let it end
                time.sleep(0.2)
                response = client.get(path)
        first, rest = times[0], sorted(times[1:])
        p95 = rest[min(len(rest) - 1, int(len(rest) * 0.95))]
        print(
            f"{name:<18} {first:>7.1f} {statistics.median(rest):>7.1f} {p95:>7.1f}"
            f" {rest[-1]:>7.1f} {size / 1024:>6.0f}",
            flush=True,
        )
    db.dispose()


def prepare_snapshots(db: Any, clock: Any, snapshot_missing: Any) -> None:
    """Take the SLA snapshots at the bench's moment where they are missing or were taken at
    another moment (as the care tick would after an import)."""
    from sqlalchemy import text

    with db.session() as s:
        sample = s.execute(
            text("SELECT sla_state FROM conversation WHERE sla_state IS NOT NULL LIMIT 1")
        ).scalar()
    if isinstance(sample, str):
        sample = json.loads(sample)
    at = sample.get("at") if isinstance(sample, dict) else None
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    if at is not None and at != (clock.now() - epoch) // timedelta(microseconds=1):
        with db.write() as s:
            s.execute(text("UPDATE conversation SET sla_next_at = NULL"))
    start, done = time.perf_counter(), 0
    while True:
        with db.write() as s:
            n = snapshot_missing(s, clock=clock, limit=2000)
        if n == 0:
            break
        done += n
    if done:
        took = time.perf_counter() - start
        print(f"SLA snapshots taken for {done:,} conversations in {took:.0f} s")


if __name__ == "__main__":
    main()
