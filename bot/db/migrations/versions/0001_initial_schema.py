"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 14:48:33.706663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_files",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_media_files")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reminder_time", sa.Time(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("weekdays_mask", sa.SmallInteger(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("onboarded", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("paused_indefinitely", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("next_due_date", sa.Date(), nullable=True),
        sa.Column("weekly_summary", sa.Boolean(), nullable=False),
        sa.Column("next_weekly_at", sa.DateTime(), nullable=True),
        sa.Column("pain_consent_at", sa.DateTime(), nullable=True),
        sa.Column("pain_consent_declined_at", sa.DateTime(), nullable=True),
        sa.Column("default_routine", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_next_due_at"), ["next_due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_users_next_weekly_at"), ["next_weekly_at"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("snoozed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deliveries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("user_id", "kind", "local_date", name="uq_deliveries_user_kind_date"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deliveries_user_id"), ["user_id"], unique=False)

    op.create_table(
        "pause_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pause_periods_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause_periods")),
    )
    with op.batch_alter_table("pause_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pause_periods_user_id"), ["user_id"], unique=False)

    op.create_table(
        "routine_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("routine_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("step_index", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("easier", sa.Boolean(), nullable=False),
        sa.Column("steps_done", sa.SmallInteger(), nullable=False),
        sa.Column("steps_skipped", sa.SmallInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("timer_round", sa.SmallInteger(), nullable=True),
        sa.Column("timer_ends_at", sa.DateTime(), nullable=True),
        sa.Column("timer_last_edit_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_routine_runs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routine_runs")),
    )
    with op.batch_alter_table("routine_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routine_runs_timer_ends_at"), ["timer_ends_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_routine_runs_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_routine_runs_one_active",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "pain_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=True),
        sa.Column("routine_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["routine_run_id"],
            ["routine_runs.id"],
            name=op.f("fk_pain_entries_routine_run_id_routine_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pain_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_entries")),
    )
    with op.batch_alter_table("pain_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pain_entries_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pain_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pain_entries_user_id"))

    op.drop_table("pain_entries")
    with op.batch_alter_table("routine_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_routine_runs_one_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_routine_runs_user_id"))
        batch_op.drop_index(batch_op.f("ix_routine_runs_timer_ends_at"))

    op.drop_table("routine_runs")
    with op.batch_alter_table("pause_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pause_periods_user_id"))

    op.drop_table("pause_periods")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_user_id"))
        batch_op.drop_index("ix_deliveries_status_next_attempt_at")

    op.drop_table("deliveries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_next_weekly_at"))
        batch_op.drop_index(batch_op.f("ix_users_next_due_at"))

    op.drop_table("users")
    op.drop_table("media_files")
