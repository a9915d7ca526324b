"""What an admin enters to connect an X account (see doc.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class XConfig(BaseModel):
    """User-context OAuth 1.0a credentials of the brand account, from an app in a paid
    self-serve tier (mentions timeline, recent search and posting need one)."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(pattern=r"^\d+$", description="numeric id of the brand's X account")
    username: str | None = Field(None, description="the account's @name, without '@'")
    consumer_key: SecretStr
    consumer_secret: SecretStr  # also signs Account Activity CRC answers and webhook bodies
    access_token: SecretStr
    access_token_secret: SecretStr
    bearer_token: SecretStr | None = None  # app-only token: used for recent search when set
    api_base: str = "https://api.x.com"
    poll_dms: bool = False  # DM polling needs the dm.read permission ("Read, write and DMs")
    page_size: int = Field(100, ge=5, le=100)
    max_pages: int = Field(10, ge=1, le=100)  # per poll: bounds a catch-up after downtime
