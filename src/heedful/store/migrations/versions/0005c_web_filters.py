"""web: the inbox's "has an open promise" filter probes each conversation's promises by
(conversation, state), so the probe is one index seek (not a walk of every open promise)

Revision ID: 0005c_web_filters
Revises: 0005b_web_inbox
Create Date: 2026-11-22 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005c_web_filters"
down_revision: str | None = "0005b_web_inbox"
branch_labels: str | Sequence[str] | None = None
# The promise table is the care branch's.
depends_on: str | Sequence[str] | None = "0003_care"


def upgrade() -> None:
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.create_index(
            "ix_promise_conversation_state", ["conversation_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_index("ix_promise_conversation_state")
