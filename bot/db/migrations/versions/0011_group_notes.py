"""group_notes: the "private chats only" note in a group, at most once an hour, kept in the
database (it was in one process's memory: a restart or a standby taking over replied again)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_notes",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("noted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_notes")),
    )
    op.create_index(op.f("ix_group_notes_noted_at"), "group_notes", ["noted_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_group_notes_noted_at"), table_name="group_notes")
    op.drop_table("group_notes")
