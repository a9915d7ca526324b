"""A local stand-in for a social platform, for tests and benchmarks (never for production).

:class:`FakePlatform` is a real HTTP server on 127.0.0.1 that takes posts, counts them by
idempotency key (so duplicates are visible), and injects failures: errors before posting,
errors *after* posting (the response is lost: the hard case), and rate limits with
``Retry-After``. ``GET /posts?key=K`` lets a client look for a post, as platforms that list an
account's recent posts do.

:class:`FakePlatformAdapter` (slug ``fake``) speaks to it: webhook bodies in the generic
webhook format (HMAC-signed), replies out, ``find_delivered`` by key. It is not registered
as an entry point; tests and benches resolve it with :func:`resolver_with_fake`.
"""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    OutboundMessage,
    ParseResult,
)
from heedful.channels.registry import adapter_class
from heedful.channels.webhook.parse import parse_body
from heedful.channels.webhook.signing import verify_signed
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure

SLUG = "fake"


@dataclass
class Faults:
    """Share of post requests that fail, each way (0.0–1.0), drawn from a seeded generator."""

    error_before: float = 0.0  # 500, nothing posted
    error_after: float = 0.0  # posted, then 500: the client cannot know
    rate_limited: float = 0.0  # 429 with Retry-After
    retry_after: float = 1.0
    seed: int = 7


@dataclass
class PlatformState:
    posts: list[dict[str, Any]] = field(default_factory=list)
    by_key: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)

    def stats(self) -> dict[str, Any]:
        duplicates = sum(count - 1 for count in self.by_key.values() if count > 1)
        return {
            "posts": len(self.posts),
            "unique_keys": len(self.by_key),
            "duplicates": duplicates,
            "injected": dict(self.injected),
        }


class FakePlatform:
    """The server; ``with FakePlatform(faults) as platform:`` serves on ``platform.url``."""

    def __init__(self, faults: Faults | None = None, port: int = 0) -> None:
        self.faults = faults or Faults()
        self.state = PlatformState()
        self._lock = threading.Lock()
        self._random = random.Random(self.faults.seed)  # noqa: S311 - fault injection, not crypto
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakePlatform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def post(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Handle one post request: (status, JSON body, headers)."""
        with self._lock:
            draw = self._random.random()
            f = self.faults
            if draw < f.rate_limited:
                self.state.injected["rate_limited"] += 1
                return 429, {"error": "slow down"}, {"Retry-After": str(f.retry_after)}
            if draw < f.rate_limited + f.error_before:
                self.state.injected["error_before"] += 1
                return 500, {"error": "try again"}, {}
            post = self._store(body)
            if draw < f.rate_limited + f.error_before + f.error_after:
                self.state.injected["error_after"] += 1
                return 502, {"error": "bad gateway"}, {}
            return 200, post, {}

    def _store(self, body: Mapping[str, Any]) -> dict[str, Any]:
        post = {
            "id": f"p{len(self.state.posts) + 1}",
            "key": str(body.get("key") or ""),
            "text": str(body.get("text") or ""),
            "in_reply_to": body.get("in_reply_to"),
        }
        self.state.posts.append(post)
        self.state.by_key[str(post["key"])] += 1
        return post

    def find(self, key: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for p in self.state.posts if p["key"] == key]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return self.state.stats()


def _handler(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, {"error": "not JSON"})
                return
            if self.headers.get("Authorization") != "Bearer good":
                self._send(401, {"error": "bad token"})
                return
            self._send(*platform.post(body))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/stats":
                self._send(200, platform.stats())
            elif url.path == "/posts":
                key = parse_qs(url.query).get("key", [""])[0]
                self._send(200, {"data": platform.find(key)})
            else:
                self._send(404, {"error": "no such path"})

        def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


# -- the adapter -------------------------------------------------------------------------------


class FakePlatformConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "http://127.0.0.1:9"
    token: SecretStr = SecretStr("good")
    secret: SecretStr = SecretStr("")  # webhook HMAC secret
    tolerance_seconds: int = 300


class FakePlatformAdapter(ChannelAdapter[FakePlatformConfig]):
    slug: ClassVar[str] = SLUG
    name: ClassVar[str] = "Fake platform (tests)"
    config_model: ClassVar[type[BaseModel]] = FakePlatformConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        webhook=True, public_reply=True, private_message=True, find_delivered=True
    )

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        parsed = parse_body(body)
        events = tuple(dataclasses.replace(e, channel=SLUG) for e in parsed.events)
        return ParseResult(events, parsed.ignored)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self.config.secret.get_secret_value()
        return verify_signed(secret, headers, body, self.clock.now(), self.config.tolerance_seconds)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        payload = {
            "key": message.extra.get("idempotency_key") or str(message.outbox_id),
            "text": message.text,
            "in_reply_to": message.in_reply_to,
        }
        response = self._call("POST", "/posts", json=payload)
        return DeliveryResult(external_id=str(response.json()["id"]), sent_at=self.clock.now())

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        key = message.extra.get("idempotency_key") or str(message.outbox_id)
        found = self._call("GET", "/posts", params={"key": key}).json()["data"]
        return DeliveryResult(external_id=str(found[0]["id"])) if found else None

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.config.token.get_secret_value()}"}
        try:
            response = self.http.request(
                method, self.config.base_url + path, headers=headers, timeout=5.0, **kwargs
            )
        except httpx.HTTPError as exc:
            raise TransientFailure(f"fake platform unreachable: {exc}") from None
        _raise_for(response)
        return response


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise RateLimited(float(response.headers.get("Retry-After") or 1))
    if status in (401, 403):
        raise AuthFailed(f"fake platform: {status}")
    if status >= 500:
        raise TransientFailure(f"fake platform: {status}")
    raise PermanentFailure(f"fake platform: {status} {response.text[:200]}")


def resolver_with_fake(slug: str) -> type[ChannelAdapter[Any]]:
    """The adapter registry, plus the fake platform's adapter."""
    if slug == SLUG:
        return FakePlatformAdapter
    return adapter_class(slug)
