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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
