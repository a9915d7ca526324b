"""channels: leases on raw events (parsed outside the write transaction)

Revision ID: 0006b_channels_leases
Revises: 0006_channels
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import heedful.store.base

revision: str = "0006b_channels_leases"
down_revision: str | None = "0006_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_until", heedful.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.drop_column("lease_token")
        batch_op.drop_column("lease_until")
