"""Weekly summaries move from Sunday to Monday; users.subscribed_at

The summary went out on Sunday at the reminder time, before that day's routine, so Sunday
never counted. It now goes out on Monday about the week that ended. Each planned
`next_weekly_at` on a Sunday moves to the Monday after, at the user's reminder time in
their zone (DST-correct, `bot.domain.schedule.local_instant`): a week whose Sunday summary
was sent plans its next one for the Monday after the following Sunday (the dispatcher
planned it then), so the move neither sends two summaries in one week nor skips one.

`subscribed_at` (when reminders last went from off to on) keeps a summary from being about
a week the user wasn't subscribed for; existing subscribers get their first contact.

The downgrade moves every Monday plan back to the Sunday before (so an upgrade and a
downgrade give back the plans as they were) and drops `subscribed_at`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:10:00
"""

from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

from bot.domain.schedule import local_instant
from bot.domain.timezones import load_zone

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONDAY = 0
SUNDAY = 6


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("subscribed_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET subscribed_at = created_at WHERE subscribed")
    _move_weekly_plans(SUNDAY, timedelta(days=1))


def downgrade() -> None:
    """The inverse: each summary planned on a Monday goes back to the Sunday before, at the
    user's reminder time in their zone (the day 0011's dispatcher plans and sends them)."""
    _move_weekly_plans(MONDAY, timedelta(days=-1))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("subscribed_at")


def _move_weekly_plans(weekday: int, by: timedelta) -> None:
    """Move each `next_weekly_at` on local `weekday` by `by` days, to the user's reminder
    time in their zone that day."""
    # Typed columns, so values are read and written in SQLAlchemy's own format (SQLite
    # stores them as text, and the dispatcher's compare-and-set compares that text).
    users = sa.table(
        "users",
        sa.column("id", sa.BigInteger()),
        sa.column("next_weekly_at", sa.DateTime()),
        sa.column("reminder_time", sa.Time()),
        sa.column("time_zone", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(users.c.id, users.c.next_weekly_at, users.c.reminder_time, users.c.time_zone)
        .where(users.c.next_weekly_at.is_not(None))
        .where(users.c.reminder_time.is_not(None))
        .where(users.c.time_zone.is_not(None))
    ).all()
    moves = []
    for user_id, planned, at, zone_key in rows:
        zone = load_zone(zone_key)
        local_day = planned.replace(tzinfo=UTC).astimezone(zone).date()
        if local_day.weekday() != weekday:
            continue
        moved = local_instant(local_day + by, at, zone)
        moves.append({"uid": user_id, "at": moved.astimezone(UTC).replace(tzinfo=None)})
    if moves:
        bind.execute(
            sa.update(users)
            .where(users.c.id == sa.bindparam("uid"))
            .values(next_weekly_at=sa.bindparam("at")),
            moves,
        )
