"""Secrets at rest (channel tokens, passwords): Fernet (AES-128-CBC + HMAC-SHA256) with a key
derived from the instance secret key by HKDF. Values are never logged."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from heedful.errors import ConfigError


class SecretBox:
    """Encrypts and decrypts JSON documents of secrets with the instance key."""

    def __init__(self, secret_key: str, purpose: str = "channel-secrets") -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"heedful", info=purpose.encode()
        ).derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def encrypt(self, secrets: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(secrets).encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        try:
            data = self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            raise ConfigError(
                "stored secrets cannot be decrypted: was HEEDFUL_SECRET_KEY changed?"
            ) from None
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ConfigError("stored secrets are not a JSON object")
        return value
