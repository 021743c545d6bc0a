"""routine_runs.shown_version: which version of the run its message shows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routine_runs") as batch:
        batch.add_column(sa.Column("shown_version", sa.Integer(), nullable=True))
    # Runs from before this column were shown as far as anyone knows.
    op.execute("UPDATE routine_runs SET shown_version = version")


def downgrade() -> None:
    with op.batch_alter_table("routine_runs") as batch:
        batch.drop_column("shown_version")
