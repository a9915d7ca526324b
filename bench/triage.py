"""Triage speed: batch messages/s beside the raw ONNX model rate in the same run, single-message
latency (p50/p95) and the fast first pass rate; then, on a fresh SQLite store, what triage
adds to a live ingest (inline fast pass) and the background passes' rates after a bulk import.

    .venv/bin/python bench/triage.py [--data ../shared/data] [--n 1024] [--threads 2]

Texts are tweets from the shared data's dev split (synthetic care messages when absent).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from heedful.triage.analyse import Analyser
from heedful.triage.corpora import load_airline, load_tweeteval
from heedful.triage.encoder import BATCH, Encoder
from heedful.triage.priority import compute_priority

REPO = Path(__file__).resolve().parents[1]


def sample_texts(data: Path, n: int) -> list[str]:
    if (data / "airline_sentiment").is_dir():
        pool = [e.text for e in load_airline(data) + load_tweeteval(data) if e.split == "dev"]
    else:
        pool = [
            f"@acme order {i} still not here, third time asking!! nobody answers" for i in range(50)
        ] + [f"Hi, could you tell me when store {i} opens on Sunday?" for i in range(50)]
    return [pool[(i * 7919) % len(pool)] for i in range(n)]


def raw_rate(encoder: Encoder, texts: list[str]) -> float:
    """The ONNX session alone on pre-tokenised, length-sorted batches of 64."""
    ordered = sorted(texts, key=len)
    feeds = [encoder.tokenize(ordered[i : i + BATCH]) for i in range(0, len(ordered), BATCH)]
    started = time.perf_counter()
    for feed in feeds:
        encoder.raw(feed)
    return len(texts) / (time.perf_counter() - started)


def batch_rate(analyser: Analyser, texts: list[str], mode: str) -> float:
    """End to end: tokenise, model, linear pass, signals, priority."""
    started = time.perf_counter()
    for analysis in analyser.analyse(texts, "full" if mode == "full" else "fast"):
        compute_priority(analysis)
    return len(texts) / (time.perf_counter() - started)


def latencies(analyser: Analyser, texts: list[str]) -> tuple[float, float]:
    times = []
    for text in texts:
        started = time.perf_counter()
        compute_priority(analyser.analyse([text], "full")[0])
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def store_figures(texts: list[str], workdir: Path) -> None:
    """Live ingest with and without the inline fast pass; background passes after a bulk load."""
    from heedful.clock import FrozenClock
    from heedful.services.ingest import ingest_events
    from heedful.services.pipeline import receive
    from heedful.services.workspaces import create_workspace
    from heedful.store.db import Database
    from heedful.store.migrate import upgrade
    from heedful.triage.jobs import triage_pending

    db = Database.from_url(f"sqlite:///{workdir / 'bench.db'}")
    upgrade(db.engine)
    clock = FrozenClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with db.write() as session:
        ws = create_workspace(session, slug="bench", name="Bench", clock=clock).id
    live = [_event(i, t) for i, t in enumerate(texts[:200])]
    for name, step in (("ingest only", ingest_events), ("ingest + inline fast triage", receive)):
        times = []
        for ev in live:
            ev = dataclasses.replace(ev, external_id=f"{name}-{ev.external_id}")
            started = time.perf_counter()
            with db.write() as session:
                step(session, ws, [ev], clock=clock)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"live ingest, {name:<28} p50 {statistics.median(times):5.1f} ms  "
            f"p95 {statistics.quantiles(times, n=20)[18]:5.1f} ms per message"
        )
    bulk = [_event(10_000 + i, t) for i, t in enumerate(texts)]
    with db.write() as session:
        ingest_events(session, ws, bulk, clock=clock)
    for stage in ("fast", "full"):
        started, done = time.perf_counter(), 0
        while (n := triage_pending(db, clock=clock, stage=stage)) > 0:
            done += n
        rate = done / (time.perf_counter() - started)
        print(
            f"background {stage} pass after a bulk import: {rate:6.0f} msgs/s ({done} messages, "
            f"store context + write included)"
        )
    db.dispose()


def _event(i: int, text: str) -> Any:
    from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility

    return InboundEvent(
        channel="x", external_id=f"m{i}", text=text, kind=MessageKind.POST,
        author=Author(external_id=f"u{i % 97}", handle=f"user{i % 97}", followers=100 * i),
        created_at=datetime(2026, 11, 20, 9, tzinfo=UTC) + timedelta(seconds=30 * i),
        direction=Direction.INBOUND, visibility=Visibility.PUBLIC,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-store", action="store_true", help="model figures only")
    args = parser.parse_args()
    texts = sample_texts(args.data, args.n)
    encoder = Encoder(threads=args.threads)
    analyser = Analyser(encoder=encoder)
    analyser.analyse(texts[:64], "full")  # warm up both models
    load = os.getloadavg()[0]
    raw = raw_rate(encoder, texts)
    full = batch_rate(analyser, texts, "full")
    fast = batch_rate(analyser, texts * 4, "fast")
    p50, p95 = latencies(analyser, texts[:300])
    print(f"{len(texts)} tweets, {args.threads} threads, load average at start {load:.1f}")
    print(f"raw ONNX model (int8), batch {BATCH}:  {raw:8.0f} msgs/s")
    print(f"triage batch, full (end to end):  {full:8.0f} msgs/s  ({full / raw:.0%} of raw)")
    print(f"single message, full:             p50 {p50:.1f} ms  p95 {p95:.1f} ms")
    print(f"fast first pass (linear+rules):   {fast:8.0f} msgs/s")
    if not args.no_store:
        with tempfile.TemporaryDirectory() as workdir:
            store_figures(texts, Path(workdir))


if __name__ == "__main__":
    main()
