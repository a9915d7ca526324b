"""Adapters are found through the ``heedful.channels`` entry-point group: built-in ones are
registered in pyproject.toml exactly as a third-party package would register its own."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from heedful.channels.base import ChannelAdapter
from heedful.errors import ConfigError

ENTRY_POINT_GROUP = "heedful.channels"


@cache
def adapter_classes() -> dict[str, type[ChannelAdapter]]:  # type: ignore[type-arg]
    found: dict[str, type[ChannelAdapter]] = {}  # type: ignore[type-arg]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, ChannelAdapter)):
            raise ConfigError(f"entry point {ep.name} = {ep.value} is not a ChannelAdapter")
        if cls.slug != ep.name:
            raise ConfigError(f"entry point {ep.name} names an adapter with slug {cls.slug}")
        found[ep.name] = cls
    return found


def adapter_class(slug: str) -> type[ChannelAdapter]:  # type: ignore[type-arg]
    try:
        return adapter_classes()[slug]
    except KeyError:
        known = ", ".join(sorted(adapter_classes())) or "none"
        raise ConfigError(f"unknown channel {slug!r} (installed: {known})") from None
