"""the adaptive program: per-stretch events of each run, program state and changes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routine_runs") as batch:
        batch.add_column(sa.Column("plan", sa.Text(), nullable=True))
        batch.add_column(sa.Column("feedback", sa.String(8), nullable=True))
    op.create_table(
        "run_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("routine_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step_index", sa.SmallInteger(), nullable=False),
        sa.Column("stretch_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("chose_easier", sa.Boolean(), nullable=False),
        sa.Column("easier_shown", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("run_id", "step_index", name="uq_run_steps_run_step"),
    )
    op.create_index("ix_run_steps_user_id", "run_steps", ["user_id"])
    op.create_table(
        "program_stretches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stretch_id", sa.String(64), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("ease", sa.String(8), nullable=True),
        sa.Column("eased_until", sa.DateTime(), nullable=True),
        sa.Column("easier_streak", sa.SmallInteger(), nullable=False),
        sa.Column("easier_since", sa.DateTime(), nullable=True),
        sa.Column("comfortable", sa.SmallInteger(), nullable=False),
        sa.Column("comfortable_day", sa.Date(), nullable=True),
        sa.Column("too_easy", sa.SmallInteger(), nullable=False),
        sa.Column("grown_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("previous_level", sa.SmallInteger(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("user_id", "stretch_id", name="uq_program_stretches_user_stretch"),
    )
    op.create_table(
        "program_holds",
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("frozen_until", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "program_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("stretch_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("from_level", sa.SmallInteger(), nullable=False),
        sa.Column("to_level", sa.SmallInteger(), nullable=False),
    )
    op.create_index("ix_program_changes_user_id", "program_changes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_program_changes_user_id", "program_changes")
    op.drop_table("program_changes")
    op.drop_table("program_holds")
    op.drop_table("program_stretches")
    op.drop_index("ix_run_steps_user_id", "run_steps")
    op.drop_table("run_steps")
    with op.batch_alter_table("routine_runs") as batch:
        batch.drop_column("feedback")
        batch.drop_column("plan")
