"""The normalized inbound event: what every source (importer, connector, webhook) produces.

Connectors map platform payloads to :class:`InboundEvent`; the ingest service is the only code
that turns events into stored contacts, conversations and messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from heedful.domain.enums import Direction, MessageKind, Visibility

# The bounds of a storable event (see validate_event).
MAX_TEXT_CHARS = 100_000
MAX_ID_CHARS = 255


# Not frozen: a frozen dataclass is ~5x slower to build, and an import builds millions.
# Treat instances as values all the same (use dataclasses.replace to change one).
@dataclass(slots=True)
class Author:
    """Who wrote a message, as the platform identifies them."""

    external_id: str  # the platform's stable id (X user id, Mastodon account id, e-mail address)
    handle: str | None = None  # @name, acct, e-mail address
    display_name: str | None = None
    followers: int | None = None  # reach, when the platform gives it

    def as_json(self) -> dict[str, Any]:
        return {
            "external_id": self.external_id,
            "handle": self.handle,
            "display_name": self.display_name,
            "followers": self.followers,
        }


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message, kept as a reference, never inlined in the text."""

    filename: str | None
    content_type: str | None
    size: int | None = None
    url: str | None = None  # where the platform serves it
    ref: str | None = None  # where Heedful stored it (e.g. "blob:sha256:…")


@dataclass(slots=True)
class InboundEvent:
    """One message, as a source saw it, before Heedful stores it.

    ``direction`` is OUTBOUND for the brand's own messages seen by a source (an imported brand
    reply, a Messenger echo): they thread the same way and count as responses.
    """

    channel: str  # adapter slug: "x", "mastodon", "bluesky", "facebook", "email", …
    external_id: str  # the platform's id of this message: unique per channel
    author: Author
    text: str
    created_at: datetime  # aware UTC
    kind: MessageKind = MessageKind.POST
    direction: Direction = Direction.INBOUND
    visibility: Visibility = Visibility.PUBLIC
    in_reply_to: str | None = None  # the platform id of the message this one answers
    thread_ref: str | None = None  # a platform conversation id (DM thread, e-mail root Message-ID)
    references: tuple[str, ...] = ()  # other ids it relates to (e-mail References)
    account_ref: str | None = None  # the brand's channel account it reached (page id, for_user_id)
    subject: str | None = None
    url: str | None = None
    unsolicited: bool = False  # found by listening: the brand was talked about, not addressed
    rating: float | None = None  # reviews
    language: str | None = None
    attachments: tuple[Attachment, ...] = ()
    raw_ref: str | None = None  # where the raw payload is kept ("raw_event:42", "file.csv#L17")
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape printed by ``heedful channels parse``."""
        return {
            "channel": self.channel,
            "kind": self.kind.value,
            "external_id": self.external_id,
            "author": self.author.as_json(),
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "in_reply_to": self.in_reply_to,
            "visibility": self.visibility.value,
            "direction": self.direction.value,
            "thread_ref": self.thread_ref,
            "references": list(self.references),
            "account_ref": self.account_ref,
            "subject": self.subject,
            "url": self.url,
            "unsolicited": self.unsolicited,
            "rating": self.rating,
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": a.url,
                    "ref": a.ref,
                }
                for a in self.attachments
            ],
        }


def event_from_json(data: Mapping[str, Any]) -> InboundEvent:
    """Build an event from the JSON shape of :meth:`InboundEvent.as_json` (the documented
    JSONL import schema). Raises :class:`~heedful.errors.InputRejected` with a plain reason."""
    from heedful.errors import InputRejected

    if not isinstance(data, Mapping):
        raise InputRejected("an event must be a JSON object")
    try:
        author_data = data["author"]
        if not isinstance(author_data, Mapping):
            raise InputRejected("author must be an object")
        author = Author(
            external_id=_required_str(author_data, "external_id", "author.external_id"),
            handle=_optional_str(author_data, "handle"),
            display_name=_optional_str(author_data, "display_name"),
            followers=_optional_int(author_data, "followers"),
        )
        return InboundEvent(
            channel=_required_str(data, "channel"),
            external_id=_required_str(data, "external_id"),
            author=author,
            text=_text(data),
            created_at=_aware(data.get("created_at")),
            kind=MessageKind(data.get("kind") or MessageKind.POST.value),
            direction=Direction(data.get("direction") or Direction.INBOUND.value),
            visibility=Visibility(data.get("visibility") or Visibility.PUBLIC.value),
            in_reply_to=_optional_str(data, "in_reply_to"),
            thread_ref=_optional_str(data, "thread_ref"),
            references=tuple(str(r) for r in data.get("references") or ()),
            account_ref=_optional_str(data, "account_ref"),
            subject=_optional_str(data, "subject"),
            url=_optional_str(data, "url"),
            unsolicited=bool(data.get("unsolicited", False)),
            rating=float(data["rating"]) if data.get("rating") is not None else None,
            raw_ref=_optional_str(data, "raw_ref"),
        )
    except KeyError as exc:
        raise InputRejected(f"missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise InputRejected(str(exc)) from None


def _required_str(data: Mapping[str, Any], key: str, label: str | None = None) -> str:
    value = data[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{label or key} must be a non-empty string")
    return value


def validate_event(event: InboundEvent, max_text_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why this event cannot be stored, in plain words; ``None`` when it can."""
    if not event.channel or len(event.channel) > 32:
        return "missing or over-long channel"
    if not event.external_id or len(event.external_id) > MAX_ID_CHARS:
        return "missing or over-long message id"
    if not event.author.external_id or len(event.author.external_id) > MAX_ID_CHARS:
        return "missing or over-long author id"
    for name in ("handle", "display_name"):
        value = getattr(event.author, name)
        if value is not None and len(value) > MAX_ID_CHARS:
            return f"author {name} longer than {MAX_ID_CHARS} characters"
    for name in ("in_reply_to", "thread_ref", "account_ref"):
        value = getattr(event, name)
        if value is not None and len(value) > MAX_ID_CHARS:
            return f"{name} longer than {MAX_ID_CHARS} characters"
    if event.created_at.tzinfo is None:
        return "created_at has no time zone"
    if len(event.text) > max_text_chars:
        return f"text of {len(event.text):,} characters is over the {max_text_chars:,} limit"
    if "\x00" in event.text:
        return "text contains NUL characters"
    if event.author.followers is not None and not 0 <= event.author.followers < 2**62:
        return "impossible follower count"
    return None


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{key} must be an integer")
    return int(value)


def _text(data: Mapping[str, Any]) -> str:
    value = data.get("text", "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("text must be a string")
    return value


def _aware(value: Any) -> datetime:
    from datetime import UTC

    if not isinstance(value, str):
        raise ValueError("created_at must be an ISO-8601 string with a UTC offset")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("created_at has no UTC offset")
    return parsed.astimezone(UTC)
