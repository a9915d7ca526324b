"""What an admin enters to connect a Bluesky account (see doc.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class BlueskyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(description="the brand's handle (brand.bsky.social) or DID")
    app_password: SecretStr  # Settings → App passwords; tick "allow access to direct messages"
    did: str | None = Field(None, description="the brand's DID; learned at sign-in when empty")
    service_url: str = "https://bsky.social"  # the account's PDS (or the entryway)
    chat: bool = True  # poll and send chat messages (the app password needs DM access)
    page_size: int = Field(50, ge=1, le=100)
    max_pages: int = Field(10, ge=1, le=100)
