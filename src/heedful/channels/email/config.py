"""A connected mailbox: IMAP to read it, SMTP to answer from it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Security(StrEnum):
    TLS = "tls"  # implicit TLS (IMAPS 993, SMTPS 465)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (IMAP 143, submission 587)
    NONE = "none"  # no encryption: only for a server on localhost


class EmailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(default="", description="The brand's address, e.g. care@example.com")
    display_name: str = Field(default="", description="Name shown on replies, e.g. 'Acme Care'")
    imap_host: str = ""
    imap_port: int = 993
    imap_security: Security = Security.TLS
    imap_username: str = ""
    imap_password: SecretStr = SecretStr("")
    mailbox: str = "INBOX"
    sent_mailbox: str = Field(
        default="",
        description=(
            "Folder where the mail server files every message sent through SMTP (Gmail and "
            "Microsoft 365 do): lets Heedful check after a crash whether a reply went out"
        ),
    )
    initial_sync_days: int = Field(
        default=7, ge=0, le=365, description="How far back the first poll reads"
    )
    batch_size: int = Field(default=50, ge=1, le=500, description="Messages fetched per poll")
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: Security = Security.TLS
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    strip_quotes: bool = Field(default=True, description="Show only the new part of replies")
