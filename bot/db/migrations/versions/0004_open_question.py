"""users: the question the bot is waiting for an answer to

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:30:00

Kept in the database (not only in memory) so a typed answer after a restart behaves like
the question's buttons, and so a question's buttons carry a sequence number that makes them
stale once it is answered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("question_seq", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("question_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("question_message_id")
        batch_op.drop_column("question_seq")
        batch_op.drop_column("question")
