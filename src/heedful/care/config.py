"""A workspace's care settings (``workspace.settings["care"]``): signatures, the team's name
and boundaries, out-of-hours acknowledgements, how unowned work is assigned, reminders.

Business hours and SLA policies have their own tables (see ``heedful.care.calendars``)."""

from __future__ import annotations

import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ValidationFailed
from heedful.services.workspace_settings import set_area_settings
from heedful.store.tables import Workspace

AREA = "care"
PLACEHOLDERS = frozenset({"initials", "name", "first_name", "team", "workspace"})


class CareSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Signature formats: {initials}, {name}, {first_name}, {team}, {workspace}.
    signature: str = " ^{initials}"
    signatures: dict[str, str] = Field(default_factory=dict)  # per channel, e.g. email
    team: str | None = None  # signs automatic messages; default "The <workspace> team"
    handles: str | None = None  # what the account is for, said in acknowledgements
    acknowledge_out_of_hours: bool = False
    assignment: Literal["off", "round_robin", "least_loaded"] = "least_loaded"
    remind_before_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    presence_seconds: int = Field(default=90, ge=10, le=3600)  # "is drafting here" lasts

    @field_validator("signature")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        _check_format(value)
        return value

    @field_validator("signatures")
    @classmethod
    def _known_placeholders_each(cls, value: dict[str, str]) -> dict[str, str]:
        for fmt in value.values():
            _check_format(fmt)
        return value

    def team_name(self, workspace: Workspace) -> str:
        return self.team or f"The {workspace.name} team"


def _check_format(fmt: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        raise ValueError(f"signature {fmt!r} is not a valid format: {exc}") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {sorted(unknown)} in signature {fmt!r}; "
            f"use {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}"
        )


def parse_care_settings(document: dict[str, Any] | None) -> CareSettings:
    try:
        return CareSettings.model_validate(document or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "care settings"
        raise ValidationFailed(f"{where}: {first['msg']}") from None


def care_settings(workspace: Workspace) -> CareSettings:
    return parse_care_settings((workspace.settings or {}).get(AREA))


def update_care_settings(
    session: Session,
    workspace: Workspace,
    changes: dict[str, Any],
    *,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> CareSettings:
    """Change some care settings (validated, logged); returns the new settings."""
    document = {**care_settings(workspace).model_dump(exclude_defaults=True), **changes}
    set_area_settings(
        session,
        workspace,
        AREA,
        document,
        validate=parse_care_settings,
        clock=clock,
        actor_agent_id=actor_agent_id,
    )
    return parse_care_settings(document)
