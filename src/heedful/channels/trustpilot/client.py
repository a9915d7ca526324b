"""Trustpilot's Business API: the business-user OAuth token, replies and review listings.

The token comes from the password grant of ``/v1/oauth/oauth-business-users-for-applications``
(Basic auth with the application's API key and secret); it is kept until shortly before it
expires and fetched again once when a call answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from heedful.channels.support.http import raise_for_status, transport_errors
from heedful.channels.trustpilot.config import TrustpilotConfig
from heedful.clock import Clock
from heedful.errors import AuthFailed, TransientFailure

PLATFORM = "Trustpilot"
TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"  # noqa: S105
EXPIRY_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    expires_at: datetime


class TrustpilotClient:
    def __init__(self, http: httpx.Client, config: TrustpilotConfig, clock: Clock) -> None:
        self.http = http
        self.config = config
        self.clock = clock
        self._token: Token | None = None

    def post_reply(self, review_id: str, message: str) -> None:
        payload = {"authorBusinessUserId": self.config.business_user_id, "message": message}
        self.call("POST", f"/v1/private/reviews/{review_id}/reply", json=payload)

    def list_reviews(self, params: dict[str, str]) -> dict[str, Any]:
        unit = self.config.business_unit_id
        response = self.call("GET", f"/v1/private/business-units/{unit}/reviews", params=params)
        return _json(response)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An authorised call; a 401 refreshes the token once before giving up."""
        response = self._send(method, path, self.token(), **kwargs)
        if response.status_code == 401:
            self._token = None
            response = self._send(method, path, self.token(), **kwargs)
        raise_for_status(response, PLATFORM)
        return response

    def token(self) -> str:
        now = self.clock.now()
        if self._token is None or now >= self._token.expires_at - EXPIRY_MARGIN:
            self._token = self._fetch_token(now)
        return self._token.value

    def _send(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "apikey": self._api_key()}
        with transport_errors(PLATFORM):
            return self.http.request(method, self._url(path), headers=headers, **kwargs)

    def _fetch_token(self, now: datetime) -> Token:
        if not (self.config.username and self.config.password.get_secret_value()):
            raise AuthFailed("Trustpilot: no business user login configured for this account")
        form = {
            "grant_type": "password",
            "username": self.config.username,
            "password": self.config.password.get_secret_value(),
        }
        auth = (self._api_key(), self.config.api_secret.get_secret_value())
        with transport_errors(PLATFORM):
            response = self.http.post(self._url(TOKEN_PATH), data=form, auth=auth)
        if response.status_code in (400, 401, 403):
            raise AuthFailed(
                f"Trustpilot refused the business user login (HTTP {response.status_code})"
            )
        raise_for_status(response, PLATFORM)
        body = _json(response)
        if not body.get("access_token"):
            raise AuthFailed("Trustpilot's token answer has no access_token")
        lifetime = float(body.get("expires_in") or 3600)
        return Token(str(body["access_token"]), now + timedelta(seconds=lifetime))

    def _api_key(self) -> str:
        key = self.config.api_key.get_secret_value()
        if not key:
            raise AuthFailed("Trustpilot: no API key configured for this account")
        return key

    def _url(self, path: str) -> str:
        return self.config.api_url.rstrip("/") + path


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise TransientFailure("Trustpilot answered with something that is not JSON") from None
    return body if isinstance(body, dict) else {}
