"""A connected Instagram professional account."""

from __future__ import annotations

from heedful.channels.meta.config import MetaConfig


class InstagramConfig(MetaConfig):
    """``account_id`` is the Instagram professional account id (``17841…``); with Facebook
    Login the access token is the linked Page's token (``instagram_manage_comments``,
    ``instagram_manage_messages``), with Instagram Login set ``graph_url`` to
    ``https://graph.instagram.com``."""
