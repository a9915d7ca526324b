"""triage: per-message triage results and the conversation roll-up's reasons

Revision ID: 0002_triage
Revises: 0001_spine
Create Date: 2026-11-22 18:40:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import heedful.store.base

revision: str = "0002_triage"
down_revision: str | None = "0001_spine"
branch_labels: str | Sequence[str] | None = ("triage",)
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "message_triage",
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("sentiment", sa.String(length=8), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("complaint_probability", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("signals", _json(), nullable=False),
        sa.Column("context", _json(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("triaged_at", heedful.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_message_triage_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_message_triage_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_triage")),
    )
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_triage_stage", ["workspace_id", "stage", "message_id"], unique=False
        )
        batch_op.create_index(
            "ix_message_triage_triaged_at", ["workspace_id", "triaged_at"], unique=False
        )

    op.create_table(
        "conversation_triage",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("updated_at", heedful.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_triage_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_conversation_triage_message_id_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_conversation_triage_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_conversation_triage")),
    )
    with op.batch_alter_table("conversation_triage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_triage_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_triage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_triage_workspace_id"))
    op.drop_table("conversation_triage")
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.drop_index("ix_message_triage_triaged_at")
        batch_op.drop_index("ix_message_triage_stage")
    op.drop_table("message_triage")
