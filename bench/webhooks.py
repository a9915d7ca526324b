"""Webhook → visible in the inbox: latency at a steady request rate.

A real server (uvicorn, the app `heedful serve` runs) takes signed webhook requests, one event
each, at ``--rate`` per second for ``--seconds``; an observer polls the message table every
10 ms. Latency = from the moment a request is sent to the moment its message is visible
(stored, threaded, triaged by the on-ingest step, committed).

    .venv/bin/python bench/webhooks.py --mode sqlite --rate 200 --seconds 30
    .venv/bin/python bench/webhooks.py --mode postgresql --workers 3 --rate 200 --seconds 30

``sqlite``: the default deployment, one `heedful serve` process running the jobs itself.
``postgresql``: `heedful serve` with HEEDFUL_WORKER_MODE=queue and N `heedful worker`s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pg import SECRET_KEY, throwaway_database

from heedful.channels.webhook.signing import sign
from heedful.store.db import Database
from heedful.store.migrate import upgrade
from heedful.store.tables import Message
from heedful.workers.scaleout import Brand, Workers, create_brand, worker_env

WEBHOOK_SECRET = "whsec-" + "k" * 24


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sqlite_database() -> Iterator[tuple[str, Database]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/heedful.db"
        db = Database.from_url(url)
        upgrade(db.engine)
        try:
            yield url, db
        finally:
            db.dispose()


@contextmanager
def server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--factory", "heedful.workers.scaleout:bench_app",
            "--port", str(port), "--log-level", "warning",
        ],
        env={**os.environ, **env},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


class Observer(threading.Thread):
    """Notes when each message becomes visible."""

    def __init__(self, db: Database) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        last = 0
        while not self.stop.is_set():
            with self.db.session() as session:
                rows = session.execute(
                    select(Message.id, Message.external_id).where(Message.id > last)
                ).all()
            now = time.monotonic()
            for mid, external_id in rows:
                self.seen.setdefault(external_id, now)
                last = max(last, mid)
            time.sleep(0.01)


def send_all(
    url: str, brand: Brand, rate: float, seconds: float
) -> tuple[dict[str, float], list[float]]:
    sent: dict[str, float] = {}
    answer_times: list[float] = []
    total = int(rate * seconds)
    client = httpx.Client(timeout=30)
    endpoint = f"{url}/webhooks/fake/{brand.account_id}"

    def send(n: int) -> None:
        ident = f"lat-{n}"
        body = json.dumps(
            {
                "id": ident,
                "text": f"my parcel {n} never came, third time asking",
                "created_at": datetime.now(UTC).isoformat(),
                "author": {"id": f"c{n % 3000}", "handle": f"c{n % 3000}", "followers": n % 500},
            }
        ).encode()
        headers = sign(WEBHOOK_SECRET, body, datetime.now(UTC))
        started = time.monotonic()
        sent[ident] = started
        response = client.post(endpoint, content=body, headers=headers)
        response.raise_for_status()
        answer_times.append(time.monotonic() - started)

    begin = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(total):
            delay = begin + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, n)
    client.close()
    return sent, answer_times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def measure(url: str, db: Database, brand: Brand, rate: float, seconds: float) -> None:
    observer = Observer(db)
    observer.start()
    begin = time.monotonic()
    sent, answers = send_all(url, brand, rate, seconds)
    sending = time.monotonic() - begin
    deadline = time.monotonic() + 120
    while len([k for k in sent if k in observer.seen]) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.1)
    observer.stop.set()
    latencies = [observer.seen[k] - t for k, t in sent.items() if k in observer.seen]
    print(f"sent {len(sent):,} webhooks in {sending:.1f} s ({len(sent) / sending:,.0f}/s)")
    print(f"visible: {len(latencies):,} of {len(sent):,}")
    for name, values in (("HTTP answer", answers), ("webhook -> visible", latencies)):
        print(
            f"{name:<20} p50 {percentile(values, 50) * 1000:7.0f} ms   "
            f"p95 {percentile(values, 95) * 1000:7.0f} ms   "
            f"p99 {percentile(values, 99) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    databases = sqlite_database if args.mode == "sqlite" else throwaway_database
    with databases() as (url, db), tempfile.TemporaryDirectory() as logs:
        brand = create_brand(db, SECRET_KEY, "http://127.0.0.1:9", WEBHOOK_SECRET)
        env = worker_env(url, SECRET_KEY)
        if args.mode == "sqlite":
            env["HEEDFUL_WORKER_MODE"] = "inprocess"
        pool = Workers(env, concurrency=2, log_dir=Path(logs))
        if args.mode == "postgresql":
            from heedful.workers.queue import EngineQueue
            from heedful.workers.registry import build_registry

            EngineQueue(build_registry(), db).ensure_schema()
            pool.start(args.workers)
        try:
            with server(env) as base:
                time.sleep(2)
                measure(base, db, brand, args.rate, args.seconds)
        finally:
            pool.stop()


if __name__ == "__main__":
    main()
