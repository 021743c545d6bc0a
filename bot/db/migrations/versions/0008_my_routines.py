"""my_routines: routines people make or add from a share link; the pending share code;
a run's copy of the user routine it follows

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "my_routines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("no_floor", sa.Boolean(), nullable=False),
        sa.Column("gentle", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Boolean(), nullable=False),
        sa.Column("from_link", sa.Boolean(), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("edits", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_my_routines_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_my_routines")),
    )
    with op.batch_alter_table("my_routines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_my_routines_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_share", sa.String(length=64), nullable=True))
    with op.batch_alter_table("routine_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_routine", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routine_runs", schema=None) as batch_op:
        batch_op.drop_column("custom_routine")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pending_share")
    with op.batch_alter_table("my_routines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_my_routines_user_id"))
    op.drop_table("my_routines")
