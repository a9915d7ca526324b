"""The Mastodon REST API over an injected ``httpx.Client``, failures as typed errors."""

from __future__ import annotations

from typing import Any

import httpx

from heedful.channels.support.http import (
    detail,
    raise_for_status,
    retry_after_seconds,
    transport_errors,
)
from heedful.channels.support.jsonvalues import load_json
from heedful.channels.support.times import from_iso
from heedful.clock import Clock
from heedful.errors import HeedfulError, RateLimited, TransientFailure

PLATFORM = "Mastodon"


class MastodonClient:
    def __init__(self, base_url: str, token: str, http: httpx.Client, clock: Clock) -> None:
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = http
        self.clock = clock

    def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        return self._call("GET", path, params=params or [])

    def post(self, path: str, payload: dict[str, Any], idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", path, json=payload, headers=headers)

    def _call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        with transport_errors(PLATFORM):
            response = self.http.request(
                method, f"{self.base}{path}", headers={**self.headers, **(headers or {})}, **kw
            )
        if response.status_code == 429:
            raise RateLimited(
                self._retry_after(response), f"Mastodon rate limit ({detail(response)})"
            )
        raise_for_status(response, PLATFORM)
        try:
            return load_json(response.content, "the Mastodon response")
        except HeedfulError as exc:
            raise TransientFailure(
                f"Mastodon sent an unreadable answer ({detail(response)})"
            ) from exc

    def _retry_after(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("x-ratelimit-reset")
        if reset:
            try:
                return max(0.0, (from_iso(reset) - self.clock.now()).total_seconds())
            except HeedfulError:
                pass
        return retry_after_seconds(response, self.clock.now())
