"""The documented JSON schema of generic webhook bodies (see doc.md), as pydantic models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from heedful.domain import Direction, MessageKind, Visibility

MAX_EVENTS = 1000
MAX_TEXT = 100_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AuthorIn(_Strict):
    id: str = Field(min_length=1, max_length=255)
    handle: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=255)
    followers: int | None = Field(default=None, ge=0)


class AttachmentIn(_Strict):
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=255)
    size: int | None = Field(default=None, ge=0)
    url: str | None = Field(default=None, max_length=2000)


class EventIn(_Strict):
    id: str = Field(min_length=1, max_length=255)
    text: str = Field(max_length=MAX_TEXT)
    created_at: AwareDatetime
    author: AuthorIn
    kind: MessageKind = MessageKind.POST
    visibility: Visibility = Visibility.PUBLIC
    direction: Direction = Direction.INBOUND
    in_reply_to: str | None = Field(default=None, max_length=255)
    thread: str | None = Field(default=None, max_length=255)
    references: list[str] = Field(default_factory=list, max_length=100)
    subject: str | None = Field(default=None, max_length=998)
    url: str | None = Field(default=None, max_length=2000)
    rating: float | None = Field(default=None, ge=0, le=10)
    language: str | None = Field(default=None, max_length=16)
    unsolicited: bool = False
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _not_a_note(cls, value: MessageKind) -> MessageKind:
        if value is MessageKind.NOTE:
            raise ValueError("internal notes cannot come from outside")
        return value

    @property
    def created_utc(self) -> datetime:
        return self.created_at.astimezone(UTC)


class BodyIn(_Strict):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)
