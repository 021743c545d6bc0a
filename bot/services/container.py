"""The long-lived objects one running bot owns, created in `post_init`, closed on shutdown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from timezonefinder import TimezoneFinder

from bot.botapi.budget import BroadcastBudget
from bot.clock import Clock
from bot.config import Settings
from bot.content import Content
from bot.reminders import ReminderDispatcher
from bot.services.groups import GroupNotes
from bot.services.my_routines import MyRoutines
from bot.services.pain import PainLog
from bot.services.preferences import Preferences
from bot.services.program import ProgramService
from bot.services.routines import Routines


@dataclass
class Services:
    """Everything handlers and jobs need; stored once in `application.bot_data`."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    zone_finder: TimezoneFinder
    preferences: Preferences
    dispatcher: ReminderDispatcher
    routines: Routines
    pain: PainLog
    program: ProgramService
    mine: MyRoutines
    groups: GroupNotes
    # This process's share of the token's broadcast budget (PostgreSQL only).
    budget: BroadcastBudget | None = None
    #: Called with the user id after /delete erased a user and told them so (the
    #: playground forgets the chat it keeps on disk). A failure is logged, never raised.
    on_erased: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
