"""A generic webhook source."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

DEFAULT_TOLERANCE = 300
MIN_SECRET = 32


class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: SecretStr = Field(
        default=SecretStr(""), description="Shared secret for HMAC-SHA256 signatures (both ways)"
    )
    tolerance_seconds: int = Field(
        default=DEFAULT_TOLERANCE,
        ge=30,
        le=3600,
        description="How far a request's timestamp may be from now before it is refused",
    )
    reply_url: str | None = Field(
        default=None,
        description="Where replies are POSTed, signed the same way; none: inbound only",
    )
    source_name: str = Field(default="", description="A label for the source, e.g. 'helpdesk'")

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        length = len(value.get_secret_value())
        if 0 < length < MIN_SECRET:
            raise ValueError(f"the shared secret needs at least {MIN_SECRET} characters")
        return value
