"""PostgreSQL connections are checked before use only after they sat idle (a busy pool skips
the round trip); a dead one is replaced."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import DisconnectionError

from heedful.store import db as store_db


class FakeConnection:
    def __init__(self, alive: bool = True) -> None:
        self.alive = alive
        self.statements: list[str] = []

    def cursor(self) -> FakeConnection:
        return self

    def execute(self, sql: str) -> None:
        if not self.alive:
            raise OSError("server closed the connection")
        self.statements.append(sql)

    def close(self) -> None:
        pass

    def rollback(self) -> None:
        self.statements.append("ROLLBACK")


class Record:
    def __init__(self) -> None:
        self.info: dict[str, Any] = {}


def test_only_an_idle_connection_is_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(store_db.time, "monotonic", lambda: now[0])
    connection, record = FakeConnection(), Record()
    store_db._ping_if_idle(connection, record, None)  # never used: checked
    assert connection.statements == ["SELECT 1", "ROLLBACK"]
    store_db._note_checkin(connection, record)
    now[0] += store_db.PING_AFTER_IDLE_SECONDS / 2
    store_db._ping_if_idle(connection, record, None)  # busy: trusted
    assert len(connection.statements) == 2
    now[0] += store_db.PING_AFTER_IDLE_SECONDS
    store_db._ping_if_idle(connection, record, None)  # idle a while: checked again
    assert len(connection.statements) == 4


def test_a_dead_connection_is_replaced() -> None:
    with pytest.raises(DisconnectionError):
        store_db._ping_if_idle(FakeConnection(alive=False), Record(), None)
