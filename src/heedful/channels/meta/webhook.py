"""Meta's webhook envelope: the GET verify-token handshake, the ``X-Hub-Signature-256``
check and reading ``{"object": …, "entry": [...]}`` bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from heedful.channels.support.headers import header
from heedful.channels.support.signing import secrets_equal, signature_matches
from heedful.errors import AuthFailed, InputRejected

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


def signature_valid(app_secret: str, headers: Mapping[str, str] | None, body: bytes) -> bool:
    """True when ``X-Hub-Signature-256`` is ``sha256=`` + HMAC-SHA256(app secret, raw body)."""
    given = header(headers, SIGNATURE_HEADER)
    if not given or not given.startswith(SIGNATURE_PREFIX):
        return False
    return signature_matches(app_secret, body, given[len(SIGNATURE_PREFIX) :])


def answer_handshake(verify_token: str, query: Mapping[str, str]) -> str:
    """The body to answer Meta's subscription check with (``hub.challenge``).

    Raises ``AuthFailed`` when the mode or the token is wrong: answer 403 then."""
    if query.get("hub.mode") != "subscribe":
        raise AuthFailed("webhook handshake: hub.mode is not 'subscribe'")
    if not secrets_equal(verify_token, query.get("hub.verify_token")):
        raise AuthFailed("webhook handshake: hub.verify_token does not match this account")
    challenge = query.get("hub.challenge")
    if not challenge:
        raise InputRejected("webhook handshake: hub.challenge is missing")
    return challenge


def load_envelope(body: bytes, expected_object: str) -> list[dict[str, Any]]:
    """The entries of a webhook body for ``expected_object`` ("page" or "instagram")."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputRejected(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or "entry" not in payload:
        raise InputRejected("not a Meta webhook body: no 'entry' list")
    found = payload.get("object")
    if found != expected_object:
        raise InputRejected(
            f"webhook object is {found!r}, this channel reads {expected_object!r} payloads"
        )
    entries = payload["entry"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputRejected("'entry' is not a list of objects")
    return entries


def as_id(value: object) -> str | None:
    """Meta ids arrive as strings or JSON numbers; Heedful keeps them as strings."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None
