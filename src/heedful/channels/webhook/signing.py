"""Signed requests, both directions: ``X-Heedful-Timestamp`` (Unix seconds) and
``X-Heedful-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>``.

Binding the timestamp into the signature and refusing stale timestamps stops replays of a
captured request; several ``v1=`` values (comma-separated) allow rotating the secret."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from heedful.channels.support.headers import header
from heedful.channels.support.signing import hmac_sha256_hex, signature_matches

TIMESTAMP_HEADER = "X-Heedful-Timestamp"
SIGNATURE_HEADER = "X-Heedful-Signature"
SCHEME = "v1"


def signed_message(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode() + b"." + body


def sign(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers that make ``body`` a valid request at ``now``."""
    timestamp = str(int(now.timestamp()))
    signature = hmac_sha256_hex(secret, signed_message(timestamp, body))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: f"{SCHEME}={signature}"}


def verify_signed(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: float
) -> bool:
    timestamp = header(headers, TIMESTAMP_HEADER)
    given = header(headers, SIGNATURE_HEADER)
    if not (secret and timestamp and given) or not timestamp.strip().isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        return False
    message = signed_message(timestamp.strip(), body)
    candidates = [part.strip() for part in given.split(",")]
    results = [
        signature_matches(secret, message, value.partition("=")[2])
        for value in candidates
        if value.partition("=")[0] == SCHEME
    ]
    return any(results)
