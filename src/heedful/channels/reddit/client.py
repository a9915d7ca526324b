"""Reddit's OAuth API over an injected ``httpx.Client``: an access token from the app's
credentials (renewed before it expires or when refused), rate-limit headers, typed errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from heedful.channels.reddit.config import RedditConfig
from heedful.channels.support.http import (
    detail,
    raise_for_status,
    retry_after_seconds,
    transport_errors,
)
from heedful.channels.support.jsonvalues import as_dict, load_json, opt_int, opt_str
from heedful.clock import Clock
from heedful.errors import AuthFailed, HeedfulError, RateLimited, TransientFailure

PLATFORM = "Reddit"


class RedditClient:
    def __init__(self, config: RedditConfig, http: httpx.Client, clock: Clock) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        self.token: str | None = None
        self.expires_at: datetime | None = None
        self.reset_at: datetime | None = None  # set when the quota of the window is spent

    def get(self, path: str, params: list[tuple[str, str]] | None = None) -> Any:
        return self._authed("GET", path, params=[*(params or []), ("raw_json", "1")])

    def post_form(self, path: str, form: dict[str, str]) -> Any:
        return self._authed("POST", path, data={**form, "api_type": "json", "raw_json": "1"})

    def _authed(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.token is None or (self.expires_at and self.clock.now() >= self.expires_at):
            self._fetch_token()
        response = self._request(method, path, **kwargs)
        if response.status_code == 401:  # revoked or expired early: one fresh token
            self._fetch_token()
            response = self._request(method, path, **kwargs)
        return self._json(response)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"bearer {self.token}", "User-Agent": self.config.user_agent}
        with transport_errors(PLATFORM):
            response = self.http.request(
                method, f"{self.config.api_base.rstrip('/')}{path}", headers=headers, **kwargs
            )
        self._note_quota(response)
        return response

    def _fetch_token(self) -> None:
        form = self._grant()
        auth = (self.config.client_id, self.config.client_secret.get_secret_value())
        url = f"{self.config.auth_base.rstrip('/')}/api/v1/access_token"
        with transport_errors(PLATFORM):
            response = self.http.post(
                url, data=form, auth=auth, headers={"User-Agent": self.config.user_agent}
            )
        answer = as_dict(self._json(response))
        token = opt_str(answer, "access_token")
        if token is None:
            raise AuthFailed(
                f"Reddit refused the app credentials ({answer.get('error', 'no token')})"
            )
        self.token = token
        lifetime = (opt_int(answer, "expires_in") or 3600) - 60
        self.expires_at = self.clock.now() + timedelta(seconds=max(lifetime, 60))

    def _grant(self) -> dict[str, str]:
        if self.config.refresh_token is not None:
            return {
                "grant_type": "refresh_token",
                "refresh_token": self.config.refresh_token.get_secret_value(),
            }
        password = self.config.password.get_secret_value() if self.config.password else ""
        return {"grant_type": "password", "username": self.config.username, "password": password}

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 429:
            raise RateLimited(
                self._retry_after(response), f"Reddit rate limit ({detail(response)})"
            )
        raise_for_status(response, PLATFORM)
        try:
            return load_json(response.content, "the Reddit response")
        except HeedfulError as exc:
            raise TransientFailure(
                f"Reddit sent an unreadable answer ({detail(response)})"
            ) from exc

    def _retry_after(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("x-ratelimit-reset")
        try:
            return float(reset) if reset else retry_after_seconds(response, self.clock.now())
        except ValueError:
            return retry_after_seconds(response, self.clock.now())

    def _note_quota(self, response: httpx.Response) -> None:
        remaining, reset = (
            response.headers.get(h) for h in ("x-ratelimit-remaining", "x-ratelimit-reset")
        )
        try:
            spent = remaining is not None and float(remaining) < 1
            self.reset_at = (
                self.clock.now() + timedelta(seconds=float(reset or 0)) if spent else None
            )
        except ValueError:
            self.reset_at = None
