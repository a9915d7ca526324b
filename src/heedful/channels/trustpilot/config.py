"""A connected Trustpilot business unit."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

DEFAULT_API_URL = "https://api.trustpilot.com"


class TrustpilotConfig(BaseModel):
    """Trustpilot's Business API application (API key and secret) plus a business user whose
    name replies are posted under. Secrets are ``SecretStr``: never logged."""

    model_config = ConfigDict(extra="forbid")

    business_unit_id: str = Field(default="", description="The business unit reviews are about")
    business_user_id: str = Field(default="", description="authorBusinessUserId of replies")
    api_key: SecretStr = Field(default=SecretStr(""), description="Application API key")
    api_secret: SecretStr = Field(default=SecretStr(""), description="Application secret")
    username: str = Field(default="", description="Business user login (password grant)")
    password: SecretStr = Field(default=SecretStr(""), description="Business user password")
    webhook_token: SecretStr = Field(
        default=SecretStr(""),
        description="Shared token in the webhook subscription URL (Trustpilot signs nothing)",
    )
    api_url: str = DEFAULT_API_URL
