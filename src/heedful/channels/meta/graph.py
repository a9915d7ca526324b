"""A small Graph API client: the injected ``httpx.Client`` plus Meta's error mapping.

Graph errors arrive as ``{"error": {"message", "code", "error_subcode", "is_transient"}}``;
they map onto the typed channel errors so the outbox knows whether to pause the account
(``AuthFailed``), wait (``RateLimited``), give up (``PermanentFailure``) or retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from heedful.channels.meta.config import MetaConfig
from heedful.channels.support.http import detail, retry_after_seconds, transport_errors
from heedful.channels.support.signing import hmac_sha256_hex
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure

AUTH_CODES = frozenset({102, 190, 463, 467})  # invalid, expired or revoked access token
RATE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80006})  # app, user, page, BUC limits
TRANSIENT_CODES = frozenset({1, 2})  # "unknown error", "service temporarily unavailable"
WINDOW_SUBCODES = frozenset({2018278, 2534022})  # outside the allowed messaging window
UNAVAILABLE_CODES = frozenset({551})  # "this person isn't available right now"


class GraphClient:
    def __init__(self, http: httpx.Client, config: MetaConfig, platform: str) -> None:
        self.http = http
        self.config = config
        self.platform = platform

    def url(self, path: str) -> str:
        base = self.config.graph_url.rstrip("/")
        return f"{base}/{self.config.graph_version}/{path.lstrip('/')}"

    def post(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json=dict(payload))

    def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        return self._call("GET", path, params=dict(params))

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        token = self.config.access_token.get_secret_value()
        if not token:
            raise AuthFailed(f"{self.platform}: no access token configured for this account")
        params: dict[str, str] = kwargs.pop("params", {})
        secret = self.config.app_secret.get_secret_value()
        if secret:
            params["appsecret_proof"] = hmac_sha256_hex(secret, token.encode())
        headers = {"Authorization": f"Bearer {token}"}
        with transport_errors(self.platform):
            response = self.http.request(
                method, self.url(path), params=params, headers=headers, **kwargs
            )
        raise_for_graph_error(response, self.platform)
        return _json_object(response, self.platform)


def raise_for_graph_error(response: httpx.Response, platform: str) -> None:
    if response.status_code < 300:
        return
    error = _error_body(response)
    code, subcode = error.get("code"), error.get("error_subcode")
    what = f"{platform} refused the call: {error.get('message') or detail(response)}"
    if code is not None:
        what += f" (code {code}" + (f", subcode {subcode})" if subcode else ")")
    if code in AUTH_CODES or response.status_code == 401:
        raise AuthFailed(what)
    if code in RATE_CODES or response.status_code == 429:
        raise RateLimited(_retry_after(response), what)
    if subcode in WINDOW_SUBCODES:
        raise PermanentFailure(f"the messaging window is closed: {what}")
    if code in UNAVAILABLE_CODES:
        raise PermanentFailure(f"the recipient cannot be messaged: {what}")
    if error.get("is_transient") or code in TRANSIENT_CODES or response.status_code >= 500:
        raise TransientFailure(what)
    raise PermanentFailure(what)


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` when given, else the minutes ``X-Business-Use-Case-Usage`` reports."""
    header_value = retry_after_seconds(response)
    if header_value is not None:
        return header_value
    try:
        usage = orjson.loads(response.headers.get("x-business-use-case-usage", "{}"))
    except orjson.JSONDecodeError:
        return None
    minutes = [
        float(item.get("estimated_time_to_regain_access") or 0)
        for items in (usage.values() if isinstance(usage, dict) else ())
        for item in (items if isinstance(items, list) else ())
        if isinstance(item, dict)
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def _json_object(response: httpx.Response, platform: str) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        raise TransientFailure(f"{platform} answered with something that is not JSON") from None
    return body if isinstance(body, dict) else {"data": body}
