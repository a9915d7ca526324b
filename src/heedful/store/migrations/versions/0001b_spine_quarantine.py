"""quarantine: fingerprints include the workspace

Before, a quarantined row's fingerprint was sha256(source + raw), unique across the whole
store: a second workspace importing the same file (or receiving the same malformed webhook
body) had its bad rows refused as already kept, in another workspace's quarantine. The
fingerprint now starts with the workspace id (see
heedful.services.ingest.quarantine_fingerprint); the rows kept before are given theirs.

Revision ID: 0001b_spine_quarantine
Revises: 0001_spine
Create Date: 2026-11-23 05:10:00
"""

import hashlib
from collections.abc import Callable, Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001b_spine_quarantine"
down_revision: str | None = "0001_spine"
branch_labels: str | Sequence[str] | None = ("spine",)
depends_on: str | Sequence[str] | None = None

CHUNK = 500
QUARANTINE = sa.table(
    "quarantine",
    sa.column("id", sa.BigInteger),
    sa.column("workspace_id", sa.BigInteger),
    sa.column("source", sa.String),
    sa.column("raw", sa.LargeBinary),
    sa.column("fingerprint", sa.String),
)


def _scoped(workspace_id: int | None, source: str, raw: bytes) -> str:
    scope = b"" if workspace_id is None else str(workspace_id).encode()
    return hashlib.sha256(scope + b"\x00" + source.encode() + b"\x00" + raw).hexdigest()


def _unscoped(workspace_id: int | None, source: str, raw: bytes) -> str:
    return hashlib.sha256(source.encode() + b"\x00" + raw).hexdigest()


def _chunks(connection: sa.Connection) -> Iterator[Sequence[sa.Row[int, int | None, str, bytes]]]:
    """Every quarantined row (id, workspace_id, source, raw), CHUNK at a time, by id."""
    q = QUARANTINE.c
    last = 0
    while rows := connection.execute(
        sa.select(q.id, q.workspace_id, q.source, q.raw)
        .where(q.id > last)
        .order_by(q.id)
        .limit(CHUNK)
    ).all():
        yield rows
        last = rows[-1].id


def _rehash(fingerprint: Callable[[int | None, str, bytes], str]) -> None:
    connection = op.get_bind()
    update = (
        sa.update(QUARANTINE)
        .where(QUARANTINE.c.id == sa.bindparam("row_id"))
        .values(fingerprint=sa.bindparam("new_fingerprint"))
    )
    for rows in _chunks(connection):
        connection.execute(
            update,
            [
                {
                    "row_id": row.id,
                    "new_fingerprint": fingerprint(row.workspace_id, row.source, row.raw),
                }
                for row in rows
            ],
        )


def upgrade() -> None:
    _rehash(_scoped)


def downgrade() -> None:
    # two workspaces may now each keep the same input: only one row of those can keep the
    # old, store-wide fingerprint, so the others go (the first kept stays)
    connection = op.get_bind()
    seen: set[str] = set()
    doomed: list[int] = []
    for rows in _chunks(connection):
        for row in rows:
            old = _unscoped(row.workspace_id, row.source, row.raw)
            if old in seen:
                doomed.append(row.id)
            seen.add(old)
    for start in range(0, len(doomed), CHUNK):
        connection.execute(
            sa.delete(QUARANTINE).where(QUARANTINE.c.id.in_(doomed[start : start + CHUNK]))
        )
    _rehash(_unscoped)
