"""The report's figures on constructed data with known answers, its four forms, the command,
and agreement with a direct computation from the shared TWCS samples."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from heedful.care.clocks import set_conversation_status
from heedful.care.report import Report, build_report
from heedful.care.report_render import report_csv, report_html, report_json
from heedful.care.tracking import promise_tick
from heedful.care.workflow import after_outbound
from heedful.cli import report as report_cli
from heedful.clock import FrozenClock
from heedful.services.importers.runner import run_import
from heedful.services.importers.twcs import open_twcs, parse_twcs_time
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from tests.care.conftest import World
from tests.conftest import shared_data
from tests.factories import T0, customer, event

SINCE, UNTIL = T0 - timedelta(days=1), T0 + timedelta(days=3)  # T0: Friday 20 Nov, 09:00 UTC
M = timedelta(minutes=1)


def answer(
    world: World,
    external_id: str,
    reply_to: str,
    minutes: float,
    agent: int,
    text: str = "Thanks for waiting.",
    **kw: object,
) -> None:
    world.ingest(
        [event(external_id, outbound=True, reply_to=reply_to, minutes=minutes, text=text, **kw)]
    )
    with world.db.write() as s:
        message = world.message(s, external_id)
        message.agent_id = agent
        after_outbound(
            s,
            message=message,
            conversation=world.conversation_of(s, reply_to),
            agent=world.agent(s, agent),
            clock=world.clock,
        )


def mood(texts: Sequence[str]) -> list[float]:
    """A stand-in sentiment scorer: angry words are negative, thanks positive."""
    return [-0.8 if "!!" in t else 0.6 if "thank" in t.lower() else 0.0 for t in texts]


@pytest.fixture
def report(world: World) -> Report:
    world.clock.set(T0)
    # c1: answered in 20 min by Anna, who promises a call by 10:00 and calls in time; the
    # customer writes again (thanks) and gets a next reply 30 min later; resolved at 12:00.
    world.ingest([event("c1", author=customer("amy"), text="My router is dead!!")])
    answer(world, "a1", "c1", 20, world.anna, "I'll call you by 10am.")
    answer(world, "a2", "c1", 50, world.anna, "I've just called you and left a voicemail.")
    world.ingest(
        [
            event(
                "c1b",
                author=customer("amy"),
                reply_to="a2",
                minutes=60,
                text="Thank you, sorted now",
            )
        ]
    )
    answer(world, "a3", "c1b", 90, world.anna)
    with world.db.write() as s:
        world.clock.set(T0 + 3 * timedelta(hours=1))
        set_conversation_status(
            s, world.conversation_of(s, "c1"), "resolved", agent_id=world.anna, clock=world.clock
        )
    # c2: answered after 3 hours by Ben, who promises a refund by end of day and never says so.
    world.ingest([event("c2", author=customer("bob"), minutes=30, text="Refund please")])
    answer(world, "b1", "c2", 30 + 180, world.ben, "We'll refund you by end of day.")
    # c3: Bob again on Saturday evening (a new conversation), chasing, never answered.
    world.ingest(
        [
            event("c3", author=customer("bob"), minutes=1710, text="Hello??"),
            event("c3b", author=customer("bob"), minutes=1730, text="Anyone!!"),
        ]
    )
    # c4: on a private channel, answered in 5 minutes on Saturday.
    world.ingest([event("d1", author=customer("cat"), private=True, minutes=24 * 60)])
    answer(world, "d2", "d1", 24 * 60 + 5, world.ben, private=True)
    world.clock.set(UNTIL)
    with world.db.write() as s:
        promise_tick(s, clock=world.clock)
    with world.db.session() as s:
        return build_report(s, world.ws, SINCE, UNTIL, sentiment=mood)


def test_overall_figures(report: Report, world: World) -> None:
    f = report.overall
    assert (f.conversations, f.answered, f.response_rate) == (4, 3, 0.75)
    assert f.first_response.count == 3
    assert f.first_response.median_seconds == 20 * 60  # 5, 20, 180 minutes
    assert f.first_response.p90_seconds == 180 * 60
    assert f.first_response.within_hour == pytest.approx(2 / 3)
    # Business time: c4 came on Saturday (closed), c2 (09:30 -> 12:30) all in hours.
    assert f.first_response_business.median_seconds == 20 * 60
    assert sorted([f.next_response.median_seconds or 0]) == [30 * 60]
    assert f.resolution.count == 1 and f.resolution.median_seconds == 3 * 3600
    assert (f.sla_met, f.sla_breached) == (2, 2)  # public 1 h: c1 met, c2 and c3 breached
    assert f.backlog == 1 and f.oldest_unanswered == T0 + 1710 * M
    assert (f.promises_made, f.promises_kept_on_time, f.promises_broken) == (2, 1, 1)
    assert (f.contacts, f.contacts_wrote_more_than_once) == (3, 1)  # Bob: two conversations
    assert (f.sentiment_scored, f.sentiment_turned_around, f.sentiment_worsened) == (2, 1, 1)


def test_groups_days_and_histogram(report: Report) -> None:
    assert set(report.by_channel) == {"x"}
    assert set(report.by_agent) == {"Anna Bell", "Ben Cole", "(nobody)"}
    anna, ben = report.by_agent["Anna Bell"], report.by_agent["Ben Cole"]
    assert (anna.conversations, anna.promises_made, anna.promises_kept_on_time) == (1, 1, 1)
    assert (ben.conversations, ben.promises_broken) == (2, 1)
    assert ben.first_response.median_seconds == (5 + 180) / 2 * 60
    assert [(d.day.isoformat(), d.conversations) for d in report.days] == [
        ("2026-11-20", 2),
        ("2026-11-21", 2),
    ]
    assert dict(report.histogram)["< 15 min"] == 1 and dict(report.histogram)["2-4 h"] == 1


def test_the_four_forms(report: Report) -> None:
    data = report_json(report)
    assert data["overall"]["first_response"]["median_seconds"] == 1200
    assert data["by_agent"]["Ben Cole"]["promises"]["broken"] == 1
    rows = list(csv.DictReader(report_csv(report).splitlines()))
    assert rows[0]["scope"] == "workspace" and rows[0]["conversations"] == "4"
    assert {r["group"] for r in rows if r["scope"] == "agent"} == {
        "Anna Bell",
        "Ben Cole",
        "(nobody)",
    }
    html = report_html(report)
    assert html.count("<svg") == 2 and "Time to first response" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_the_report_command(
    world: World, report: Report, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HEEDFUL_DATABASE_URL", database_url)
    monkeypatch.setenv("HEEDFUL_DATA_DIR", str(tmp_path))
    app = typer.Typer()
    report_cli.register(app)
    app.command("noop", hidden=True)(lambda: None)
    args = [
        "report",
        "--since",
        "2026-11-19",
        "--until",
        "2026-11-23T09:00:00+00:00",
        "--no-sentiment",
    ]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overall"]["conversations"] == 4
    html = tmp_path / "report.html"
    result = CliRunner().invoke(app, [*args, "--format", "html", "--output", str(html)])
    assert result.exit_code == 0 and "<svg" in html.read_text()
    result = CliRunner().invoke(app, [*args[:3], "--until", "2026-11-01"])
    assert result.exit_code == 1 and "must be after --since" in result.stderr


def direct_first_response_medians(path: Path) -> dict[str, float]:
    """Straight from the CSV: a conversation is a reply tree; its first response is the first
    brand tweet in the tree at or after the first customer tweet; its brand, that tweet's
    author."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    parent = {r["tweet_id"]: r["in_response_to_tweet_id"].removesuffix(".0") for r in rows}

    def root(tweet: str) -> str:
        seen = set()
        while parent.get(tweet) in parent and tweet not in seen:
            seen.add(tweet)
            tweet = parent[tweet]
        return tweet

    trees = defaultdict(list)
    for r in rows:
        trees[root(r["tweet_id"])].append((parse_twcs_time(r["created_at"]), r))
    times = defaultdict(list)
    for tree in trees.values():
        start = min((t for t, r in tree if r["inbound"] == "True"), default=None)
        replies = sorted(
            (t, r["author_id"]) for t, r in tree if r["inbound"] == "False" and start and t >= start
        )
        if start and replies:
            times[replies[0][1]].append((replies[0][0] - start).total_seconds())
    return {brand: statistics.median(values) for brand, values in times.items()}


@pytest.mark.slow
def test_twcs_per_brand_first_response_medians_match_the_csv(db: Database) -> None:
    path = shared_data("twcs_samples", "twcs_first5000.csv")
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    with db.write() as s:
        ws = create_workspace(s, slug="twcs", name="TWCS", clock=clock).id
    # Threads only (window 0): the CSV knows reply links, not Heedful's 24-hour folding of a
    # customer's separate posts into one conversation.
    reader = open_twcs(path)
    try:
        run_import(db, ws, reader, clock=clock, source="twcs", window=timedelta(0))
    finally:
        reader.text.close()
    with db.session() as s:
        report = build_report(s, ws, datetime(2000, 1, 1, tzinfo=UTC), clock.now())
    expected = direct_first_response_medians(path)
    found = {
        brand: f.first_response.median_seconds
        for brand, f in report.by_brand.items()
        if f.first_response.count
    }
    assert len(expected) > 50
    assert found == expected
