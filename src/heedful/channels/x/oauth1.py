"""OAuth 1.0a request signing (HMAC-SHA1) as an ``httpx.Auth``: X's user-context auth that
never expires, which suits a server that polls for years.

The signature covers the method, the URL without its query, and every query and
form-encoded body parameter (RFC 5849 section 3.4); JSON bodies are not signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator
from urllib.parse import parse_qsl, quote

import httpx


def _enc(value: str) -> str:
    return quote(value, safe="~")


class OAuth1(httpx.Auth):
    requires_request_body = True

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        token: str,
        token_secret: str,
        *,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
        timestamp: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token = token
        self.token_secret = token_secret
        self.nonce = nonce
        self.timestamp = timestamp

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization(request)
        yield request

    def authorization(self, request: httpx.Request) -> str:
        oauth = {
            "oauth_consumer_key": self.consumer_key,
            "oauth_nonce": self.nonce(),
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": str(self.timestamp()),
            "oauth_token": self.token,
            "oauth_version": "1.0",
        }
        oauth["oauth_signature"] = self.signature(request, oauth)
        fields = ", ".join(f'{_enc(k)}="{_enc(v)}"' for k, v in sorted(oauth.items()))
        return f"OAuth {fields}"

    def signature(self, request: httpx.Request, oauth: dict[str, str]) -> str:
        params = [*request.url.params.multi_items(), *oauth.items(), *_form_params(request)]
        normalized = "&".join(f"{k}={v}" for k, v in sorted((_enc(k), _enc(v)) for k, v in params))
        url = request.url.copy_with(query=None, fragment=None)
        base = "&".join((request.method.upper(), _enc(str(url)), _enc(normalized)))
        key = f"{_enc(self.consumer_secret)}&{_enc(self.token_secret)}"
        digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()


def _form_params(request: httpx.Request) -> list[tuple[str, str]]:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return []
    return parse_qsl(request.content.decode(), keep_blank_values=True)
