"""The Instagram adapter: Instagram webhooks in, Graph API out."""

from __future__ import annotations

from typing import ClassVar

from heedful.channels.base import Capabilities, DeliveryResult, OutboundMessage
from heedful.channels.instagram.changes import parse_change
from heedful.channels.instagram.config import InstagramConfig
from heedful.channels.instagram.hydrate import hydrate_mention
from heedful.channels.meta.adapter import MESSAGING_WINDOW, PRIVATE_REPLY_WINDOW, MetaAdapter
from heedful.channels.meta.entries import ChangeParser
from heedful.channels.meta.outbound import check_length, result_from
from heedful.domain import InboundEvent
from heedful.errors import PermanentFailure, Unsupported

COMMENT_LIMIT = 2200
DIRECT_LIMIT = 1000


class InstagramAdapter(MetaAdapter[InstagramConfig]):
    slug = "instagram"
    name = "Instagram"
    config_model = InstagramConfig
    capabilities = Capabilities(
        webhook=True,
        public_reply=True,
        private_message=True,
        max_length=DIRECT_LIMIT,
        reply_window=MESSAGING_WINDOW,
        find_delivered=True,
        comment_private_reply=True,
        comment_private_reply_window=PRIVATE_REPLY_WINDOW,
    )
    envelope_object: ClassVar[str] = "instagram"
    private_limit: ClassVar[int] = DIRECT_LIMIT
    private_what: ClassVar[str] = "An Instagram Direct message"
    direct_platform: ClassVar[str] = "instagram"

    @staticmethod
    def change_parser() -> ChangeParser:
        return parse_change

    def fetch_missing(self, event: InboundEvent) -> InboundEvent:
        return hydrate_mention(self.graph, self.config.account_id, event)

    def send_public(self, message: OutboundMessage) -> DeliveryResult:
        """A reply under a comment (``/{comment}/replies``), a comment on the account's own
        media (``/{media}/comments``), or an answer to an @mention (``/{account}/mentions``)."""
        check_length(message.text, COMMENT_LIMIT, "An Instagram comment")
        if message.extra.get("mention"):
            body = self.graph.post(f"{self.config.account_id or 'me'}/mentions", _mention(message))
        else:
            body = self.graph.post(self.public_edge(message), {"message": message.text})
        return result_from(body, message, "id")

    def public_edge(self, message: OutboundMessage) -> str:
        target = message.in_reply_to
        if not target:
            raise PermanentFailure("a public Instagram reply needs the comment or media it answers")
        if message.extra.get("mention"):
            raise Unsupported("replies to @mentions elsewhere cannot be looked up afterwards")
        return f"{target}/comments" if target == message.thread_ref else f"{target}/replies"


def _mention(message: OutboundMessage) -> dict[str, str]:
    target = message.in_reply_to
    if not target:
        raise PermanentFailure("an answer to an @mention needs the mentioning comment or media")
    payload = {"media_id": message.thread_ref or target, "message": message.text}
    if target != message.thread_ref:
        payload["comment_id"] = target
    return payload
