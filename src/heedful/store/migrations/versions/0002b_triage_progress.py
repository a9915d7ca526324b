"""triage: where the background sweep of each stage got to (shared by every worker)

Revision ID: 0002b_triage_progress
Revises: 0002_triage
Create Date: 2026-11-22 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import heedful.store.base

revision: str = "0002b_triage_progress"
down_revision: str | None = "0002_triage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_progress",
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column(
            "after_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("rescanned_at", heedful.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stage", name=op.f("pk_triage_progress")),
    )


def downgrade() -> None:
    op.drop_table("triage_progress")
