"""Settings: one class, read from ``HEEDFUL_*`` environment variables and an optional ``.env``.

Nothing here runs at import time; :func:`load_settings` builds a :class:`Settings` when asked.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from heedful.errors import ConfigError

PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "changethis",
        "please-change",
        "dev",
        "development",
        "heedful",
        "password",
        "xxx",
        "todo",
        "insecure",
    }
)
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class WorkerMode(StrEnum):
    INPROCESS = "inprocess"  # jobs run inside `heedful serve` (one process, SQLite is fine)
    QUEUE = "queue"  # jobs go to the queue engine; `heedful worker` processes run them


def default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    """Everything an operator can set. Every field is documented in README.md."""

    model_config = SettingsConfigDict(
        env_prefix="HEEDFUL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""  # empty: sqlite file `heedful.db` in data_dir
    secret_key: SecretStr = SecretStr("")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # Threading: a customer's new, non-reply message joins their open conversation on the same
    # channel if that conversation was active within this many hours.
    conversation_window_hours: float = 24.0
    worker_mode: WorkerMode = WorkerMode.INPROCESS
    # An import of at least this many bytes into an empty store builds the inbox's and
    # search's indexes once at the end instead of row by row (heedful.store.deferred).
    import_bulk_index_bytes: int = 16 * 1024 * 1024
    public_url: str = ""  # where users reach the app, used in links and to set Secure cookies

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if self.environment is Environment.PRODUCTION and (
            key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < MIN_SECRET_LENGTH
        ):
            raise ConfigError(
                "HEEDFUL_SECRET_KEY is missing, a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'heedful.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def secret_key_value(self) -> str:
        """The secret key; in development/test an unset key is created once in the data dir."""
        key = self.secret_key.get_secret_value()
        if key and key.strip().lower() not in PLACEHOLDER_SECRETS:
            return key
        if self.environment is Environment.PRODUCTION:  # pragma: no cover - validator refuses
            raise ConfigError("HEEDFUL_SECRET_KEY must be set in production")
        return _development_key(self.data_dir)


def _development_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    try:
        return Settings(**overrides)
    except ConfigError:
        raise
    except ValueError as exc:  # pydantic wraps validator errors
        cause = exc.__cause__ if isinstance(exc.__cause__, ConfigError) else None
        raise ConfigError(str(cause or exc)) from exc
