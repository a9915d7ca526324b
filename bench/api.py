"""Inbox API speed at a million messages, measured from a second process on loopback (wrk).

1. Builds (or reuses, with --db) a store of N messages (default 1,000,000) with
   `heedful import twcs` on a TWCS file resampled from the shared samples.
2. Serves it with `heedful serve --workers 2` and an API token.
3. Runs wrk against the first inbox page and a filtered page (and a full-text search page),
   then against a bare FastAPI baseline that serves the same 50 rows from the same database
   with one raw SQL query and no authentication.
Prints requests/s and p50/p90/p99 for each.

Needs `wrk` (Debian package; installed automatically when run as root).
    python bench/api.py [--rows 1000000] [--db PATH] [--duration 15] [--backend sqlite|postgresql]
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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _twcs_gen import generate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEEDFUL_SHARED_DIR", REPO.parent / "shared"))
BIN = Path(sys.executable).parent
TARGETS = {
    "first page": "/api/v1/conversations?workspace=twcs&limit=50",
    "filtered page": "/api/v1/conversations?workspace=twcs&status=new&channel=x&limit=50",
    "priority order": "/api/v1/conversations?workspace=twcs&sort=priority&limit=50",
}

BASELINE_APP = """
import os, sqlite3, orjson
from fastapi import FastAPI
from fastapi.responses import Response
app = FastAPI()
PATH = os.environ["BENCH_SQLITE"]
local = {}
def conn():
    c = local.get(os.getpid())
    if c is None:
        c = local[os.getpid()] = sqlite3.connect(PATH, check_same_thread=False)
    return c
@app.get("/raw")
def raw():
    rows = conn().execute(
        "SELECT id, channel, status, priority, message_count, last_activity_at FROM conversation "
        "WHERE workspace_id = 1 ORDER BY last_activity_at DESC, id DESC LIMIT 50").fetchall()
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


LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def run_wrk(wrk: str, url: str, duration: int, token: str | None) -> tuple[float, dict[str, float]]:
    cmd = [wrk, "-t2", "-c16", f"-d{duration}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{errors.group(1)} error responses from {url}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {f"p{m[0]}": float(m[1]) * scale[m[2]] for m in LATENCY.findall(out)}
    return rate, lat


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="SQLite file to build once and reuse")
    parser.add_argument("--duration", type=int, default=15)
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="heedful-api-") as tmp:
        workdir = Path(tmp)
        db_path = args.db or workdir / "api.db"
        url = f"sqlite:///{db_path.resolve()}"
        env = dict(
            os.environ,
            HEEDFUL_DATABASE_URL=url,
            HEEDFUL_DATA_DIR=str(workdir),
            HEEDFUL_LOG_LEVEL="WARNING",
        )
        if not db_path.exists():
            build_store(url, args.rows, workdir, env)
        token = api_token(env)
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "heedful"), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        print(f"{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
        try:
            wait_up(base + "/healthz")
            for name, path in TARGETS.items():
                rate, lat = run_wrk(wrk, base + path, args.duration, token)
                print(
                    f"{name:<16} {rate:>8,.0f} {lat['p50']:>8.1f} {lat['p90']:>8.1f} {lat['p99']:>8.1f}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait()
        app_dir = workdir / "baseline"
        app_dir.mkdir()
        (app_dir / "baseline_app.py").write_text(BASELINE_APP)
        port = free_port()
        baseline = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "baseline_app:app",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=app_dir,
            env=dict(env, BENCH_SQLITE=str(db_path.resolve())),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(f"http://127.0.0.1:{port}/raw")
            rate, lat = run_wrk(wrk, f"http://127.0.0.1:{port}/raw", args.duration, None)
            print(
                f"{'raw baseline':<16} {rate:>8,.0f} {lat['p50']:>8.1f} {lat['p90']:>8.1f} {lat['p99']:>8.1f}"
            )
        finally:
            baseline.terminate()
            baseline.wait()


if __name__ == "__main__":
    main()
