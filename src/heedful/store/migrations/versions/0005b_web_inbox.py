"""web: the inbox's keyset indexes (every filter column before each sort's columns) and
the dashboard's unanswered index

Revision ID: 0005b_web_inbox
Revises: 0005_web
Create Date: 2026-11-22 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005b_web_inbox"
down_revision: str | None = "0005_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVITY = ["last_activity_at", "id"]
PRIORITY = ["priority", *ACTIVITY]
INDEXES = {
    "ix_conversation_status_priority": ["workspace_id", "status", *PRIORITY],
    "ix_conversation_channel": ["workspace_id", "channel", *ACTIVITY],
    "ix_conversation_channel_priority": ["workspace_id", "channel", *PRIORITY],
    "ix_conversation_owner": ["workspace_id", "owner_id", *ACTIVITY],
    "ix_conversation_owner_priority": ["workspace_id", "owner_id", *PRIORITY],
    # the dashboard: open conversations with no first response yet, oldest first
    "ix_conversation_unanswered": [
        "workspace_id",
        "first_response_at",
        "status",
        "first_inbound_at",
    ],
}


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
