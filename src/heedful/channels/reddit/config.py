"""What an admin enters to connect a Reddit account (see doc.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class RedditConfig(BaseModel):
    """An OAuth app of type "script" (password grant) or "web app" (refresh token)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(description="the brand's Reddit username, without u/")
    client_id: str
    client_secret: SecretStr
    password: SecretStr | None = None  # script apps
    refresh_token: SecretStr | None = None  # web apps (scopes: see doc.md)
    user_agent: str = Field(description="e.g. 'web:heedful-acme:1.0 (by /u/acme_support)'")
    api_base: str = "https://oauth.reddit.com"
    auth_base: str = "https://www.reddit.com"
    page_size: int = Field(100, ge=1, le=100)
    max_pages: int = Field(5, ge=1, le=50)

    @model_validator(mode="after")
    def _one_grant(self) -> RedditConfig:
        if self.password is None and self.refresh_token is None:
            raise ValueError("give a password (script app) or a refresh token (web app)")
        return self
