"""The generic webhook adapter: signed JSON in; replies POSTed, signed, to ``reply_url``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    OutboundMessage,
    ParseResult,
)
from heedful.channels.support.http import raise_for_status, transport_errors
from heedful.channels.webhook.config import WebhookConfig
from heedful.channels.webhook.parse import parse_body
from heedful.channels.webhook.signing import sign, verify_signed
from heedful.errors import Unsupported

PLATFORM = "the webhook receiver"


class WebhookAdapter(ChannelAdapter[WebhookConfig]):
    slug = "webhook"
    name = "Generic webhook"
    config_model = WebhookConfig
    capabilities = Capabilities(
        webhook=True, public_reply=True, private_message=True, idempotent_send=True
    )

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse_body(body, self.config.source_name)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return verify_signed(
            self.config.secret.get_secret_value(),
            headers,
            body,
            self.clock.now(),
            self.config.tolerance_seconds,
        )

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """POST the reply to ``reply_url``; the outbox id travels as ``Idempotency-Key`` so
        the receiver can drop a resend after a crash."""
        if not self.config.reply_url:
            raise Unsupported("this webhook source has no reply_url: it is inbound only")
        body = orjson.dumps(_reply_json(message))
        headers = sign(self.config.secret.get_secret_value(), body, self.clock.now())
        headers |= {
            "Content-Type": "application/json",
            "Idempotency-Key": f"heedful-outbox-{message.outbox_id}",
        }
        with transport_errors(PLATFORM):
            response = self.http.post(self.config.reply_url, content=body, headers=headers)
        raise_for_status(response, PLATFORM)
        return DeliveryResult(external_id=_reply_id(response, message), sent_at=self.clock.now())


def _reply_json(message: OutboundMessage) -> dict[str, Any]:
    return {
        "type": "reply",
        "outbox_id": message.outbox_id,
        "text": message.text,
        "visibility": message.visibility.value,
        "in_reply_to": message.in_reply_to,
        "thread": message.thread_ref,
        "recipient": message.recipient,
        "subject": message.subject,
    }


def _reply_id(response: httpx.Response, message: OutboundMessage) -> str:
    try:
        body = orjson.loads(response.content) if response.content else {}
    except orjson.JSONDecodeError:
        body = {}
    found = body.get("id") if isinstance(body, dict) else None
    return str(found) if found else f"outbox:{message.outbox_id}"
