"""The Trustpilot adapter: review webhooks or polling in, the company reply out."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import httpx

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    OutboundMessage,
    ParseResult,
    PollResult,
)
from heedful.channels.support.headers import header
from heedful.channels.support.signing import secrets_equal
from heedful.channels.trustpilot.client import TrustpilotClient
from heedful.channels.trustpilot.config import TrustpilotConfig
from heedful.channels.trustpilot.parse import parse_payload, reply_id
from heedful.channels.trustpilot.poll import poll_reviews
from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.errors import PermanentFailure, Unsupported

# The shared token may come in this header too (a proxy in front of Heedful that authenticates
# Trustpilot itself and passes the token on). Never stored with the raw body.
TOKEN_HEADER = "X-Heedful-Webhook-Token"  # noqa: S105 - a header name, not a secret
TOKEN_PARAM = "token"  # noqa: S105 - the subscription URL's query parameter name


class TrustpilotAdapter(ChannelAdapter[TrustpilotConfig]):
    slug = "trustpilot"
    name = "Trustpilot"
    config_model = TrustpilotConfig
    # A review has one company reply and posting it again replaces it: resending is safe.
    capabilities = Capabilities(poll=True, webhook=True, public_reply=True, idempotent_send=True)

    def __init__(
        self,
        config: TrustpilotConfig,
        http: httpx.Client | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(config, http, clock=clock)
        self.client = TrustpilotClient(self.http, config, self.clock)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse_payload(body)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Trustpilot signs nothing: the subscription URL carries a shared token. Here, as
        HTTP Basic credentials (any user, the token as password) or in ``TOKEN_HEADER``;
        :meth:`verify_request` also accepts it as ``?token=``. Compared in constant time."""
        expected = self.config.webhook_token.get_secret_value()
        if secrets_equal(expected, header(headers, TOKEN_HEADER)):
            return True
        return secrets_equal(expected, _basic_password(header(headers, "Authorization")))

    def verify_request(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> bool:
        """Either way Trustpilot can authenticate: the token in the URL's query
        (``…/webhooks/trustpilot/7?token=<webhook_token>``), or as :meth:`verify` reads it."""
        expected = self.config.webhook_token.get_secret_value()
        if secrets_equal(expected, query.get(TOKEN_PARAM)):
            return True
        return self.verify(headers, body)

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        if not (self.config.business_unit_id and self.config.username):
            raise Unsupported("polling needs the business unit and a business user login")
        return poll_reviews(self.client, cursor)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """The company's public reply to a review (replaces an earlier reply, so a resend
        after a crash changes nothing)."""
        if message.visibility is not Visibility.PUBLIC:
            raise PermanentFailure("Trustpilot has no private messages: reply in public")
        if not message.in_reply_to:
            raise PermanentFailure("a Trustpilot reply needs the review it answers")
        if not self.config.business_user_id:
            raise PermanentFailure("no business user id configured to sign Trustpilot replies")
        self.client.post_reply(message.in_reply_to, message.text)
        return DeliveryResult(external_id=reply_id(message.in_reply_to), sent_at=self.clock.now())


def _basic_password(value: str | None) -> str | None:
    if not value or not value.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]
