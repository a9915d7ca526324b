"""Settings every Meta-connected channel account needs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v21.0"


class MetaConfig(BaseModel):
    """The Meta app and the brand's account on it. Secrets are ``SecretStr``: never logged."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(
        default="", description="Page id (Facebook) or Instagram professional account id"
    )
    app_secret: SecretStr = Field(
        default=SecretStr(""), description="App secret: checks X-Hub-Signature-256"
    )
    verify_token: SecretStr = Field(
        default=SecretStr(""), description="Token typed into the app's webhook settings"
    )
    access_token: SecretStr = Field(
        default=SecretStr(""), description="Long-lived Page access token used to send"
    )
    graph_url: str = DEFAULT_GRAPH_URL
    graph_version: str = DEFAULT_GRAPH_VERSION
