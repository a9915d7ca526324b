"""What an admin enters to connect a Mastodon account (see doc.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class MastodonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_url: str = Field(
        description="the brand account's server, e.g. https://mastodon.social"
    )
    account_id: str = Field(description="the brand account's id on that server")
    access_token: SecretStr  # scopes: read write:statuses (see doc.md)
    reply_visibility: Literal["public", "unlisted"] = "public"
    page_size: int = Field(40, ge=1, le=80)
    max_pages: int = Field(10, ge=1, le=100)
