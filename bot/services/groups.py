"""Groups: when the "private chats only" note may be sent again (at most once an hour)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import groups as groups_db

#: A group gets the "private chats only" note at most once per this long.
GROUP_REPLY_INTERVAL = timedelta(hours=1)


class GroupNotes:
    """Whether a group may get the note now, kept in the database (`group_notes`): a
    restart, a standby taking over or another process sees the same answer."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        interval: timedelta = GROUP_REPLY_INTERVAL,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._interval = interval

    async def note_due(self, chat_id: int) -> bool:
        """True (and the note is counted as sent now) when the group got none within the
        interval; then notes that expired are deleted, so the table holds at most the
        groups noted within the last interval."""
        now = self._clock.now()
        since = now - self._interval
        async with self._sessions() as session, session.begin():
            due = await groups_db.claim(session, chat_id, now, since)
        if due:
            async with self._sessions() as session, session.begin():
                await groups_db.prune(session, since)
        return due
