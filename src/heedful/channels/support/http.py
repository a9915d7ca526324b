"""HTTP responses and transport failures to the typed channel errors of :mod:`heedful.errors`.

Adapters call :func:`raise_for_status` after every platform call and wrap the call itself in
:func:`transport_errors`, so the outbox sees ``AuthFailed``, ``RateLimited``,
``PermanentFailure`` or ``TransientFailure`` and never an ``httpx`` exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure

MAX_DETAIL = 300


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` header as seconds (delta or HTTP date); None when absent/unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def detail(response: httpx.Response) -> str:
    """A short, log-safe description of a failed response (never the request, which may
    carry a token)."""
    body = response.text.strip().replace("\n", " ")
    if len(body) > MAX_DETAIL:
        body = body[:MAX_DETAIL] + "…"
    return f"HTTP {response.status_code}: {body}" if body else f"HTTP {response.status_code}"


def raise_for_status(response: httpx.Response, platform: str) -> None:
    """Raise the typed error a non-2xx response means; return quietly on success."""
    status = response.status_code
    if status < 300:
        return
    what = f"{platform} refused the call ({detail(response)})"
    if status in (401, 403):
        raise AuthFailed(what)
    if status == 429:
        raise RateLimited(retry_after_seconds(response), what)
    if status >= 500 or status in (408, 425):
        raise TransientFailure(what)
    raise PermanentFailure(what)


@contextmanager
def transport_errors(platform: str) -> Iterator[None]:
    """Timeouts and connection failures are transient: the outbox retries them."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientFailure(f"{platform} did not answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise TransientFailure(f"could not reach {platform} ({type(exc).__name__})") from exc
