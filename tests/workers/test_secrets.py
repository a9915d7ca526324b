"""Channel secrets are encrypted at rest, never in events or logs, and only the adapter sees
their values."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from heedful.clock import FrozenClock
from heedful.errors import ValidationFailed
from heedful.services.channel_accounts import (
    build_adapter,
    channel_secret_names,
    configure_channel_account,
    secret_fields,
)
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, Event
from heedful.workers.fakeplatform import FakePlatformConfig, resolver_with_fake

from .conftest import WEBHOOK_SECRET, Brand


def test_secret_fields_are_the_secretstr_ones() -> None:
    assert secret_fields(FakePlatformConfig) == {"token", "secret"}


def test_secrets_are_encrypted_and_never_recorded(
    db: Database, clock: FrozenClock, brand: Brand, box: SecretBox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with db.write() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None
        configure_channel_account(
            session,
            account,
            {"token": "tok-123456"},
            box=box,
            clock=clock,
            resolve=resolver_with_fake,
        )
    with db.session() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None
        stored = (account.secrets_encrypted or "") + str(account.config)
        events = str(session.scalars(select(Event.data)).all())
        assert channel_secret_names(account, box) == ["secret", "token"]
        adapter = build_adapter(account, box=box, clock=clock, resolve=resolver_with_fake)
    for value in ("tok-123456", WEBHOOK_SECRET):
        assert value not in stored and value not in events and value not in caplog.text
    assert adapter.config.token.get_secret_value() == "tok-123456"
    assert "tok-123456" not in repr(adapter.config)


def test_a_setting_the_adapter_does_not_know_is_refused(
    db: Database, clock: FrozenClock, brand: Brand, box: SecretBox
) -> None:
    with db.write() as session:
        account = session.get(ChannelAccount, brand.account_id)
        assert account is not None
        with pytest.raises(ValidationFailed, match="no setting 'colour'"):
            configure_channel_account(
                session,
                account,
                {"colour": "red"},
                box=box,
                clock=clock,
                resolve=resolver_with_fake,
            )
        with pytest.raises(ValidationFailed, match="tolerance_seconds"):
            configure_channel_account(
                session,
                account,
                {"tolerance_seconds": "soon"},
                box=box,
                clock=clock,
                resolve=resolver_with_fake,
            )
