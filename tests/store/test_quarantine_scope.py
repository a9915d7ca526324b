"""Quarantine keeps bad input per workspace: two workspaces importing the same file each keep
its bad rows, and migration 0001b_spine_quarantine gives earlier rows their new fingerprint."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, select

from heedful.clock import FrozenClock
from heedful.services.ingest import quarantine, quarantine_fingerprint
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.migrate import downgrade, upgrade
from heedful.store.tables import Quarantine

SOURCE = "import:twcs:twcs.csv"
RAW = b"5,115712,True,yesterday at noon,hello,,"


def _workspaces(db: Database, clock: FrozenClock) -> tuple[int, int]:
    with db.write() as session:
        first = create_workspace(session, slug="one", name="One", clock=clock).id
        second = create_workspace(session, slug="two", name="Two", clock=clock).id
    return first, second


def _keep(db: Database, ws: int | None, clock: FrozenClock) -> bool:
    with db.write() as session:
        return quarantine(
            session, workspace_id=ws, source=SOURCE, raw=RAW, reason="bad date", now=clock.now()
        )


def test_each_workspace_keeps_the_same_bad_input_once(db: Database, clock: FrozenClock) -> None:
    one, two = _workspaces(db, clock)
    assert _keep(db, one, clock) is True
    assert _keep(db, one, clock) is False  # re-running an import keeps it once
    assert _keep(db, two, clock) is True  # before: refused, as kept in workspace one
    assert _keep(db, None, clock) is True  # input no workspace could be found for
    with db.session() as session:
        kept = session.execute(select(Quarantine.workspace_id)).scalars().all()
    assert sorted(kept, key=lambda ws: ws or 0) == [None, one, two]


def test_the_migration_gives_earlier_rows_their_workspace_fingerprint(
    db: Database, clock: FrozenClock
) -> None:
    one, two = _workspaces(db, clock)
    try:
        downgrade(db.engine, "spine@-1")
        old = hashlib.sha256(SOURCE.encode() + b"\x00" + RAW).hexdigest()
        with db.write() as session:  # a row kept before: store-wide fingerprint
            session.execute(
                insert(Quarantine).values(
                    workspace_id=one,
                    source=SOURCE,
                    raw=RAW,
                    reason="bad date",
                    fingerprint=old,
                    created_at=clock.now(),
                )
            )
        upgrade(db.engine)
        with db.session() as session:
            fingerprint = session.scalar(select(Quarantine.fingerprint))
        assert fingerprint == quarantine_fingerprint(one, SOURCE, RAW)
        assert _keep(db, one, clock) is False  # still the same input as before the upgrade
        assert _keep(db, two, clock) is True

        downgrade(db.engine, "spine@-1")  # one of the two can keep the store-wide fingerprint
        with db.session() as session:
            rows = session.execute(select(Quarantine.workspace_id, Quarantine.fingerprint)).all()
        assert [tuple(row) for row in rows] == [(one, old)]
    finally:
        upgrade(db.engine)
