"""A channel account's settings and secrets, the adapter that speaks for it, and pausing it.

Secrets (every ``SecretStr`` field of the adapter's config model: tokens, passwords, signing
secrets) are encrypted at rest with :class:`~heedful.store.crypto.SecretBox`; everything else
lives in ``channel_account.config`` as plain JSON. Secret values are never logged or put in an
event: events record which fields changed, never their values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, get_args

import httpx
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter
from heedful.channels.registry import adapter_class
from heedful.clock import Clock
from heedful.errors import ConfigError, NotFound, ValidationFailed
from heedful.store.crypto import SecretBox
from heedful.store.tables import ChannelAccount, Event

AdapterResolver = Callable[[str], type[ChannelAdapter[Any]]]


class Channels(Protocol):
    """Turns an account into its configured adapter (the workers'
    :class:`heedful.workers.context.ChannelDirectory`)."""

    def adapter_for(self, account: ChannelAccount) -> ChannelAdapter[Any]: ...


def secret_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of a config model that hold secrets (``SecretStr``, optional too)."""
    names = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if annotation is SecretStr or SecretStr in get_args(annotation):
            names.add(name)
    return frozenset(names)


def read_channel_secrets(account: ChannelAccount, box: SecretBox) -> dict[str, Any]:
    """The account's decrypted secrets (for building its adapter; never for display)."""
    if not account.secrets_encrypted:
        return {}
    return box.decrypt(account.secrets_encrypted)


def channel_secret_names(account: ChannelAccount, box: SecretBox) -> list[str]:
    """Which secrets are set (what an admin page may show: names, never values)."""
    return sorted(name for name, value in read_channel_secrets(account, box).items() if value)


def configure_channel_account(
    session: Session,
    account: ChannelAccount,
    values: Mapping[str, Any],
    *,
    box: SecretBox,
    clock: Clock,
    resolve: AdapterResolver = adapter_class,
    actor: str = "system",
) -> None:
    """Set an account's settings and secrets (merged over what is stored; a secret given as
    ``None`` or ``""`` is kept as it was). The whole config is validated by the adapter's
    model before anything is stored."""
    model = resolve(account.channel).config_model
    secret_names = secret_fields(model)
    secrets = read_channel_secrets(account, box)
    changed = sorted(values)
    for name, value in values.items():
        if name in secret_names:
            if value not in (None, ""):
                secrets[name] = _plain(value)
        elif name not in model.model_fields:
            raise ValidationFailed(f"{account.channel} has no setting {name!r}")
    plain = {k: v for k, v in values.items() if k not in secret_names}
    config = {**account.config, **plain}
    validate_config(model, {**config, **secrets})
    account.config = config
    account.secrets_encrypted = box.encrypt(secrets) if secrets else None
    _log(session, account, "channel_account.configured", {"fields": changed}, clock, actor)


def validate_config(model: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors()
        )
        raise ValidationFailed(f"channel settings are not valid: {problems}") from None


def build_adapter(
    account: ChannelAccount,
    *,
    box: SecretBox,
    clock: Clock,
    http: httpx.Client | None = None,
    resolve: AdapterResolver = adapter_class,
) -> ChannelAdapter[Any]:
    """The adapter for ``account``, configured with its settings and decrypted secrets."""
    cls = resolve(account.channel)
    try:
        config = cls.config_model.model_validate(
            {**account.config, **read_channel_secrets(account, box)}
        )
    except ValidationError:
        raise ConfigError(
            f"channel account {account.id} ({account.channel}) is not fully configured"
        ) from None
    return cls(config, http, clock=clock)


def pause_channel_account(
    session: Session, account_id: int, *, reason: str, clock: Clock, actor: str = "system"
) -> None:
    """Stop polling and sending for an account (credentials refused…) and raise an alert."""
    account = _get(session, account_id)
    if account.status == "paused" and account.status_reason == reason:
        return
    account.status = "paused"
    account.status_reason = reason
    _log(session, account, "channel_account.paused", {"reason": reason}, clock, actor)
    _log(session, account, "alert.channel_auth", {"reason": reason}, clock, actor)


def resume_channel_account(
    session: Session, account_id: int, *, clock: Clock, actor: str = "system"
) -> None:
    """Poll and send again; the account's webhook bodies that wait out a retry delay (the
    credentials were refused) are due at once."""
    from heedful.services.webhooks import release_account_rows  # webhooks imports this module

    account = _get(session, account_id)
    account.status = "active"
    account.status_reason = None
    _log(session, account, "channel_account.resumed", {}, clock, actor)
    session.flush()
    release_account_rows(session, account_id)


def _get(session: Session, account_id: int) -> ChannelAccount:
    account = session.get(ChannelAccount, account_id)
    if account is None:
        raise NotFound(f"channel account {account_id} not found")
    return account


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _log(
    session: Session,
    account: ChannelAccount,
    kind: str,
    data: dict[str, Any],
    clock: Clock,
    actor: str,
) -> None:
    session.add(
        Event(
            workspace_id=account.workspace_id,
            actor=actor,
            kind=kind,
            subject_type="channel_account",
            subject_id=account.id,
            data=data,
            created_at=clock.now(),
        )
    )
