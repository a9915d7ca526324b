"""The X API v2 over an injected ``httpx.Client``: signed calls, rate-limit headers, and every
failure mapped to the typed channel errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from heedful.channels.support.http import (
    detail,
    raise_for_status,
    retry_after_seconds,
    transport_errors,
)
from heedful.channels.support.jsonvalues import as_dict, load_json
from heedful.channels.x.config import XConfig
from heedful.channels.x.oauth1 import OAuth1
from heedful.clock import Clock
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure

PLATFORM = "X"
# 403 problems that mean "this app/token may not do this at all": pause the account.
AUTH_PROBLEMS = ("client-forbidden", "unsupported-authentication", "not-authorized-for-resource")

TWEET_FIELDS = (
    "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,lang,"
    "attachments,edit_history_tweet_ids,entities"
)
USER_FIELDS = "username,name,public_metrics"
MEDIA_FIELDS = "type,url,preview_image_url"
TWEET_EXPANSIONS = "author_id,attachments.media_keys"
DM_FIELDS = "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments"


@dataclass(frozen=True, slots=True)
class XResponse:
    data: dict[str, Any]
    headers: httpx.Headers
    reset_at: datetime | None  # when the rate-limit window resets, if the quota is spent


class XClient:
    def __init__(self, config: XConfig, http: httpx.Client, clock: Clock) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        self.base = config.api_base.rstrip("/")
        self.user_auth = OAuth1(
            config.consumer_key.get_secret_value(),
            config.consumer_secret.get_secret_value(),
            config.access_token.get_secret_value(),
            config.access_token_secret.get_secret_value(),
            timestamp=lambda: int(clock.now().timestamp()),
        )

    def get(self, path: str, params: dict[str, str], *, app_only: bool = False) -> XResponse:
        auth = self._app_auth() if app_only else self.user_auth
        return self._call("GET", path, params=params, auth=auth)

    def post(self, path: str, payload: dict[str, Any]) -> XResponse:
        return self._call("POST", path, json=payload, auth=self.user_auth)

    def _app_auth(self) -> httpx.Auth:
        token = self.config.bearer_token
        if token is None:
            return self.user_auth
        return _Bearer(token.get_secret_value())

    def _call(self, method: str, path: str, **kwargs: Any) -> XResponse:
        with transport_errors(PLATFORM):
            response = self.http.request(method, f"{self.base}{path}", **kwargs)
        self._raise_for(response)
        try:
            data = as_dict(load_json(response.content, "the X response"))
        except Exception as exc:
            raise TransientFailure(f"X sent an unreadable answer ({detail(response)})") from exc
        return XResponse(data, response.headers, self._reset_when_spent(response))

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            raise RateLimited(self._retry_after(response), f"X rate limit ({detail(response)})")
        if response.status_code == 403:
            problem = response.text
            if any(p in problem for p in AUTH_PROBLEMS):
                raise AuthFailed(f"X refused this app or token ({detail(response)})")
            raise PermanentFailure(f"X refused the call ({detail(response)})")
        raise_for_status(response, PLATFORM)

    def _retry_after(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("x-rate-limit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - self.clock.now().timestamp())
        return retry_after_seconds(response, self.clock.now())

    def _reset_when_spent(self, response: httpx.Response) -> datetime | None:
        remaining = response.headers.get("x-rate-limit-remaining")
        reset = response.headers.get("x-rate-limit-reset")
        if remaining == "0" and reset and reset.isdigit():
            return datetime.fromtimestamp(int(reset), tz=UTC)
        return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request
