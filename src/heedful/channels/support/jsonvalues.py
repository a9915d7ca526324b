"""Typed reads from decoded JSON: platforms send ``Any``; adapters want ``str | None``.

Each helper returns a safe empty value for a missing or wrongly typed field, so parsers state
what they need and decide, field by field, what a gap means.
"""

from __future__ import annotations

import json
from typing import Any

from heedful.errors import InputRejected


def load_json(body: bytes | str, what: str) -> Any:
    """Decode a JSON payload; anything else is refused with a plain reason."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputRejected(f"{what} is not JSON ({type(exc).__name__}: {exc})") from None


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON array (other items dropped)."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def document_items(value: list[Any], platform: str) -> list[dict[str, Any]]:
    """The items of a payload that is a JSON array at its top: all objects, or refused with
    the first item that is not (a whole payload is never dropped without a word)."""
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputRejected(
                f"not a valid {platform} payload: item {index} of the array is "
                f"{type(item).__name__}, not an object"
            )
    return value


def opt_str(data: dict[str, Any], key: str) -> str | None:
    """A non-empty string field, or None."""
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def opt_int(data: dict[str, Any], key: str) -> int | None:
    """An integer field (numbers and digit strings), or None; booleans are not integers."""
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def clean_text(text: str) -> str:
    """Text safe to store and print: surrogate pairs joined, lone surrogates replaced.

    JSON allows ``\\uD83E\\uDD41`` escapes; a decoder that meets half a pair leaves a lone
    surrogate, which no UTF-8 encoder accepts."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
