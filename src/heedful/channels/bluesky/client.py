"""XRPC calls to the account's PDS over an injected ``httpx.Client``: a session from the app
password (refreshed when it expires), chat proxied to the Bluesky chat service, failures
mapped to the typed errors."""

from __future__ import annotations

from typing import Any

import httpx

from heedful.channels.bluesky.config import BlueskyConfig
from heedful.channels.support.http import (
    detail,
    raise_for_status,
    retry_after_seconds,
    transport_errors,
)
from heedful.channels.support.jsonvalues import as_dict, load_json, opt_str
from heedful.clock import Clock
from heedful.errors import AuthFailed, HeedfulError, RateLimited, TransientFailure

PLATFORM = "Bluesky"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
EXPIRED = ("ExpiredToken", "InvalidToken")


class BlueskyClient:
    def __init__(self, config: BlueskyConfig, http: httpx.Client, clock: Clock) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        self.base = config.service_url.rstrip("/")
        self.access: str | None = None
        self.refresh: str | None = None
        self.did: str | None = config.did

    def query(self, nsid: str, params: list[tuple[str, str]], *, chat: bool = False) -> Any:
        return self._authed("GET", nsid, chat, params=params)

    def procedure(self, nsid: str, body: dict[str, Any], *, chat: bool = False) -> Any:
        return self._authed("POST", nsid, chat, json=body)

    def sign_in(self) -> str:
        """Create a session; returns the account's DID."""
        body = {
            "identifier": self.config.identifier,
            "password": self.config.app_password.get_secret_value(),
        }
        session = as_dict(self._send("POST", "com.atproto.server.createSession", None, json=body))
        self._keep(session)
        if self.did is None:
            raise AuthFailed("Bluesky sign-in returned no DID")
        return self.did

    def _authed(self, method: str, nsid: str, chat: bool, **kwargs: Any) -> Any:
        if self.access is None:
            self.sign_in()
        try:
            return self._send(method, nsid, self._headers(chat), **kwargs)
        except _Expired:
            self._refresh()
        try:
            return self._send(method, nsid, self._headers(chat), **kwargs)
        except _Expired as exc:
            raise AuthFailed(f"Bluesky refused a fresh session ({exc})") from None

    def _headers(self, chat: bool) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.access}"}
        if chat:
            headers["atproto-proxy"] = CHAT_PROXY
        return headers

    def _refresh(self) -> None:
        try:
            headers = {"Authorization": f"Bearer {self.refresh}"}
            session = self._send("POST", "com.atproto.server.refreshSession", headers)
            self._keep(as_dict(session))
        except (_Expired, AuthFailed):
            self.sign_in()

    def _keep(self, session: dict[str, Any]) -> None:
        self.access = opt_str(session, "accessJwt")
        self.refresh = opt_str(session, "refreshJwt")
        self.did = opt_str(session, "did") or self.did

    def _send(self, method: str, nsid: str, headers: dict[str, str] | None, **kw: Any) -> Any:
        with transport_errors(PLATFORM):
            response = self.http.request(method, f"{self.base}/xrpc/{nsid}", headers=headers, **kw)
        self._raise_for(response)
        try:
            return load_json(response.content, "the Bluesky response") if response.content else {}
        except HeedfulError as exc:
            raise TransientFailure(
                f"Bluesky sent an unreadable answer ({detail(response)})"
            ) from exc

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in (400, 401) and any(code in response.text for code in EXPIRED):
            raise _Expired(detail(response))
        if status == 429:
            raise RateLimited(
                self._retry_after(response), f"Bluesky rate limit ({detail(response)})"
            )
        raise_for_status(response, PLATFORM)

    def _retry_after(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("ratelimit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - self.clock.now().timestamp())
        return retry_after_seconds(response, self.clock.now())


class _Expired(HeedfulError):
    """The access token expired: refresh the session and try once more."""
