"""Coach rules are found through the ``heedful.coach.rules`` entry-point group. The built-in
rules are registered in pyproject.toml exactly as a third-party package registers its own::

    [project.entry-points."heedful.coach.rules"]
    my_rule = "my_package.rules:MyRule"   # the name is the rule's id
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

from heedful.coach.rules.base import Rule
from heedful.errors import ConfigError

ENTRY_POINT_GROUP = "heedful.coach.rules"
AnyRule = type[Rule[Any]]


@cache
def rule_classes() -> dict[str, AnyRule]:
    """Every installed rule class by id, in a stable order."""
    found: dict[str, AnyRule] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Rule)):
            raise ConfigError(f"entry point {ep.name} = {ep.value} is not a coach Rule")
        if cls.id != ep.name:
            raise ConfigError(f"entry point {ep.name} names a rule with id {cls.id}")
        found[ep.name] = cls
    return found


def rule_class(rule_id: str) -> AnyRule:
    try:
        return rule_classes()[rule_id]
    except KeyError:
        known = ", ".join(sorted(rule_classes())) or "none"
        raise ConfigError(f"unknown coach rule {rule_id!r} (installed: {known})") from None
