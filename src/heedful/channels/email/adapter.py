"""The e-mail adapter: an IMAP mailbox polled by UID, replies sent by SMTP."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    OutboundMessage,
    ParseResult,
    PollResult,
)
from heedful.channels.email.config import EmailConfig
from heedful.channels.email.imap import open_mailbox
from heedful.channels.email.parse import parse_message
from heedful.channels.email.poll import poll_mailbox
from heedful.channels.email.smtp import compose, deliver, outbound_message_id
from heedful.domain import Visibility
from heedful.errors import PermanentFailure, Unsupported


class EmailAdapter(ChannelAdapter[EmailConfig]):
    slug = "email"
    name = "E-mail"
    config_model = EmailConfig
    capabilities = Capabilities(poll=True, private_message=True, find_delivered=True)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        """One ``.eml`` message; ``X-Heedful-Received-At`` in ``headers`` dates a message
        whose Date header is missing or broken."""
        return parse_message(
            body,
            clock=self.clock,
            own_address=self.config.address,
            headers=headers,
            strip_quotes=self.config.strip_quotes,
        )

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        return poll_mailbox(self.config, cursor, self.parse, self.clock.now())

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if message.visibility is not Visibility.PRIVATE:
            raise PermanentFailure("e-mail is private: a public reply cannot go by e-mail")
        now = self.clock.now()
        deliver(self.config, compose(message, self.config, now))
        return DeliveryResult(
            external_id=outbound_message_id(message.outbox_id, self.config.address), sent_at=now
        )

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        """After a crash: is the reply (by its Message-ID, derived from the outbox id) in the
        folder where the server files sent mail? Only when ``sent_mailbox`` is set."""
        if not self.config.sent_mailbox:
            raise Unsupported("no sent_mailbox configured: a sent reply cannot be confirmed")
        message_id = outbound_message_id(message.outbox_id, self.config.address)
        sent = self.config.model_copy(update={"mailbox": self.config.sent_mailbox})
        with open_mailbox(sent) as box:
            found = box.uids_with_header("Message-ID", f"<{message_id}>")
        return DeliveryResult(external_id=message_id) if found else None
