"""Reply-coach speed: p50/p95 of one full draft check (every rule) against a workspace history
of 100,000 sent replies, beside a linear scan of the same history in the same run; the same
with triage's mood reader; and help-article suggestions over a workspace of 1,000 articles in
SQLite (keyword search, and keyword + semantic with triage's encoder).

Run: ``.venv/bin/python bench/coach.py [--history 100000] [--drafts 300] [--articles 1000]``.
The history and the articles are generated: templated replies (canned, with names and numbers
varied) mixed with unique ones; articles from a small vocabulary of care topics.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from heedful.clock import FrozenClock
from heedful.coach import Coach, Draft, SentReplyIndex
from heedful.coach.canned import jaccard, normalise, shingles

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = ["Sam", "Alex", "Priya", "Jon", "Maria", "Chen", "Aisha", "Tom", "Lena", "Omar"]
TEMPLATES = [
    "Hi {n}, sorry to hear about this. Please DM us your order number and we'll take a look.",
    "Sorry for the trouble {n}! Please fill in the form at https://t.co/Ab{k} and we'll reply "
    "within 36 hours.",
    "We're sorry about the delay, {n}. Your refund of £{k} will be processed in 5-7 working days.",
    "Hi {n}, there's a known outage in your area; engineers are working on it. Thanks for your "
    "patience.",
    "Thanks {n}! Glad we could help. Enjoy the rest of your day.",
]
WORDS = [
    "router",
    "parcel",
    "flight",
    "card",
    "refund",
    "engineer",
    "delay",
    "store",
    "app",
    "account",
    "password",
    "update",
    "screen",
    "battery",
    "bill",
    "charge",
    "courier",
    "seat",
    "gate",
    "baggage",
    "signal",
    "mast",
    "outage",
    "plugin",
    "server",
    "backup",
]


def history(count: int, rng: random.Random) -> list[tuple[str, str, datetime]]:
    out = []
    for i in range(count):
        name, k = rng.choice(NAMES), rng.randint(10, 9999)
        if rng.random() < 0.6:
            text = rng.choice(TEMPLATES).format(n=name, k=k)
        else:
            text = f"Hi {name}, " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        out.append((text, f"contact{rng.randint(1, count // 3)}", NOW - timedelta(hours=i % 2000)))
    return out


CUSTOMERS = [
    "Still no signal, third day!!",
    "Where is my refund? Ordered {k} weeks ago.",
    "my {w} is broken again, {k} days now",
    "Can I change the {w} on my booking?",
    "Your {w} charged me twice, want my money back",
    "Thanks for sorting the {w} so quickly!",
]


def drafts(count: int, rng: random.Random) -> list[Draft]:
    """Drafts answering 60 different customer messages (the composer checks one conversation's
    message many times, so most checks find triage's reading of it cached)."""
    customers = [
        rng.choice(CUSTOMERS).format(k=rng.randint(2, 9), w=rng.choice(WORDS)) for _ in range(60)
    ]
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            text = rng.choice(TEMPLATES).format(n=rng.choice(NAMES), k=rng.randint(10, 9999))
        else:
            text = "I'm sorry, " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
        out.append(Draft(text + " ^AB", customer=rng.choice(customers), to="contact7"))
    return out


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    sent = history(args.history, rng)
    start = time.perf_counter()
    index = SentReplyIndex()
    for text, to, when in sent:
        index.add(text, to, when)
    build = time.perf_counter() - start
    t0 = time.perf_counter()
    coach = Coach(clock=FrozenClock(NOW))
    checks = drafts(args.drafts, rng)
    coach.check(checks[0], index)  # loads the learned model and triage's fast pass
    cold = (time.perf_counter() - t0) * 1000
    indexed = []
    for draft in checks:
        t0 = time.perf_counter()
        coach.check(draft, index)
        indexed.append((time.perf_counter() - t0) * 1000)
    scan = []
    grams = [(shingles(normalise(text)), to) for text, to, _ in sent]
    for draft in checks[: max(20, args.drafts // 10)]:
        t0 = time.perf_counter()
        mine = shingles(normalise(draft.text))
        _ = [to for g, to in grams if jaccard(mine, g) >= 0.6]
        scan.append((time.perf_counter() - t0) * 1000)
    phrases = Coach(clock=FrozenClock(NOW), use_model=False)
    phrases.check(checks[0], index)
    phrase_times = []
    for draft in checks:
        t0 = time.perf_counter()
        phrases.check(draft, index)
        phrase_times.append((time.perf_counter() - t0) * 1000)
    model = coach.model()
    model_times = []
    if model is not None:
        for draft in checks:
            t0 = time.perf_counter()
            model.probabilities(draft.text, ("zupset",))
            model_times.append((time.perf_counter() - t0) * 1000)
    print(f"history: {len(index):,} sent replies; index built in {build:.1f} s")
    print(f"first check in a fresh process (loads the learned model and triage): {cold:.0f} ms")
    print(
        f"full coach check, indexed history ({len(indexed)} drafts): "
        f"p50 {percentile(indexed, 50):.2f} ms, p95 {percentile(indexed, 95):.2f} ms"
    )
    print(
        f"same, phrase rules only (no learned model) ({len(phrase_times)} drafts): "
        f"p50 {percentile(phrase_times, 50):.2f} ms, p95 {percentile(phrase_times, 95):.2f} ms"
    )
    if model_times:
        print(
            f"learned model alone, one reply ({len(model_times)} drafts): "
            f"p50 {percentile(model_times, 50):.2f} ms, p95 {percentile(model_times, 95):.2f} ms"
        )
    print(
        f"baseline, canned check alone by linear scan ({len(scan)} drafts): "
        f"p50 {percentile(scan, 50):.1f} ms, p95 {percentile(scan, 95):.1f} ms"
    )
    triage_checks(checks, index)
    if args.articles:
        suggestions(args.articles, rng)


def triage_checks(checks: list[Draft], index: SentReplyIndex) -> None:
    from heedful.coach import TriageMoodReader

    coach = Coach(mood_reader=TriageMoodReader(), clock=FrozenClock(NOW))
    coach.check(checks[0], index)  # loads the triage model
    times = []
    for draft in checks:
        t0 = time.perf_counter()
        coach.check(draft, index)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"full coach check with triage's mood reader ({len(times)} drafts): "
        f"p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms"
    )


def suggestions(count: int, rng: random.Random) -> None:
    import tempfile
    from pathlib import Path

    from heedful.coach.help.articles import ArticleInput, import_articles
    from heedful.coach.help.embeddings import default_embedder
    from heedful.coach.help.suggest import suggest_articles
    from heedful.services.workspaces import create_workspace
    from heedful.store.db import Database
    from heedful.store.migrate import upgrade

    clock = FrozenClock(NOW)
    embedder = default_embedder()
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(db.engine)
        articles = [
            ArticleInput(
                " ".join(rng.choice(WORDS) for _ in range(4)).title(),
                f"https://help.example/a/{i}",
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 200))),
            )
            for i in range(count)
        ]
        with db.write() as s:
            ws = create_workspace(s, slug="bench", name="Bench", clock=clock)
            t0 = time.perf_counter()
            import_articles(s, ws.id, articles, clock=clock, embedder=embedder)
            took = time.perf_counter() - t0
        messages = [
            "My " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 25))) + "!!"
            for _ in range(100)
        ]
        for label, which in (("keyword", None), ("keyword + semantic", embedder)):
            if label != "keyword" and which is None:
                continue
            times = []
            with db.session() as s:
                for message in messages:
                    t0 = time.perf_counter()
                    suggest_articles(s, ws.id, message, embedder=which)
                    times.append((time.perf_counter() - t0) * 1000)
            print(
                f"article suggestions, {label}, {count:,} articles ({len(times)} messages): "
                f"p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms"
            )
        print(f"importing {count:,} articles (embeddings: {embedder is not None}): {took:.1f} s")
        db.dispose()


if __name__ == "__main__":
    main()
