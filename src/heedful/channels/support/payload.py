"""Reading JSON payloads that leave parts out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sub(value: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``value[key]`` when it is an object, else an empty one."""
    found = value.get(key)
    return found if isinstance(found, dict) else {}


def text_or_none(value: object) -> str | None:
    """A present, non-empty value as a string; None otherwise."""
    return str(value) if value not in (None, "") else None
