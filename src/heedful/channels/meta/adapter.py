"""The behaviour Facebook and Instagram adapters share; each sets its envelope object, its
change parser, its limits and how a public reply is addressed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar, TypeVar

import httpx

from heedful.channels.base import (
    ChannelAdapter,
    DeliveryResult,
    OutboundMessage,
    ParseResult,
    WebhookChallenge,
)
from heedful.channels.meta.config import MetaConfig
from heedful.channels.meta.entries import ChangeParser, parse_entries
from heedful.channels.meta.graph import GraphClient
from heedful.channels.meta.hydrate import hydrate_object, needs_hydration
from heedful.channels.meta.outbound import check_reply_window, send_private
from heedful.channels.meta.reconcile import find_comment, find_direct
from heedful.channels.meta.webhook import answer_handshake, load_envelope, signature_valid
from heedful.clock import Clock
from heedful.domain import InboundEvent, Visibility

MetaConfigT = TypeVar("MetaConfigT", bound=MetaConfig)

MESSAGING_WINDOW = timedelta(hours=24)  # standard messaging, after the customer's message
PRIVATE_REPLY_WINDOW = timedelta(days=7)  # one private reply to a comment, after the comment


class MetaAdapter(ChannelAdapter[MetaConfigT]):
    envelope_object: ClassVar[str]  # "page" or "instagram"
    private_limit: ClassVar[int]  # characters in a private message
    private_what: ClassVar[str]  # how error messages name it
    direct_platform: ClassVar[str]  # "messenger" or "instagram" (conversations API)

    def __init__(
        self, config: MetaConfigT, http: httpx.Client | None = None, *, clock: Clock | None = None
    ) -> None:
        super().__init__(config, http, clock=clock)
        self.graph = GraphClient(self.http, config, self.name)

    @staticmethod
    def change_parser() -> ChangeParser:
        raise NotImplementedError

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        entries = load_envelope(body, self.envelope_object)
        return parse_entries(self.slug, entries, self.change_parser())

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return signature_valid(self.config.app_secret.get_secret_value(), headers, body)

    def answer_challenge(self, query: Mapping[str, str]) -> WebhookChallenge:
        """Answer Meta's GET subscription check by echoing ``hub.challenge``. Raises
        ``AuthFailed`` (answer 403) when the mode or the verify token is wrong."""
        challenge = answer_handshake(self.config.verify_token.get_secret_value(), query)
        return WebhookChallenge(body=challenge.encode(), content_type="text/plain")

    def hydrate(self, event: InboundEvent) -> InboundEvent:
        """Fetch what a webhook left out (``extra["hydrate"]``: a mention's text and author)
        from the Graph API; complete events come back unchanged. Run before ingest."""
        return self.fetch_missing(event) if needs_hydration(event) else event

    def fetch_missing(self, event: InboundEvent) -> InboundEvent:
        return hydrate_object(self.graph, event)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if message.visibility is Visibility.PUBLIC:
            return self.send_public(message)
        window = self.capabilities.reply_window
        if window is not None:
            check_reply_window(message, self.clock.now(), window)
        return send_private(
            self.graph, message, self.config.account_id, self.private_limit, self.private_what
        )

    def send_public(self, message: OutboundMessage) -> DeliveryResult:
        raise NotImplementedError

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        """Look for a reply sent before a crash: under the comment answered, or in the
        conversation with the customer (see :mod:`heedful.channels.meta.reconcile`)."""
        account = self.config.account_id
        if message.visibility is Visibility.PUBLIC:
            return find_comment(self.graph, self.public_edge(message), account, message, since)
        return find_direct(self.graph, self.direct_platform, account, message, since)

    def public_edge(self, message: OutboundMessage) -> str:
        """Where this adapter's public reply to ``message.in_reply_to`` is listed."""
        raise NotImplementedError
