"""The channel adapter interface. One adapter per platform, registered by entry point.

An adapter knows its platform and nothing of Heedful's store: it turns payloads into
normalized :class:`~heedful.domain.InboundEvent` objects (``parse``), fetches new ones
(``poll``), checks webhook signatures (``verify``) and sends replies (``send``), raising the
typed errors of :mod:`heedful.errors` (``RateLimited``, ``AuthFailed``, ``PermanentFailure``,
``TransientFailure``). The core owns identity, idempotency, threading and retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

import httpx
from pydantic import BaseModel

from heedful.clock import Clock, SystemClock
from heedful.domain import InboundEvent, Visibility
from heedful.errors import Unsupported

# InboundEvent.extra key: where answers to this message must go when that is not its author
# (an e-mail's Reply-To). The core keeps it with the message and replies there.
REPLY_TO_KEY = "reply_to"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can do; core code asks these instead of testing the channel's name."""

    poll: bool = False
    webhook: bool = False
    public_reply: bool = False
    private_message: bool = False
    max_length: int | None = None  # characters (as the platform counts them) per message
    length_unit: str = "characters"  # "characters", "weighted" (X), "graphemes" (Bluesky)
    reply_window: timedelta | None = None  # e.g. Messenger's 24-hour window for private replies
    listening: bool = False  # can search for unsolicited mentions
    signature_default: str = " ^{initials}"  # how agents sign public replies on this channel
    # send() hands the outbox id to the platform as an idempotency key: resending is safe
    idempotent_send: bool = False
    # find_delivered() can look on the platform for a reply sent before a crash
    find_delivered: bool = False
    # A private reply can answer a public comment directly (Meta's "private replies": one
    # message to the comment's author, addressed by the comment id, no recipient id needed),
    # within this long of the comment.
    comment_private_reply: bool = False
    comment_private_reply_window: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A payload item the adapter deliberately does not turn into a message, and why."""

    reason: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    events: Sequence[InboundEvent] = ()
    ignored: Sequence[Ignored] = ()


@dataclass(frozen=True, slots=True)
class PollResult:
    events: Sequence[InboundEvent]
    # stored on the channel account, given back at the next poll; an adapter keeps the keys it
    # does not own (listening keeps its search position under "listening")
    cursor: Mapping[str, Any]
    ignored: Sequence[Ignored] = ()
    next_poll_after: datetime | None = None  # from rate-limit headers, when the platform says


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A reply or private message to deliver."""

    outbox_id: int  # Heedful's id: idempotency key where the platform supports one
    text: str  # final text, signature included
    visibility: Visibility
    in_reply_to: str | None = None  # platform id of the message answered
    thread_ref: str | None = None  # DM conversation id / e-mail thread root
    recipient: str | None = None  # platform user id / e-mail address for private messages
    subject: str | None = None
    references: tuple[str, ...] = ()
    # When the customer last wrote privately in this conversation (the core passes it at
    # delivery time): what a channel's ``reply_window`` is counted from.
    last_inbound_at: datetime | None = None
    # A private reply addressed by the public comment it answers, not by a recipient id
    # (``Capabilities.comment_private_reply``: Meta's private replies).
    reply_to_comment: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    external_id: str  # the platform's id of the sent message
    url: str | None = None
    sent_at: datetime | None = None
    # The platform's rate-limit headers on this (successful) send said the quota is spent:
    # no more sends on this account before then (the delivery worker holds the account).
    next_send_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class ListeningQuery:
    """What a workspace listens for where it is not addressed: posts with any of these
    keywords or hashtags. Each adapter turns it into its platform's search."""

    keywords: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()  # without the leading '#'
    language: str | None = None  # ISO 639-1, when the platform can filter on it

    @property
    def is_empty(self) -> bool:
        return not (self.keywords or self.hashtags)


@dataclass(frozen=True, slots=True)
class WebhookChallenge:
    """The answer to a platform's webhook handshake (X's CRC check, Graph's hub.challenge)."""

    body: bytes
    content_type: str = "application/json"
    status: int = 200


ConfigT = TypeVar("ConfigT", bound=BaseModel)


class ChannelAdapter(Generic[ConfigT]):
    """Base class for adapters. Subclasses set the class attributes and override the methods
    their capabilities promise; the defaults refuse clearly."""

    slug: ClassVar[str]  # "x", "mastodon", …
    name: ClassVar[str]  # "X (Twitter)"
    config_model: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities]

    def __init__(
        self, config: ConfigT, http: httpx.Client | None = None, *, clock: Clock | None = None
    ) -> None:
        self.config = config
        self.http = http or httpx.Client(timeout=httpx.Timeout(20.0, connect=5.0))
        self.clock: Clock = clock or SystemClock()

    @classmethod
    def unconfigured(cls, http: httpx.Client | None = None) -> ChannelAdapter[Any]:
        """An adapter with no account behind it: enough for the pure :meth:`parse` (the
        ``heedful channels parse`` command, replays), never for polling or sending."""
        config: Any = cls.config_model.model_construct()
        return cls(config, http)

    # Pure: payload bytes (+ headers) to events. Never touches the network or the store.
    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        raise Unsupported(f"{self.slug} does not parse payloads")

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        raise Unsupported(f"{self.slug} cannot poll")

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when a webhook request really comes from the platform."""
        raise Unsupported(f"{self.slug} receives no webhooks")

    def verify_request(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> bool:
        """:meth:`verify` given the request's query parameters too, for a platform whose
        webhook URL carries the shared secret (``?token=``). What the webhook endpoint calls;
        the default ignores the query."""
        return self.verify(headers, body)

    def answer_challenge(self, query: Mapping[str, str]) -> WebhookChallenge:
        """Answer the platform's webhook handshake (a GET with a challenge in the query)."""
        raise Unsupported(f"{self.slug} has no webhook handshake")

    def hydrate(self, event: InboundEvent) -> InboundEvent:
        """Complete an event a webhook delivered incomplete (fetch its text or author from the
        platform). Called on every parsed webhook event before ingest; the default returns it
        unchanged. May raise ``AuthFailed``/``RateLimited``/``TransientFailure`` (the body is
        tried again later) or ``PermanentFailure`` (the body is quarantined)."""
        return event

    def send(self, message: OutboundMessage) -> DeliveryResult:
        raise Unsupported(f"{self.slug} cannot send")

    def listen(self, query: ListeningQuery, cursor: Mapping[str, Any]) -> PollResult:
        """Search the platform for posts matching ``query`` that did not address the brand;
        the events come back with ``unsolicited=True`` and kind MENTION."""
        raise Unsupported(f"{self.slug} cannot search for mentions")

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        """Look on the platform for ``message`` sent after ``since`` (a crash between sending and
        recording): the delivery when found, None when it was surely not sent."""
        raise Unsupported(f"{self.slug} cannot look up sent messages")
