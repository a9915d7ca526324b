"""Account Activity webhooks: the CRC challenge and the body signature, both HMAC-SHA256 with
the app's consumer secret, base64-encoded and prefixed ``sha256=``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from heedful.channels.base import WebhookChallenge
from heedful.channels.support.headers import header
from heedful.errors import InputRejected

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def _sign(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(secret: str, query: Mapping[str, str]) -> WebhookChallenge:
    """X's GET ``?crc_token=…`` check: prove we hold the consumer secret."""
    token = query.get("crc_token")
    if not token:
        raise InputRejected("the X CRC check has no crc_token")
    body = json.dumps({"response_token": _sign(secret, token.encode())}).encode()
    return WebhookChallenge(body=body)


def signature_valid(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    given = header(headers, SIGNATURE_HEADER)
    if not secret or not given:
        return False
    return hmac.compare_digest(_sign(secret, body).encode(), given.strip().encode())
