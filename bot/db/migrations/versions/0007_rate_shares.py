"""one broadcast budget per bot token across processes: rate_shares

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_shares",
        sa.Column("process_id", sa.String(length=32), nullable=False),
        sa.Column("bot_key", sa.BigInteger(), nullable=False),
        sa.Column("share", sa.SmallInteger(), nullable=False),
        sa.Column("previous_share", sa.SmallInteger(), nullable=False),
        sa.Column("previous_until", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_rate_shares")),
    )
    op.create_index(op.f("ix_rate_shares_bot_key"), "rate_shares", ["bot_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_shares_bot_key"), table_name="rate_shares")
    op.drop_table("rate_shares")
