"""Test support shared by every channel's tests: a local HTTP server that replays recorded
platform responses, and the checks every parsed payload must pass.

:class:`PlatformServer` listens on 127.0.0.1 on a free port; an adapter under test gets an
ordinary ``httpx.Client`` and a config whose base URL points at the server, so the real client
code runs (auth headers, pagination, error mapping) with no patched globals. Responses come from
recorded cassettes or ``.bodyN.json`` files; every request the server receives is recorded for
assertions. A request that matches no canned response gets a 404 and lands in ``unmatched``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from heedful.channels.recorded import RecordedInteraction, load_cassette
from heedful.domain import InboundEvent, MessageKind, Visibility

# Recorded headers that describe the recorded transfer, not the response: never replayed.
HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class CannedResponse:
    method: str
    path: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    query: Mapping[str, str] | None = None  # only requests with these parameters match
    times: int | None = 1  # how often it may be served; None: for ever

    def matches(self, request: ReceivedRequest) -> bool:
        if self.times == 0 or request.method != self.method or request.path != self.path:
            return False
        wanted = self.query or {}
        return all(request.param(k) == v for k, v in wanted.items())


class PlatformServer:
    """A fake platform on 127.0.0.1 that serves canned (recorded) responses."""

    def __init__(self) -> None:
        self.routes: list[CannedResponse] = []
        self.requests: list[ReceivedRequest] = []
        self.unmatched: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> PlatformServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> PlatformServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what to serve --------------------------------------------------------------------

    def add(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | list[Any] = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> CannedResponse:
        data = body if isinstance(body, bytes) else _encode(body)
        kept = {k.lower(): v for k, v in (headers or {}).items() if k.lower() not in HOP_HEADERS}
        route = CannedResponse(method.upper(), path, status, data, kept, query, times)
        with self._lock:
            self.routes.append(route)
        return route

    def add_recorded(
        self,
        interaction: RecordedInteraction,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> CannedResponse:
        """Serve a recorded response where it was recorded (or at ``method``/``path``)."""
        return self.add(
            method or interaction.method,
            path or interaction.path,
            interaction.body,
            status=status or interaction.status,
            headers={**interaction.headers, **(headers or {})},
            times=times,
        )

    def add_cassette(self, cassette: Path) -> list[CannedResponse]:
        return [self.add_recorded(i) for i in load_cassette(cassette)]

    def add_file(self, method: str, path: str, file: Path, **kwargs: Any) -> CannedResponse:
        return self.add(method, path, file.read_bytes(), **kwargs)

    # --- what was asked -----------------------------------------------------------------

    def requests_to(self, path: str, method: str | None = None) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def _respond(self, request: ReceivedRequest) -> CannedResponse:
        with self._lock:
            self.requests.append(request)
            for route in self.routes:
                if route.matches(request):
                    if route.times is not None:
                        route.times -= 1
                    return route
            self.unmatched.append(request)
        body = {"error": f"no recorded response for {request.method} {request.path}"}
        return CannedResponse(request.method, request.path, 404, _encode(body))


def _encode(body: str | dict[str, Any] | list[Any]) -> bytes:
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _handler_for(server: PlatformServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            url = urlsplit(self.path)
            request = ReceivedRequest(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            route = server._respond(request)
            self.send_response(route.status)
            headers = {"content-type": "application/json; charset=utf-8", **route.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


# --- checks every parsed event must pass ---------------------------------------------------


def event_problems(event: InboundEvent, channel: str) -> list[str]:
    """What is wrong with a parsed event (empty when it is well formed)."""
    problems = []
    data = event.as_json()
    if event.channel != channel:
        problems.append(f"channel {event.channel!r} is not {channel!r}")
    if not event.external_id or not event.author.external_id:
        problems.append("an empty external id")
    if event.created_at.utcoffset() != timedelta(0):
        problems.append(f"created_at {event.created_at!r} is not aware UTC")
    followers = event.author.followers
    if followers is not None and (not isinstance(followers, int) or followers < 0):
        problems.append(f"followers {followers!r}")
    if (event.kind is MessageKind.DM) != (event.visibility is Visibility.PRIVATE):
        problems.append(f"kind {event.kind} with visibility {event.visibility}")
    if event.in_reply_to is not None and not event.in_reply_to:
        problems.append("an empty in_reply_to")
    problems.extend(_json_problems(data))
    return problems


def _json_problems(data: dict[str, Any]) -> list[str]:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        return [f"not printable as JSON: {exc}"]
    return (
        [] if "+" in data["created_at"][19:] else [f"created_at {data['created_at']} has no offset"]
    )


def payload_files(folder: Path) -> list[Path]:
    """The payload files of a folder of ../shared/data/payloads (READMEs left out)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() != ".md")


def all_problems(events: Iterable[InboundEvent], channel: str) -> list[str]:
    return [f"{e.external_id}: {p}" for e in events for p in event_problems(e, channel)]
