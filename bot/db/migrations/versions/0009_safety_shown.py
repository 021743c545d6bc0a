"""users.safety_shown: the disclaimer and the warning signs were shown once

Users who went through /start (a time, a zone, or setup finished) saw them there; everyone
else (a routine before /start) sees them before their next routine.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("safety_shown", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE users SET safety_shown = true WHERE onboarded"
        " OR reminder_time IS NOT NULL OR time_zone IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("safety_shown")
