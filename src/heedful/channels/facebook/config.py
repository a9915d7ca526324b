"""A connected Facebook Page."""

from __future__ import annotations

from heedful.channels.meta.config import MetaConfig


class FacebookConfig(MetaConfig):
    """``account_id`` is the Page id; ``access_token`` a long-lived Page access token with
    ``pages_manage_engagement``, ``pages_read_user_content`` and ``pages_messaging``."""
