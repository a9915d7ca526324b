"""The Facebook Pages adapter: Page webhooks in, Graph API out."""

from __future__ import annotations

from typing import ClassVar

from heedful.channels.base import Capabilities, DeliveryResult, OutboundMessage
from heedful.channels.facebook.config import FacebookConfig
from heedful.channels.facebook.feed import parse_change
from heedful.channels.meta.adapter import MESSAGING_WINDOW, PRIVATE_REPLY_WINDOW, MetaAdapter
from heedful.channels.meta.entries import ChangeParser
from heedful.channels.meta.outbound import check_length, result_from
from heedful.errors import PermanentFailure

COMMENT_LIMIT = 8000
MESSENGER_LIMIT = 2000


class FacebookAdapter(MetaAdapter[FacebookConfig]):
    slug = "facebook"
    name = "Facebook Pages"
    config_model = FacebookConfig
    capabilities = Capabilities(
        webhook=True,
        public_reply=True,
        private_message=True,
        max_length=MESSENGER_LIMIT,
        reply_window=MESSAGING_WINDOW,
        find_delivered=True,
        comment_private_reply=True,
        comment_private_reply_window=PRIVATE_REPLY_WINDOW,
    )
    envelope_object: ClassVar[str] = "page"
    private_limit: ClassVar[int] = MESSENGER_LIMIT
    private_what: ClassVar[str] = "A Messenger message"
    direct_platform: ClassVar[str] = "messenger"

    @staticmethod
    def change_parser() -> ChangeParser:
        return parse_change

    def send_public(self, message: OutboundMessage) -> DeliveryResult:
        """A comment under the post or comment answered (``/{object-id}/comments``)."""
        if not message.in_reply_to:
            raise PermanentFailure("a public Facebook reply needs the post or comment it answers")
        check_length(message.text, COMMENT_LIMIT, "A Facebook comment")
        body = self.graph.post(f"{message.in_reply_to}/comments", {"message": message.text})
        return result_from(body, message, "id")

    def public_edge(self, message: OutboundMessage) -> str:
        if not message.in_reply_to:
            raise PermanentFailure("a public Facebook reply needs the post or comment it answers")
        return f"{message.in_reply_to}/comments"
