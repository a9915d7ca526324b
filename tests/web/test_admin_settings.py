"""The admin's settings pages, driven through their forms: each change is stored through the
owning area's service (and logged), bad input is shown in the page and changes nothing, only
admins may change anything, and only in their own workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from heedful.store.db import Database
from heedful.store.tables import BusinessHours, Conversation, Event, SlaPolicyRow, Workspace
from tests.web.conftest import Browser, World


def _hours_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "workspace": "acme",
        "timezone": "Europe/London",
        "day_mon": "09:00-12:30, 13:30-17:00",
        "day_tue": "09:00-17:00",
        "day_wed": "09:00-17:00",
        "day_thu": "09:00-17:00",
        "day_fri": "09:00-16:00",
        "day_sat": "",
        "day_sun": "",
        "closed_dates": "2026-12-25\n2026-12-26",
        "always_open_channels": ["x"],
    }
    form.update(changes)
    return form


def _events(db: Database, kind: str) -> list[Event]:
    with db.session() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_admin_sets_business_hours_and_the_sla_clocks_follow(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    page = adam.get("/admin/hours", params={"workspace": "acme"})
    assert page.status_code == 200
    assert 'for="day-mon"' in page.text and "<legend>Opening hours per day</legend>" in page.text
    saved = adam.post("/admin/hours", _hours_form())
    assert saved.status_code == 303, saved.text
    with db.session() as s:
        row = s.get(BusinessHours, world.a_id)
        assert row is not None
        assert row.timezone == "Europe/London"
        assert row.weekly["mon"] == ["09:00-12:30", "13:30-17:00"]
        assert "sat" not in row.weekly
        assert row.closed_dates == ["2026-12-25", "2026-12-26"]
        assert row.always_open_channels == ["x"]
        # the stored SLA state was computed again under the new rules
        states = s.scalars(
            select(Conversation.sla_next_at).where(Conversation.workspace_id == world.a_id)
        ).all()
        assert states and all(at is not None for at in states)
    assert [e.actor_agent_id for e in _events(db, "business_hours.changed")] == [
        world.agents["adam"]
    ]
    again = adam.get("/admin/hours", params={"workspace": "acme"}).text
    assert "09:00-12:30, 13:30-17:00" in again and "2026-12-25" in again


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"day_mon": "17:00-09:00"}, "must run forwards"),
        ({"day_tue": "nine to five"}, "HH:MM-HH:MM"),
        ({"closed_dates": "25/12/2026"}, "YYYY-MM-DD"),
        ({"always_open_channels": ["nonesuch"]}, "unknown channel"),
        (
            {f"day_{d}": "" for d in ("mon", "tue", "wed", "thu", "fri")},
            "at least one day",
        ),
    ],
)
def test_bad_business_hours_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    changes: dict[str, Any],
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/hours", _hours_form(**changes))
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    assert "<form" in refused.text  # the page with what was typed, not an error page
    with db.session() as s:
        assert s.get(BusinessHours, world.a_id) is None
    assert _events(db, "business_hours.changed") == []


def _sla_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "workspace": "acme",
        "rows": "3",
        "name_0": "urgent",
        "min_priority_0": "80",
        "first_response_0": "15",
        "next_response_0": "60",
        "position_0": "1",
        "name_1": "x public",
        "channels_1": "x, mastodon",
        "visibility_1": "public",
        "first_response_1": "45",
        "resolution_1": "1440",
        "business_hours_1": "on",
        "at_risk_percent_1": "20",
        "position_1": "2",
    }
    form.update(changes)
    return form


def test_admin_replaces_the_sla_policies(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    page = adam.get("/admin/hours", params={"workspace": "acme"}).text
    assert "public social" in page  # the defaults, until the workspace sets its own
    saved = adam.post("/admin/sla", _sla_form())
    assert saved.status_code == 303, saved.text
    with db.session() as s:
        rows = s.scalars(
            select(SlaPolicyRow)
            .where(SlaPolicyRow.workspace_id == world.a_id)
            .order_by(SlaPolicyRow.position)
        ).all()
        assert [r.name for r in rows] == ["urgent", "x public"]
        assert rows[0].min_priority == 80 and rows[0].first_response_minutes == 15
        assert rows[1].channels == ["mastodon", "x"] and rows[1].visibility == "public"
        assert rows[1].business_hours and rows[1].at_risk_fraction == pytest.approx(0.2)
        assert rows[1].next_response_minutes is None
        conv = s.get(Conversation, world.a_conversation)
        assert conv is not None and conv.sla_state and conv.sla_next_at is not None
    assert len(_events(db, "sla.policies_changed")) == 1
    # reorder and remove
    moved = adam.post(
        "/admin/sla", _sla_form(position_0="3", remove_1="on", name_2="all", first_response_2="60")
    )
    assert moved.status_code == 303
    with db.session() as s:
        names = s.scalars(
            select(SlaPolicyRow.name)
            .where(SlaPolicyRow.workspace_id == world.a_id)
            .order_by(SlaPolicyRow.position)
        ).all()
    assert names == ["urgent", "all"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_response_0": "-5"}, "between 1 and"),
        ({"first_response_0": "soon", "next_response_0": ""}, "whole number"),
        ({"min_priority_0": "90", "max_priority_0": "10"}, "above the highest"),
        ({"name_1": ""}, "needs a name"),
        ({"at_risk_percent_1": "150"}, "between 0 and 1"),
        ({"visibility_1": "secret"}, "visibility"),
        ({"first_response_1": "", "resolution_1": ""}, "at least one target"),
        ({"remove_0": "on", "remove_1": "on"}, "at least one SLA policy"),
    ],
)
def test_bad_sla_policies_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    changes: dict[str, Any],
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/sla", _sla_form(**changes))
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    with db.session() as s:
        assert s.scalars(select(SlaPolicyRow)).all() == []


def test_signatures_per_channel_with_an_example_for_the_agent(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    page = adam.get("/admin/signatures", params={"workspace": "acme"}).text
    assert "^AP" in page  # Adam Person's default signature, in the example
    saved = adam.post(
        "/admin/signatures",
        {
            "workspace": "acme",
            "signature": " – {first_name}",
            "signature_email": "\n\n--\n{name}\n{team}",
            "signature_x": "",
            "team": "Acme Care",
        },
    )
    assert saved.status_code == 303, saved.text
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None
        care = ws.settings["care"]
    assert care["signature"] == " – {first_name}"
    assert care["signatures"] == {"email": "\n\n--\n{name}\n{team}"}
    assert care["team"] == "Acme Care"
    page = adam.get("/admin/signatures", params={"workspace": "acme"}).text
    assert "– Adam" in page and "Adam Person\nAcme Care" in page
    anna = as_agent("anna")
    conversation = anna.get(f"/conversations/{world.a_conversation}").text
    assert "– Anna" in conversation  # the composer signs with the new format
    assert len(_events(db, "workspace.settings_changed")) == 1


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (" ^{nickname}", "unknown placeholder"),
        (" ^{initials", "not a valid format"),
        ("   ", "cannot be empty"),
        (" {name:d}", "cannot be rendered"),
    ],
)
def test_bad_signatures_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    signature: str,
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/signatures", {"workspace": "acme", "signature": signature})
    assert refused.status_code == 422
    assert message in refused.text
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None and "care" not in ws.settings


def test_signature_preview_does_not_save(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    shown = adam.post(
        "/admin/signatures", {"workspace": "acme", "signature": " /{initials}", "preview": "1"}
    )
    assert shown.status_code == 200 and "/AP" in shown.text and "not saved" in shown.text
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None and "care" not in ws.settings
