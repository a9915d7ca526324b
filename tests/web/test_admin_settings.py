"""The admin's settings pages, driven through their forms: each change is stored through the
owning area's service (and logged), bad input is shown in the page and changes nothing, only
admins may change anything, and only in their own workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from heedful.config import Settings
from heedful.services.channel_accounts import read_channel_secrets
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import (
    BusinessHours,
    ChannelAccount,
    Conversation,
    Event,
    HelpArticle,
    SlaPolicyRow,
    Workspace,
)
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


class FakeEmbedder:
    """Counts what it embeds; every text gets the same unit vector."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Any) -> list[Any]:
        import numpy as np

        self.texts.extend(texts)
        return [np.ones(4, dtype=np.float32) / 2 for _ in texts]


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    fake = FakeEmbedder()
    monkeypatch.setattr("heedful.web.ui.admin_content.article_embedder", lambda: fake)
    return fake


def _articles(db: Database, workspace_id: int) -> list[HelpArticle]:
    with db.session() as s:
        return list(s.scalars(select(HelpArticle).where(HelpArticle.workspace_id == workspace_id)))


def test_admin_adds_edits_and_deletes_help_articles(
    as_agent: Callable[[str], Browser], world: World, db: Database, embedder: FakeEmbedder
) -> None:
    from heedful.coach.help.fulltext import search_articles

    adam = as_agent("adam")
    added = adam.post(
        "/admin/articles",
        {
            "workspace": "acme",
            "title": "Reset your router",
            "url": "https://help.acme.example/router-reset",
            "body": "Hold the reset button for ten seconds until the light blinks.",
        },
    )
    assert added.status_code == 303, added.text
    (article,) = _articles(db, world.a_id)
    assert article.embedding is not None and "Reset your router" in embedder.texts[0]
    with db.session() as s:
        assert [i for i, _ in search_articles(s, world.a_id, "router blinking light")] == [
            article.id
        ]
    page = adam.get("/admin/articles", params={"workspace": "acme"}).text
    assert "Reset your router" in page and f"/admin/articles/{article.id}" in page
    form = adam.get(f"/admin/articles/{article.id}", params={"workspace": "acme"}).text
    assert "Hold the reset button" in form
    changed = adam.post(
        f"/admin/articles/{article.id}",
        {
            "workspace": "acme",
            "title": "Restart your modem",
            "url": "https://help.acme.example/modem-restart",
            "body": "Unplug the modem for thirty seconds.",
        },
    )
    assert changed.status_code == 303, changed.text
    (after,) = _articles(db, world.a_id)
    assert (after.id, after.title, after.url) == (
        article.id,
        "Restart your modem",
        "https://help.acme.example/modem-restart",
    )
    assert "Restart your modem" in embedder.texts[-1]  # embedded again
    with db.session() as s:  # the keyword index follows the edit
        assert search_articles(s, world.a_id, "router blinking") == []
        assert [i for i, _ in search_articles(s, world.a_id, "modem unplug")] == [article.id]
    deleted = adam.post(f"/admin/articles/{article.id}/delete", {"workspace": "acme"})
    assert deleted.status_code == 303
    assert _articles(db, world.a_id) == []
    with db.session() as s:
        assert search_articles(s, world.a_id, "modem unplug") == []
    with db.session() as s:
        logged = s.execute(
            select(Event.kind, Event.actor_agent_id)
            .where(Event.workspace_id == world.a_id, Event.kind.like("help_article.%"))
            .order_by(Event.id)
        ).all()
    adam_id = world.agents["adam"]
    assert [tuple(row) for row in logged] == [
        ("help_article.added", adam_id),
        ("help_article.changed", adam_id),
        ("help_article.deleted", adam_id),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "url": "https://x.example/a", "body": "text"}, "needs a title"),
        ({"title": "T", "url": "javascript:alert(1)", "body": "text"}, "must start with https"),
        ({"title": "T", "url": "https://x.example/a", "body": "  "}, "needs a title, a URL"),
        ({"title": "T" * 400, "url": "https://x.example/a", "body": "b"}, "too long"),
    ],
)
def test_bad_help_articles_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    embedder: FakeEmbedder,
    fields: dict[str, str],
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/articles", {"workspace": "acme", **fields})
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    assert _articles(db, world.a_id) == []


def test_two_articles_cannot_share_a_url(
    as_agent: Callable[[str], Browser], world: World, db: Database, embedder: FakeEmbedder
) -> None:
    adam = as_agent("adam")
    for title, url in (("One", "https://x.example/1"), ("Two", "https://x.example/2")):
        body = {"workspace": "acme", "title": title, "url": url, "body": "text"}
        assert adam.post("/admin/articles", body).status_code == 303
    two = next(a for a in _articles(db, world.a_id) if a.title == "Two")
    clash = adam.post(
        f"/admin/articles/{two.id}",
        {"workspace": "acme", "title": "Two", "url": "https://x.example/1", "body": "text"},
    )
    assert clash.status_code == 422 and "already has the URL" in clash.text
    assert {a.url for a in _articles(db, world.a_id)} == {
        "https://x.example/1",
        "https://x.example/2",
    }


def _triage_form(db: Database, **changes: str) -> dict[str, Any]:
    from heedful.triage.taxonomy import BUILTIN_TOPICS
    from heedful.triage.workspace import TriageSettings
    from heedful.web.ui.admin_content import triage_rows

    rows = triage_rows(TriageSettings())
    form: dict[str, Any] = {"workspace": "acme", "custom_threshold": rows["custom_threshold"]}
    form.update({f"w_{w['id']}": w["value"] for w in rows["weights"]})
    form.update({f"s_{s['id']}": s["value"] for s in rows["signals"]})
    form.update({f"t_{t}": "" for t in BUILTIN_TOPICS})
    form.update(changes)
    return form


def test_admin_sets_triage_weights_and_topic_names(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    from heedful.triage.service import workspace_triage_settings

    adam = as_agent("adam")
    page = adam.get("/admin/triage", params={"workspace": "acme"}).text
    assert 'id="w-complaint"' in page and 'for="s-urgency"' in page
    saved = adam.post(
        "/admin/triage",
        _triage_form(db, w_complaint="25", s_urgency="30", w_pile_on_cap="3", t_outage="Outage"),
    )
    assert saved.status_code == 303, saved.text
    with db.session() as s:
        settings = workspace_triage_settings(s, world.a_id)
        ws = s.get(Workspace, world.a_id)
        assert ws is not None
        stored = ws.settings["triage"]["weights"]
    weights = settings.priority_weights()
    assert weights.complaint == 25 and weights.signals["urgency"] == 30
    assert weights.pile_on_cap == 3
    assert stored == {"complaint": 25.0, "pile_on_cap": 3, "signals": {"urgency": 30.0}}
    assert settings.topics.label_of("outage") == "Outage"
    page = adam.get("/admin/triage", params={"workspace": "acme"}).text
    assert 'value="25"' in page
    assert len(_events(db, "workspace.settings_changed")) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"w_complaint": "lots"}, "not a number"),
        ({"w_complaint": ""}, "a number is needed"),
        ({"s_anger": "nan"}, "between -1000 and 1000"),
        ({"w_repeat_cap": "2.5"}, "whole number"),
        ({"custom_threshold": "3"}, "invalid triage settings"),
    ],
)
def test_bad_triage_weights_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    changes: dict[str, str],
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/triage", _triage_form(db, **changes))
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None and "triage" not in ws.settings


MASTODON_TOKEN = "mastodon-secret-token-0123456789"


def _mastodon_form(**changes: str) -> dict[str, Any]:
    form = {
        "workspace": "acme",
        "channel": "mastodon",
        "external_id": "109876",
        "handle": "care@mastodon.example",
        "display_name": "Acme Care",
        "cfg_instance_url": "https://mastodon.example",
        "cfg_account_id": "109876",
        "cfg_access_token": MASTODON_TOKEN,
        "cfg_reply_visibility": "unlisted",
        "cfg_page_size": "20",
        "cfg_max_pages": "",
    }
    form.update(changes)
    return form


def _account(db: Database, workspace_id: int, external_id: str) -> ChannelAccount | None:
    with db.session() as s:
        return s.scalar(
            select(ChannelAccount).where(
                ChannelAccount.workspace_id == workspace_id,
                ChannelAccount.external_id == external_id,
            )
        )


def test_admin_connects_a_channel_account_with_encrypted_secrets(
    as_agent: Callable[[str], Browser], world: World, db: Database, settings: Settings
) -> None:
    adam = as_agent("adam")
    chooser = adam.get("/admin/channels", params={"workspace": "acme"}).text
    assert 'for="channel-type"' in chooser and "Mastodon" in chooser
    form = adam.get("/admin/channels", params={"workspace": "acme", "channel": "mastodon"}).text
    assert 'type="password" id="cfg-access_token"' in form
    assert 'for="cfg-instance_url"' in form and "<legend>Mastodon settings</legend>" in form
    added = adam.post("/admin/channels", _mastodon_form())
    assert added.status_code == 303, added.text
    account = _account(db, world.a_id, "109876")
    assert account is not None and account.channel == "mastodon"
    assert account.config == {
        "instance_url": "https://mastodon.example",
        "account_id": "109876",
        "reply_visibility": "unlisted",
        "page_size": 20,
    }
    assert MASTODON_TOKEN not in str(account.config) and account.secrets_encrypted
    assert MASTODON_TOKEN not in account.secrets_encrypted
    box = SecretBox(settings.secret_key_value())
    assert read_channel_secrets(account, box) == {"access_token": MASTODON_TOKEN}
    for url in (added.headers["location"], "/admin/channels?workspace=acme"):
        page = adam.get(url).text
        assert MASTODON_TOKEN not in page
    settings_page = adam.get(added.headers["location"]).text
    assert "set; leave empty to keep it" in settings_page
    # an edit with the secret left empty keeps it
    changed = adam.post(
        f"/admin/channels/{account.id}",
        {k: v for k, v in _mastodon_form(cfg_access_token="", cfg_page_size="30").items()},
    )
    assert changed.status_code == 303, changed.text
    after = _account(db, world.a_id, "109876")
    assert after is not None and after.config["page_size"] == 30
    assert read_channel_secrets(after, box) == {"access_token": MASTODON_TOKEN}
    with db.session() as s:
        kinds = s.scalars(
            select(Event.kind)
            .where(Event.subject_type == "channel_account", Event.subject_id == account.id)
            .order_by(Event.id)
        ).all()
        datas = s.scalars(select(Event.data).where(Event.subject_id == account.id)).all()
    assert kinds == [
        "channel_account.added",
        "channel_account.configured",
        "channel_account.configured",
    ]
    assert MASTODON_TOKEN not in str(datas)


def test_webhook_channels_show_the_url_to_paste(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    added = adam.post(
        "/admin/channels",
        {
            "workspace": "acme",
            "channel": "webhook",
            "external_id": "shop",
            "cfg_secret": "hook-secret-abcdef-0123456789-abcdef",
            "cfg_tolerance_seconds": "300",
            "cfg_reply_url": "",
            "cfg_source_name": "Shop",
        },
    )
    assert added.status_code == 303, added.text
    account = _account(db, world.a_id, "shop")
    assert account is not None and account.config["reply_url"] is None
    connected = adam.get(added.headers["location"]).text
    assert (
        f"Register this webhook URL with the platform: http://testserver/webhooks/webhook/{account.id}"
        in connected
    )
    page = adam.get("/admin/channels", params={"workspace": "acme"}).text
    assert f"/webhooks/webhook/{account.id}</code>" in page
    assert "hook-secret-abcdef-0123456789-abcdef" not in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cfg_access_token": ""}, "access_token"),
        ({"cfg_page_size": "many"}, "not a whole number"),
        ({"cfg_reply_visibility": "secret"}, "choose one of"),
        ({"external_id": ""}, "id on the platform"),
        ({"channel": "myspace"}, "unknown channel"),
    ],
)
def test_bad_channel_accounts_are_refused_in_the_page(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    changes: dict[str, str],
    message: str,
) -> None:
    adam = as_agent("adam")
    refused = adam.post("/admin/channels", _mastodon_form(**changes))
    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    assert MASTODON_TOKEN not in refused.text  # a typed secret is never sent back
    with db.session() as s:
        count = s.scalar(
            select(func.count())
            .select_from(ChannelAccount)
            .where(ChannelAccount.workspace_id == world.a_id)
        )
    assert count == 2  # the two of the world, nothing added


def test_connecting_the_same_account_twice_is_refused(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    adam = as_agent("adam")
    assert adam.post("/admin/channels", _mastodon_form()).status_code == 303
    again = adam.post("/admin/channels", _mastodon_form())
    assert again.status_code == 422 and "already connected" in again.text


def test_admin_pauses_and_resumes_an_account(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    account = _account(db, world.a_id, "AcmeHelp")
    assert account is not None
    paused = adam.post(
        f"/admin/channels/{account.id}/pause", {"workspace": "acme", "reason": "rotating keys"}
    )
    assert paused.status_code == 303
    after = _account(db, world.a_id, "AcmeHelp")
    assert after is not None and (after.status, after.status_reason) == ("paused", "rotating keys")
    assert "rotating keys" in adam.get("/admin/channels", params={"workspace": "acme"}).text
    resumed = adam.post(f"/admin/channels/{account.id}/resume", {"workspace": "acme"})
    assert resumed.status_code == 303
    again = _account(db, world.a_id, "AcmeHelp")
    assert again is not None and again.status == "active"
    assert [e.actor for e in _events(db, "channel_account.resumed")] == [
        f"agent:{world.agents['adam']}"
    ]


def test_admin_turns_on_the_out_of_hours_acknowledgement(
    as_agent: Callable[[str], Browser], world: World, db: Database
) -> None:
    adam = as_agent("adam")
    page = adam.get("/admin/hours", params={"workspace": "acme"}).text
    assert 'for="acknowledge"' in page and "It is not counted as a response" in page
    saved = adam.post(
        "/admin/boundaries",
        {"workspace": "acme", "acknowledge_out_of_hours": "on", "handles": "roaming and bills"},
    )
    assert saved.status_code == 303
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None
        care = ws.settings["care"]
        assert care["acknowledge_out_of_hours"] is True and care["handles"] == "roaming and bills"
    again = adam.get("/admin/hours", params={"workspace": "acme"}).text
    assert "This account handles roaming and bills." in again  # the example shown
    adam.post("/admin/boundaries", {"workspace": "acme"})
    with db.session() as s:
        ws = s.get(Workspace, world.a_id)
        assert ws is not None and ws.settings["care"].get("acknowledge_out_of_hours") in (
            None,
            False,
        )


def _admin_routes() -> list[tuple[str, str]]:
    """The admin settings routes that take the workspace from the form or query alone."""
    return [
        ("GET", "/admin/hours"),
        ("POST", "/admin/hours"),
        ("POST", "/admin/sla"),
        ("POST", "/admin/boundaries"),
        ("GET", "/admin/signatures"),
        ("POST", "/admin/signatures"),
        ("GET", "/admin/articles"),
        ("POST", "/admin/articles"),
        ("GET", "/admin/triage"),
        ("POST", "/admin/triage"),
        ("GET", "/admin/channels"),
        ("POST", "/admin/channels"),
    ]


def _valid_forms(db: Database) -> dict[str, dict[str, Any]]:
    """A form each POST route would accept from an admin of A."""
    return {
        "/admin/hours": _hours_form(),
        "/admin/sla": _sla_form(),
        "/admin/boundaries": {"workspace": "acme", "acknowledge_out_of_hours": "on"},
        "/admin/signatures": {"workspace": "acme", "signature": " ~{initials}"},
        "/admin/articles": {
            "workspace": "acme",
            "title": "Lost bags",
            "url": "https://acme.example/bags",
            "body": "Call us.",
        },
        "/admin/triage": _triage_form(db, w_complaint="40"),
        "/admin/channels": _mastodon_form(),
    }


def _state(db: Database, workspace_id: int) -> str:
    """Everything the admin pages can change in one workspace, as text."""
    with db.session() as s:
        ws = s.get(Workspace, workspace_id)
        assert ws is not None
        parts: list[object] = [ws.settings, s.get(BusinessHours, workspace_id)]
        for table in (SlaPolicyRow, HelpArticle, ChannelAccount):
            rows = s.scalars(select(table).where(table.workspace_id == workspace_id)).all()
            parts.append(
                [{k: v for k, v in vars(r).items() if not k.startswith("_")} for r in rows]
            )
        return repr(parts)


@pytest.mark.parametrize("who", ["anna", "lena"])
def test_agents_and_leads_may_not_use_the_admin_pages(
    as_agent: Callable[[str], Browser], world: World, db: Database, who: str
) -> None:
    browser = as_agent(who)
    before = _state(db, world.a_id)
    forms = _valid_forms(db)
    account = _account(db, world.a_id, "AcmeHelp")
    assert account is not None
    routes = [
        *_admin_routes(),
        ("GET", f"/admin/channels/{account.id}"),
        ("POST", f"/admin/channels/{account.id}"),
        ("POST", f"/admin/channels/{account.id}/pause"),
        ("POST", f"/admin/channels/{account.id}/resume"),
    ]
    for method, path in routes:
        if method == "GET":
            response = browser.get(path, params={"workspace": "acme"})
        else:
            response = browser.post(path, forms.get(path, {"workspace": "acme"}))
        assert response.status_code == 403, (method, path, response.status_code)
    assert _state(db, world.a_id) == before


def test_an_admin_of_one_brand_cannot_change_another(
    as_agent: Callable[[str], Browser],
    world: World,
    db: Database,
    embedder: FakeEmbedder,
) -> None:
    """Bea administers B only: every valid form aimed at A (by slug, or at A's rows by id)
    is refused, and A is unchanged; the same forms for B work."""
    bea = as_agent("bea")
    forms = _valid_forms(db)
    account = _account(db, world.a_id, "AcmeHelp")
    assert account is not None
    adam = as_agent("adam")
    assert (
        adam.post(
            "/admin/articles",
            {"workspace": "acme", "title": "A", "url": "https://a.example/a", "body": "a"},
        ).status_code
        == 303
    )
    before = _state(db, world.a_id)
    (article,) = _articles(db, world.a_id)
    for method, path in _admin_routes():
        if method == "GET":
            response = bea.get(path, params={"workspace": "acme"})
        else:
            response = bea.post(path, forms[path])
        assert response.status_code in (403, 404), (method, path, response.status_code)
    by_id = [
        f"/admin/channels/{account.id}",
        f"/admin/channels/{account.id}/pause",
        f"/admin/channels/{account.id}/resume",
        f"/admin/articles/{article.id}",
        f"/admin/articles/{article.id}/delete",
    ]
    for path in by_id:
        for slug in ("acme", "zebra"):
            form = {"workspace": slug, "title": "X", "url": "https://x.example", "body": "x"}
            assert bea.post(path, form).status_code in (403, 404), (path, slug)
            assert bea.get(path, params={"workspace": slug}).status_code in (403, 404, 405)
    assert _state(db, world.a_id) == before
    # the same forms for B's own workspace are accepted
    for path, form in forms.items():
        if path == "/admin/channels":
            continue  # mastodon form fields are A-neutral; tested above for A
        response = bea.post(path, {**form, "workspace": "zebra"})
        assert response.status_code == 303, (path, response.text[-500:])
    assert _state(db, world.a_id) == before


def test_the_signature_page_carries_the_live_example(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    import html
    import json
    import re

    page = as_agent("adam").get("/admin/signatures", params={"workspace": "acme"}).text
    assert "/static/admin.js" in page
    assert 'data-example-of="sig-default"' in page and 'data-example-of="sig-email"' in page
    agent = re.search(r'data-agent="([^"]*)"', page)
    assert agent is not None
    values = json.loads(html.unescape(agent.group(1)))
    assert values["initials"] == "AP" and values["first_name"] == "Adam"
    assert values["team"] == "The Acme Mobile team"
    assert 'for="sig-default"' in page and 'for="sig-team"' in page
    assert "<legend>Per channel (leave empty to use the default)</legend>" in page
