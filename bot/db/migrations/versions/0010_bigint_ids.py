"""64-bit row ids on PostgreSQL: every autoincrement id, the foreign keys to them and their
sequences become BIGINT

A 32-bit INTEGER id runs out at 2,147,483,647: at a million users run_steps would in about
three years, deliveries in about five (README, Capacity). SQLite needs nothing: an INTEGER
PRIMARY KEY is the table's 64-bit rowid already, so the migration does nothing there.

On PostgreSQL each ALTER rewrites its table under an exclusive lock (minutes for tables of
hundreds of millions of rows): run it in a maintenance window on a big database.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose `id` is an autoincrement sequence.
ID_TABLES = (
    "deliveries",
    "pause_periods",
    "routine_runs",
    "run_steps",
    "program_stretches",
    "program_changes",
    "my_routines",
    "pain_entries",
)
#: Other columns holding one of those ids (foreign keys, and the routine a draft edits).
ID_COLUMNS = (
    ("run_steps", "run_id"),
    ("pain_entries", "routine_run_id"),
    ("my_routines", "edits"),
)


def _retype(kind: str) -> None:
    for table in ID_TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE {kind}")
        # A SERIAL's sequence is typed too (its MAXVALUE is the type's largest value).
        op.execute(
            f"DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS {kind}', "
            f"pg_get_serial_sequence('{table}', 'id')); END $$"
        )
    for table, column in ID_COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _retype("BIGINT")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _retype("INTEGER")
