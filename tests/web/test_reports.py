"""The care report over the API (`heedful report`'s figures): for a workspace's leads and
admins, as JSON, CSV or the self-contained HTML page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import Browser, World

URL = "/api/v1/workspaces/acme/report"
PERIOD = {"since": "2026-11-01", "sentiment": "false"}


def test_a_lead_gets_the_figures_as_json_csv_and_html(
    as_agent: Callable[[str], Browser], world: World
) -> None:
    """Both of acme's customer messages are unanswered; one conversation is on X, one on
    Mastodon."""
    lena = as_agent("lena").client
    found = lena.get(URL, params=PERIOD)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["overall"]["conversations"] == 2 and body["overall"]["answered"] == 0
    assert set(body["by_channel"]) == {"x", "mastodon"}
    csv = lena.get(URL, params={**PERIOD, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert any(line.startswith("channel,x") for line in csv.text.splitlines()), csv.text[:300]
    html = lena.get(URL, params={**PERIOD, "format": "html"})
    assert html.headers["content-type"].startswith("text/html") and "<svg" in html.text


def test_a_bad_period_is_a_clear_422(as_agent: Callable[[str], Browser], world: World) -> None:
    lena = as_agent("lena").client
    assert lena.get(URL, params={"since": "yesterday"}).status_code == 422
    assert lena.get(URL, params={"since": "2027-01-01", "until": "2026-01-01"}).status_code == 422
    assert lena.get(URL, params={"since": "2020-01-01", "until": "2026-01-01"}).status_code == 422


def test_agents_and_other_brands_get_no_report(
    as_agent: Callable[[str], Browser], api_client: TestClient, world: World
) -> None:
    assert api_client.get(URL).status_code == 403  # anna's token: an agent of acme
    assert as_agent("lena").client.get("/api/v1/workspaces/zebra/report").status_code == 404
    assert as_agent("bea").client.get(URL).status_code == 404  # zebra's admin
