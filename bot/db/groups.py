"""Data access for the groups' "private chats only" note (`group_notes`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroupNote

#: Expired rows deleted per note sent: more than can expire between two notes in practice,
#: and bounded, so one note never waits on a long delete.
PRUNE_BATCH = 500


def _postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def claim(session: AsyncSession, chat_id: int, now: datetime, since: datetime) -> bool:
    """Note the group at `now` unless it was noted in ``(since, now]``; True if noted.

    One statement (an upsert whose update applies only to an expired row, with RETURNING),
    so two processes (or two updates) never both claim the same hour. A note stamped after
    `now` (the clock was set back) does not count, as before.
    """
    insert = postgresql.insert if _postgresql(session) else sqlite.insert
    statement = insert(GroupNote).values(chat_id=chat_id, noted_at=now)
    upsert = statement.on_conflict_do_update(
        index_elements=[GroupNote.chat_id],
        set_={"noted_at": statement.excluded.noted_at},
        where=or_(GroupNote.noted_at <= since, GroupNote.noted_at > now),
    ).returning(GroupNote.chat_id)
    return (await session.execute(upsert)).first() is not None


async def prune(session: AsyncSession, before: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` notes stamped before `before` (they hold nothing back any more);
    returns how many. On PostgreSQL rows another transaction holds are skipped."""
    old = select(GroupNote.chat_id).where(GroupNote.noted_at < before).limit(limit)
    if _postgresql(session):
        old = old.with_for_update(skip_locked=True)
    result = await session.execute(
        delete(GroupNote)
        .where(GroupNote.chat_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
