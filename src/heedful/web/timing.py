"""``Server-Timing: app;dur=…``: how long the server took to start answering each request (in
milliseconds, from the request's arrival at the app to its response's first line), so the
pages' server time can be read from any client (browser dev tools, ``bench/pages.py``)."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    """A pure ASGI middleware (a few microseconds a request; streams pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - start) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", b"app;dur=%.1f" % took))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)
