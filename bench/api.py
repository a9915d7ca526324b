"""Inbox API speed at a million messages, measured from a second process on loopback (wrk).

1. Builds (or reuses) a store of N messages (default 1,000,000) with `heedful import twcs` on
   a TWCS file resampled from the shared samples: SQLite (reuse a file with --db) or
   PostgreSQL (--backend postgresql: reuse a database with --pg-url, else a throwaway one is
   created, filled and dropped).
2. Serves it on 2 workers with an API token: `heedful serve --workers 2` (background jobs run
   in the server processes, as shipped), or with --no-jobs the web app alone
   (`uvicorn --factory heedful.web.main:web_app_from_env --workers 2`, jobs elsewhere).
3. Runs wrk (2 threads, 16 connections) against the first inbox page, a filtered page and
   priority order, then against a bare FastAPI baseline that serves 50 rows from the same
   database with one raw SQL query (sqlite3 / psycopg) and no authentication.
With --rounds K, does steps 2-3 K times (the machine is shared: compare within a round).
Prints requests/s and p50/p90/p99 for each, and ours / raw.

Needs `wrk` (Debian package; installed automatically when run as root).
    python bench/api.py [--rows 1000000] [--db PATH] [--duration 15] [--rounds 1] [--no-jobs]
                        [--backend sqlite|postgresql] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _twcs_gen import generate

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEEDFUL_SHARED_DIR", REPO.parent / "shared"))
BIN = Path(sys.executable).parent
TARGETS = {
    "first page": "/api/v1/conversations?workspace=twcs&limit=50",
    "filtered page": "/api/v1/conversations?workspace=twcs&status=new&channel=x&limit=50",
    "priority order": "/api/v1/conversations?workspace=twcs&sort=priority&limit=50",
}

BASELINE_APP = """
import os, threading, orjson
from fastapi import FastAPI
from fastapi.responses import Response
app = FastAPI()
SQL = ("SELECT id, channel, status, priority, message_count, last_activity_at FROM conversation "
       "WHERE workspace_id = 1 ORDER BY last_activity_at DESC, id DESC LIMIT 50")
if os.environ.get("BENCH_SQLITE"):
    import sqlite3
    local = {}
    def conn():
        c = local.get(os.getpid())
        if c is None:
            c = local[os.getpid()] = sqlite3.connect(os.environ["BENCH_SQLITE"], check_same_thread=False)
        return c
else:
    import psycopg
    local = threading.local()
    def conn():
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = psycopg.connect(os.environ["BENCH_PG"], autocommit=True)
        return c
@app.get("/raw")
def raw():
    rows = conn().execute(SQL).fetchall()
    return Response(orjson.dumps([dict(zip(("id","channel","status","priority","messages","last"), r)) for r in rows]), media_type="application/json")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("wrk is needed: apt-get install wrk")


def build_store(url: str, rows: int, workdir: Path, env: dict[str, str]) -> None:
    csv_path = workdir / "twcs.csv"
    print(f"generating {rows:,} rows and importing them (once; reuse with --db)…", flush=True)
    generate(csv_path, rows, SHARED)
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "heedful"), "import", "twcs", str(csv_path), "--json"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"imported in {time.perf_counter() - start:.0f} s", flush=True)
    csv_path.unlink()


def api_token(env: dict[str, str]) -> str:
    code = (
        "from heedful.config import load_settings\n"
        "from heedful.store.db import Database\n"
        "from heedful.clock import SystemClock\n"
        "from heedful.services.agents import create_admin, find_agent_by_email\n"
        "from heedful.services.auth import create_api_token\n"
        "db = Database.from_url(load_settings().resolved_database_url)\n"
        "with db.write() as s:\n"
        "    a = find_agent_by_email(s, 'bench@example.com') or create_admin(s, email='bench@example.com',"
        " name='Bench', password='bench-password-123', clock=SystemClock())\n"
        "    print(create_api_token(s, a, 'bench', clock=SystemClock())[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def wait_up(url: str, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} did not start")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def run_wrk(
    wrk: str, url: str, duration: int, token: str | None, server: int | None = None
) -> tuple[float, dict[str, float]]:
    """Requests/s and latency percentiles; with ``server`` (a pid), also ``cpu``: the server
    processes' CPU milliseconds per request (steadier than requests/s on a shared machine)."""
    cmd = [wrk, "-t2", "-c16", f"-d{duration}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    before = tree_cpu_seconds(server) if server else 0.0
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = tree_cpu_seconds(server) - before if server else 0.0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{errors.group(1)} error responses from {url}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {f"p{m[0]}": float(m[1]) * scale[m[2]] for m in LATENCY.findall(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    lat["cpu"] = cpu * 1000 / max(requests, 1)
    return rate, lat


def serve_ours(env: dict[str, str], port: int, jobs: bool) -> subprocess.Popen[bytes]:
    if jobs:
        command = [str(BIN / "heedful"), "serve", "--port", str(port), "--workers", "2"]
    else:
        command = [str(BIN / "uvicorn"), "--factory", "heedful.web.main:web_app_from_env"]
        command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_baseline(env: dict[str, str], port: int, app_dir: Path) -> subprocess.Popen[bytes]:
    command = [str(BIN / "uvicorn"), "baseline_app:app", "--port", str(port), "--workers", "2"]
    command += ["--log-level", "warning"]
    return subprocess.Popen(
        command, cwd=app_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def line(name: str, rate: float, lat: dict[str, float], extra: str = "") -> None:
    print(
        f"{name:<16} {rate:>8,.0f} {lat['p50']:>8.1f} {lat['p90']:>8.1f} {lat['p99']:>8.1f}"
        f" {lat['cpu']:>10.2f}{extra}",
        flush=True,
    )


def run_round(
    wrk: str,
    env: dict[str, str],
    baseline_env: dict[str, str],
    app_dir: Path,
    token: str,
    duration: int,
    jobs: bool,
) -> None:
    port = free_port()
    server = serve_ours(env, port, jobs)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        wait_up(base + "/healthz")
        for name, path in TARGETS.items():
            run_wrk(wrk, base + path, 2, token)  # warm up: page caches, pools, the row cache
            results[name] = run_wrk(wrk, base + path, duration, token, server.pid)
    finally:
        server.terminate()
        server.wait()
    port = free_port()
    baseline = serve_baseline(baseline_env, port, app_dir)
    try:
        wait_up(f"http://127.0.0.1:{port}/raw")
        run_wrk(wrk, f"http://127.0.0.1:{port}/raw", 2, None)
        raw_rate, raw_lat = run_wrk(
            wrk, f"http://127.0.0.1:{port}/raw", duration, None, baseline.pid
        )
    finally:
        baseline.terminate()
        baseline.wait()
    for name, (rate, lat) in results.items():
        line(name, rate, lat, f"   {rate / raw_rate:4.0%} of raw req/s")
    line("raw baseline", raw_rate, raw_lat)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="SQLite file to build once and reuse")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", help="PostgreSQL database to fill once and reuse")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--no-jobs", dest="jobs", action="store_false", help="serve the web app alone"
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="heedful-api-") as tmp, store(args, Path(tmp)) as url:
        workdir = Path(tmp)
        env = dict(
            os.environ,
            HEEDFUL_DATABASE_URL=url,
            HEEDFUL_DATA_DIR=str(workdir),
            HEEDFUL_LOG_LEVEL="WARNING",
        )
        if not has_store(url):
            build_store(url, args.rows, workdir, env)
        token = api_token(env)
        app_dir = workdir / "baseline"
        app_dir.mkdir()
        (app_dir / "baseline_app.py").write_text(BASELINE_APP)
        if url.startswith("sqlite"):
            baseline_env = dict(env, BENCH_SQLITE=url.removeprefix("sqlite:///"))
        else:
            baseline_env = dict(
                env,
                BENCH_PG=make_url(url)
                .set(drivername="postgresql")
                .render_as_string(hide_password=False),
            )
        served = "heedful serve (jobs in-process)" if args.jobs else "web app alone (no jobs)"
        print(f"{args.backend}, {served}, 2 workers, wrk -t2 -c16 -d{args.duration}s")
        for n in range(args.rounds):
            head = f"round {n + 1}"
            print(
                f"{head:<16} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10}"
            )
            run_round(wrk, env, baseline_env, app_dir, token, args.duration, args.jobs)


@contextmanager
def store(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """The database URL to serve: the SQLite file, the given PostgreSQL database, or a
    throwaway PostgreSQL database (dropped at the end)."""
    if args.backend == "sqlite":
        yield f"sqlite:///{(args.db or workdir / 'api.db').resolve()}"
    elif args.pg_url:
        yield args.pg_url
    else:
        from _pg import throwaway_database

        with throwaway_database() as (url, db):
            db.dispose()
            yield url


def has_store(url: str) -> bool:
    """Whether the database already holds an imported store."""
    from sqlalchemy import create_engine, inspect, text

    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).exists():
        return False
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("message"):
            return False
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM message)")).scalar())
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
