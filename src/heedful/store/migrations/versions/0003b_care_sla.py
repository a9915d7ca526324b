"""care: precomputed SLA state on conversations, and the SLA tick's queue

Revision ID: 0003b_care_sla
Revises: 0003_care
Create Date: 2026-11-22 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import heedful.store.base

revision: str = "0003b_care_sla"
down_revision: str | None = "0003_care"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sla_state",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("sla_next_at", heedful.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_conversation_sla_next", ["sla_next_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_sla_next")
        batch_op.drop_column("sla_next_at")
        batch_op.drop_column("sla_state")
