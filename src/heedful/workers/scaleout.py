"""The scale-out proof, as a harness the kill test and the benches share (test support, not
production code): a fake platform in its own process, N ``heedful worker`` processes on the
queue engine and PostgreSQL, inbound webhook bodies and outbound replies fed in, one worker
killed with SIGKILL and restarted, and the books checked at the end.

Run pieces by hand::

    python -m heedful.workers.scaleout platform --port 8765 --faults 0.05
    HEEDFUL_WORKER_MODE=queue HEEDFUL_DATABASE_URL=… python -m heedful.workers.scaleout worker
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from heedful.clock import SystemClock
from heedful.config import load_settings
from heedful.domain import Author, InboundEvent, Visibility
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.pipeline import receive
from heedful.services.replies import send_reply
from heedful.services.webhooks import RAW
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, OutboxItem, RawEvent
from heedful.workers.context import JobQueue, Tuning
from heedful.workers.fakeplatform import FakePlatform, Faults, resolver_with_fake


def faults_for(share: float) -> Faults:
    """``share`` of posts fail: 40 % of it errors before posting, 20 % errors after posting
    (the response is lost), 40 % rate limits."""
    return Faults(
        error_before=share * 0.4, error_after=share * 0.2, rate_limited=share * 0.4, retry_after=1
    )


# -- processes ---------------------------------------------------------------------------------


def _python(*args: str, env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "heedful.workers.scaleout", *args],
        env={**os.environ, **(env or {})},
        **kw,
    )


@dataclass
class Platform:
    process: subprocess.Popen[bytes]
    url: str

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = httpx.get(f"{self.url}/stats", timeout=10).json()
        return result

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_platform(fault_share: float) -> Platform:
    process = _python("platform", "--faults", str(fault_share), stdout=subprocess.PIPE)
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    return Platform(process, url)


@dataclass
class Workers:
    env: dict[str, str]
    concurrency: int
    log_dir: Path
    extra_args: list[str] = field(default_factory=list)  # e.g. ["--skip-job", "triage.sweep"]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, count: int) -> None:
        for _ in range(count):
            self.processes.append(self._spawn(len(self.processes)))

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"worker-{index}.log").open("ab") as log:  # the child keeps it
            return _python(
                "worker",
                "--concurrency",
                str(self.concurrency),
                *self.extra_args,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, index: int) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait(10)

    def restart(self, index: int) -> None:
        self.processes[index] = self._spawn(index)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def worker_env(database_url: str, secret_key: str) -> dict[str, str]:
    return {
        "HEEDFUL_DATABASE_URL": database_url,
        "HEEDFUL_WORKER_MODE": "queue",
        "HEEDFUL_SECRET_KEY": secret_key,
        "HEEDFUL_ENVIRONMENT": "test",
    }


# -- data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    workspace_id: int
    account_id: int


def create_brand(db: Database, secret_key: str, platform_url: str, webhook_secret: str) -> Brand:
    clock = SystemClock()
    with db.write() as session:
        workspace = create_workspace(session, slug="scale", name="Scale test", clock=clock)
        account = add_channel_account(
            session, workspace, channel="fake", external_id="brand", handle="Brand", clock=clock
        )
        configure_channel_account(
            session,
            account,
            {"base_url": platform_url, "token": "good", "secret": webhook_secret},
            box=SecretBox(secret_key),
            clock=clock,
            resolve=resolver_with_fake,
        )
        return Brand(workspace.id, account.id)


def webhook_body(n: int, now: datetime) -> bytes:
    event = {
        "id": f"in-{n}",
        "text": f"inbound message {n}: my order has not arrived",
        "created_at": now.isoformat(),
        "author": {"id": f"cust-{n % 5000}", "handle": f"cust{n % 5000}", "followers": n % 977},
    }
    return json.dumps({"events": [event]}).encode()


def store_bodies(db: Database, brand: Brand, start: int, count: int) -> None:
    """What the webhook endpoint stores for ``count`` verified requests, in one transaction."""
    import hashlib

    now = datetime.now(UTC)
    rows = []
    for n in range(start, start + count):
        body = webhook_body(n, now)
        rows.append(
            {
                "workspace_id": brand.workspace_id,
                "channel_account_id": brand.account_id,
                "channel": "fake",
                "headers": {"content-type": "application/json"},
                "body": body,
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "status": "pending",
                "attempts": 0,
                "received_at": now,
            }
        )
    with db.write() as session:
        session.execute(insert(RAW), rows)


def create_conversations(db: Database, brand: Brand, count: int) -> list[int]:
    clock = SystemClock()
    events = [
        InboundEvent(
            channel="fake",
            external_id=f"conv-{n}",
            author=Author(external_id=f"asker-{n}", handle=f"asker{n}"),
            text=f"help please ({n})",
            created_at=clock.now() - timedelta(minutes=5),
            account_ref="brand",
        )
        for n in range(count)
    ]
    with db.write() as session:
        result = receive(session, brand.workspace_id, events, clock=clock)
    return sorted(result.conversation_ids)


def queue_replies(
    db: Database,
    queue: JobQueue | None,
    conversations: list[int],
    count: int,
    chunk: int = 50,
) -> None:
    clock = SystemClock()
    for start in range(0, count, chunk):
        with db.write() as session:
            for n in range(start, min(start + chunk, count)):
                conversation = session.get(Conversation, conversations[n % len(conversations)])
                assert conversation is not None
                send_reply(
                    session,
                    agent=None,
                    conversation=conversation,
                    text=f"Sorry about that - reply {n} ^HB",
                    visibility=Visibility.PUBLIC,
                    clock=clock,
                    queue=queue,
                    resolve=resolver_with_fake,
                )


# -- the books ---------------------------------------------------------------------------------


@dataclass
class Books:
    raw_pending: int
    raw_processed: int
    inbound_messages: int
    distinct_inbound: int
    outbox: dict[str, int]
    jobs_waiting: int

    @property
    def settled(self) -> bool:
        unsent = self.outbox.get("queued", 0) + self.outbox.get("sending", 0)
        return self.raw_pending == 0 and unsent == 0 and self.jobs_waiting == 0


def read_books(db: Database) -> Books:
    with db.session() as session:
        raw = dict(
            session.execute(select(RawEvent.status, func.count()).group_by(RawEvent.status)).all()
        )
        inbound = session.execute(
            select(func.count(), func.count(func.distinct(Message.external_id))).where(
                Message.direction == "in", Message.external_id.like("in-%")
            )
        ).one()
        outbox = dict(
            session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
        )
        jobs = session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE status IN ('todo', 'doing') AND task_name NOT LIKE '%sweep' "
                "AND task_name NOT IN ('polling.tick', 'heedful_reap_stalled')"
            )
        )
    return Books(
        raw_pending=int(raw.get("pending", 0)),
        raw_processed=int(raw.get("processed", 0)),
        inbound_messages=int(inbound[0]),
        distinct_inbound=int(inbound[1]),
        outbox={str(k): int(v) for k, v in outbox.items()},
        jobs_waiting=int(jobs or 0),
    )


def wait_until(
    check: Callable[[], bool], *, timeout: float, every: float = 0.5, what: str = "the work"
) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what} did not finish within {timeout:.0f} s")
        time.sleep(every)
    return time.monotonic() - started


def bench_app() -> Any:
    """``uvicorn --factory heedful.workers.scaleout:bench_app``: ``heedful serve``'s app, which
    also knows the fake channel (benchmarks only)."""
    from heedful.web.main import app_from_env

    app = app_from_env()
    app.state.channels.resolve = resolver_with_fake
    skipped = {n for n in os.environ.get("HEEDFUL_BENCH_SKIP_JOBS", "").split(",") if n}
    if skipped:  # the in-process runner's jobs, less those (benchmarks of one area)
        app.state.jobs.registry = app.state.jobs.registry.without(skipped)
    return app


# -- command line ------------------------------------------------------------------------------


def _serve_platform(args: argparse.Namespace) -> None:
    with FakePlatform(faults_for(args.faults), port=args.port) as platform:
        print(platform.url, flush=True)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})


def _run_worker(args: argparse.Namespace) -> None:
    from heedful.workers.registry import build_registry
    from heedful.workers.runtime import run_worker

    tuning = Tuning(lease=timedelta(seconds=args.lease), retry_base=timedelta(seconds=0.5))
    run_worker(
        load_settings(),
        registry=build_registry().without(set(args.skip_job)),
        concurrency=args.concurrency,
        resolve=resolver_with_fake,
        tuning=tuning,
        heartbeat_seconds=1.0,
        stalled_after_seconds=args.stalled_after,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m heedful.workers.scaleout")
    sub = parser.add_subparsers(dest="command", required=True)
    platform = sub.add_parser("platform", help="serve the fake platform; prints its URL")
    platform.add_argument("--port", type=int, default=0)
    platform.add_argument("--faults", type=float, default=0.05)
    platform.set_defaults(run=_serve_platform)
    worker = sub.add_parser("worker", help="a `heedful worker` that also knows the fake channel")
    worker.add_argument("--concurrency", type=int, default=4)
    worker.add_argument("--lease", type=float, default=10.0, help="seconds a sending row is held")
    worker.add_argument("--stalled-after", type=float, default=5.0)
    worker.add_argument(
        "--skip-job", action="append", default=[], help="leave this job out (benchmarks)"
    )
    worker.set_defaults(run=_run_worker)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
