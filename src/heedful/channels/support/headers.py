"""Case-insensitive header lookup over whatever mapping a caller hands an adapter."""

from __future__ import annotations

from collections.abc import Mapping


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """The value of header ``name`` (any case), or None when absent."""
    if not headers:
        return None
    direct = headers.get(name)
    if direct is not None:
        return direct
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
