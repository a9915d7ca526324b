"""Adapters are found through the ``heedful.channels`` entry-point group: built-in ones are
registered in pyproject.toml exactly as a third-party package would register its own.

Adapters load lazily, one at a time: a third-party adapter that fails to import makes its own
channel unavailable (with the reason) and leaves every other channel working.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from heedful.channels.base import ChannelAdapter
from heedful.errors import ConfigError

ENTRY_POINT_GROUP = "heedful.channels"
log = logging.getLogger(__name__)

AdapterClass = type[ChannelAdapter]  # type: ignore[type-arg]


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_slugs() -> list[str]:
    """Every registered channel slug, loaded or not."""
    return sorted(_entry_points())


@cache
def _load(slug: str) -> AdapterClass:
    ep = _entry_points()[slug]
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plugin must not take the others down
        raise ConfigError(f"channel {slug!r} ({ep.value}) failed to load: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, ChannelAdapter)):
        raise ConfigError(f"entry point {ep.name} = {ep.value} is not a ChannelAdapter")
    if cls.slug != ep.name:
        raise ConfigError(f"entry point {ep.name} names an adapter with slug {cls.slug}")
    return cls


def adapter_class(slug: str) -> AdapterClass:
    if slug not in _entry_points():
        known = ", ".join(available_slugs()) or "none"
        raise ConfigError(f"unknown channel {slug!r} (installed: {known})")
    return _load(slug)


def adapter_classes() -> dict[str, AdapterClass]:
    """The adapters that load; broken ones are logged and left out (see broken_adapters)."""
    found: dict[str, AdapterClass] = {}
    for slug in available_slugs():
        try:
            found[slug] = _load(slug)
        except ConfigError as exc:
            log.error("%s", exc)
    return found


def broken_adapters() -> dict[str, str]:
    """Registered channels that fail to load, with the reason."""
    broken = {}
    for slug in available_slugs():
        try:
            _load(slug)
        except ConfigError as exc:
            broken[slug] = str(exc)
    return broken
