"""One broadcast budget per bot token across processes: shares granted from the database.

Telegram's ~30 messages/s is per token, so every process that dispatches reminders for a
token must stay inside one budget together. In production one process is active
(`bot.leadership`), but the dispatcher must not rely on that (an old leader may still be
sending while a new one starts; `python -m bench faults` runs three at once).

On PostgreSQL each dispatching process keeps a row in `rate_shares` (its *share* of the
budget and a lease it renews every `RENEW_SECONDS`) and its `PriorityRateLimiter` lets the
broadcast use only that share. A grant is computed under a per-token advisory lock, so the
grants are serialised, and it never lets the shares counted for all rows exceed the budget:

* a live process (lease ahead) counts with its share; each wants `budget // N` (N live);
* a process that gave up part of its share keeps counting with the old one until every
  message it released under it has been answered by Telegram (it reports that at its next
  renewal), plus `period`: an answered message arrived before its answer, so a window at
  Telegram holding it ends at most `period` later;
* a process that died without a word (SIGKILL, machine gone) stopped releasing messages
  when its lease ran out on its own clock (the limiter's share expires then); a request it
  released before may still arrive until the HTTP timeouts (pool + connect + write) end,
  so its share counts for `crash_drain` more before anyone may reuse it.

Each process keeps its broadcast within its share in any `period` at Telegram (the
limiter's sliding window, see `bot.botapi.ratelimit`), and the shares counted never sum
to more than the budget, so neither do the messages at Telegram in any second. A newcomer
starts with nothing and gets its part once the others have given theirs up (usually within
two renewals); a process stopped with SIGTERM hands its share over after `period`. On SQLite
one process runs the bot, which keeps the whole budget and writes no rows.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.botapi.ratelimit import PriorityRateLimiter
from bot.db import rate_shares

logger = logging.getLogger(__name__)

RENEW_SECONDS = 2.0
SHARE_LEASE_SECONDS = 6.0


def bot_key(token: str) -> int:
    """A bigint that names the bot (SHA-256 of the token; the token can't be read back)."""
    digest = hashlib.sha256(f"stretchbot-budget:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class ShareView:
    """What a grant needs to know of one process's row."""

    process_id: str
    share: int
    previous_share: int
    previous_until: datetime | None
    lease_until: datetime


def counted(row: ShareView, now: datetime, crash_drain: timedelta) -> int:
    """How much of the budget `row` still holds at `now` (what others must leave it)."""
    current = row.share if row.lease_until + crash_drain > now else 0
    given_up = row.previous_share if row.previous_until and row.previous_until > now else 0
    return max(current, given_up)


def grant(
    rows: Sequence[ShareView], me: str, now: datetime, budget: int, crash_drain: timedelta
) -> int:
    """This process's share: `budget // N` for N live processes, capped by what the other
    rows still hold, so the shares counted for all rows never exceed `budget`."""
    others = [r for r in rows if r.process_id != me]
    live = 1 + sum(1 for r in others if r.lease_until > now)
    held = sum(counted(r, now, crash_drain) for r in others)
    return max(0, min(budget // live, budget - held))


class BroadcastBudget:
    """Keeps one process's share of its token's broadcast budget granted and renewed."""

    def __init__(
        self,
        write_sessions: async_sessionmaker[AsyncSession],
        limiter: PriorityRateLimiter,
        token: str,
        *,
        http_timeout: float,
        budget: int | None = None,
        lease: float = SHARE_LEASE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = write_sessions
        self._limiter = limiter
        self._key = bot_key(token)
        self._budget = min(budget or limiter.window.limit, limiter.capacity)
        self._period = timedelta(seconds=limiter.window.period)
        # A request released before the lease ran out arrives, at the latest, when the
        # pool, connect and write timeouts have all run out.
        self._crash_drain = timedelta(seconds=3 * http_timeout) + self._period
        self._lease = lease
        self._monotonic = monotonic
        self.process_id = uuid.uuid4().hex
        self.share = 0
        self._lowered_at: float | None = None  # when this process last gave part up
        self._failing = False
        self._renewing = False
        limiter.set_broadcast_share(0)  # nothing until the first grant

    def _drained(self) -> bool:
        """Every message released before the last lowering has been answered."""
        oldest = self._limiter.oldest_in_flight()
        return self._lowered_at is None or oldest is None or oldest >= self._lowered_at

    async def renew(self) -> int:
        """Register or renew this process's row and take its share; returns the share."""
        started = self._monotonic()
        drained = self._drained()
        async with self._sessions() as session, session.begin():
            now = await rate_shares.lock(session, self._key)
            rows = await rate_shares.all_for(session, self._key)
            views = [
                ShareView(r.process_id, r.share, r.previous_share, r.previous_until, r.lease_until)
                for r in rows
            ]
            mine = next((v for v in views if v.process_id == self.process_id), None)
            previous = (
                0
                if mine is None
                else counted(
                    ShareView(self.process_id, 0, mine.previous_share, mine.previous_until, now),
                    now,
                    self._crash_drain,
                )
            )
            previous_until = mine.previous_until if mine is not None and previous else None
            new = grant(views, self.process_id, now, self._budget, self._crash_drain)
            if new < self.share:
                # Lower at once, before the others can see it; the old share keeps counting
                # until what was released under it has arrived.
                self._limiter.set_broadcast_share(new, started + self._lease)
                self._lowered_at = self._monotonic()
                previous = max(previous, self.share)
                previous_until = now + self._crash_drain
            elif previous and drained and previous_until is not None:
                previous_until = min(previous_until, now + self._period)
            await rate_shares.save(
                session,
                self.process_id,
                self._key,
                share=new,
                previous_share=previous,
                previous_until=previous_until,
                lease_until=now + timedelta(seconds=self._lease),
            )
            await rate_shares.purge(session, self._key, now - self._crash_drain, now)
        if new != self.share:
            logger.info("Broadcast budget share: %s of %s messages/s", new, self._budget)
        self.share = new
        self._limiter.set_broadcast_share(new, started + self._lease)
        return new

    @property
    def busy(self) -> bool:
        """Whether a renewal is in progress."""
        return self._renewing

    async def renew_quietly(self) -> None:
        """`renew` for the periodic job: one log line per outage, never an exception."""
        self._renewing = True
        try:
            await self.renew()
        except Exception as exc:
            if not self._failing:
                logger.warning(
                    "Could not renew the broadcast budget share (%s); reminders wait until "
                    "the database is back",
                    type(exc).__name__,
                )
            self._failing = True
        else:
            if self._failing:
                logger.warning("Broadcast budget share renewed; reminders resume")
            self._failing = False
        finally:
            self._renewing = False

    async def release(self) -> None:
        """On a clean stop: give the share up (it counts for `period` more, or until what is
        still in flight can have arrived)."""
        drained = self._limiter.oldest_in_flight() is None
        self._limiter.set_broadcast_share(0)
        async with self._sessions() as session, session.begin():
            now = await rate_shares.lock(session, self._key)
            rows = await rate_shares.all_for(session, self._key)
            mine = next((r for r in rows if r.process_id == self.process_id), None)
            held = self.share
            if mine is not None and mine.previous_until and mine.previous_until > now:
                held = max(held, mine.previous_share)
            await rate_shares.save(
                session,
                self.process_id,
                self._key,
                share=0,
                previous_share=held,
                previous_until=now + (self._period if drained else self._crash_drain),
                lease_until=now,
            )
        self.share = 0
