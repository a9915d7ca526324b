"""HMAC-SHA256 signatures, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def hmac_sha256_hex(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_matches(secret: str | bytes, message: bytes, given_hex: str | None) -> bool:
    """True when ``given_hex`` is the HMAC-SHA256 of ``message``; never short-circuits on
    the first differing character, and an empty secret never matches anything."""
    if not secret or not given_hex:
        return False
    expected = hmac_sha256_hex(secret, message)
    return hmac.compare_digest(expected.encode(), given_hex.strip().lower().encode())


def secrets_equal(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two shared tokens; an empty expected token never matches."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
