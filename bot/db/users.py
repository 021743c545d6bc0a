"""Data access for users and their reminder preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Date,
    Integer,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import TextualSelect

from bot.db.batch import per_row
from bot.db.engine import Executor
from bot.db.models import PausePeriod, User, UTCDateTime
from bot.domain.questions import Question, decode
from bot.domain.reminder_plan import ReminderPrefs, weekdays_from_mask


async def get(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def all_ids(session: AsyncSession) -> list[int]:
    """Every stored user's Telegram id, ascending."""
    return list((await session.scalars(select(User.id).order_by(User.id))).all())


async def mark_safety_shown(session: Executor, user_id: int, shown: bool = True) -> bool:
    """Set `users.safety_shown`; True when this call changed it (so exactly one caller of
    several at once shows the safety texts)."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.safety_shown != shown)
        .values(safety_shown=shown)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


#: A user's open-question columns (bound: ``user_id``), built once: every command and
#: every button but a routine's step and keypad reads them.
_QUESTION_FIELDS = select(User.question, User.question_seq, User.question_message_id).where(
    User.id == bindparam("user_id")
)


async def question_fields(
    executor: Executor, user_id: int
) -> tuple[str | None, int, int | None] | None:
    """(question, question_seq, question_message_id) of a user, None without a row: the
    three columns every button and command checks, without loading the whole user."""
    row = (await executor.execute(_QUESTION_FIELDS, {"user_id": user_id})).first()
    return None if row is None else (row[0], row[1], row[2])


async def get_for_update(session: AsyncSession, user_id: int) -> User | None:
    """The user's row, locked until the transaction ends (PostgreSQL; SQLite writers are
    serialized by BEGIN IMMEDIATE instead)."""
    return await session.get(User, user_id, with_for_update=True)


async def get_or_create(
    session: AsyncSession, user_id: int, chat_id: int, now: datetime
) -> tuple[User, bool]:
    """The user's row, creating an empty one on first contact (never overwriting data)."""
    user = await session.get(User, user_id)
    if user is not None:
        if user.chat_id != chat_id:
            user.chat_id = chat_id
        return user, False
    user = User(id=user_id, chat_id=chat_id, created_at=now)
    session.add(user)
    await session.flush()
    return user, True


def prefs_of(user: User) -> ReminderPrefs:
    return ReminderPrefs(
        at=user.reminder_time,
        zone_key=user.time_zone,
        weekdays=weekdays_from_mask(user.weekdays_mask),
        subscribed=user.subscribed,
        paused_until=user.paused_until,
        paused_indefinitely=user.paused_indefinitely,
    )


@dataclass(frozen=True)
class DueUser:
    """What the dispatcher needs of a user whose reminder has come, and nothing more."""

    id: int
    next_due_at: datetime
    next_due_date: date
    prefs: ReminderPrefs


#: The columns `due_for_reminder` reads (plain rows, no ORM objects to build and track).
DUE_COLUMNS = (
    User.id,
    User.next_due_at,
    User.next_due_date,
    User.reminder_time,
    User.time_zone,
    User.weekdays_mask,
    User.subscribed,
    User.paused_until,
    User.paused_indefinitely,
)

# Built once: the statement's cache key is then found without walking a new statement.
_DUE = (
    select(*DUE_COLUMNS)
    .where(User.next_due_at.is_not(None), User.next_due_at <= bindparam("now", type_=UTCDateTime))
    .order_by(User.next_due_at)
    .limit(bindparam("limit", type_=Integer))
)
_DUE_SKIP_LOCKED = _DUE.with_for_update(skip_locked=True)
# Every weekday mask there is (7 bits), decoded once.
_WEEKDAYS = tuple(weekdays_from_mask(mask) for mask in range(1 << 7))


async def due_for_reminder(session: AsyncSession, now: datetime, limit: int) -> list[DueUser]:
    """Users whose next reminder instant has come, earliest first (a range scan of the
    `next_due_at` index).

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``: dispatchers planning
    at once take disjoint users, so their set-based updates never wait on (or deadlock
    with) each other; SQLite's ``BEGIN IMMEDIATE`` already serialises writers. Runs on the
    session's connection as a Core statement (plain tuples, no ORM loading), built once.
    """
    connection = await session.connection()
    query = _DUE_SKIP_LOCKED if _postgres(session) else _DUE
    rows = await connection.execute(query, {"now": now, "limit": limit})
    due: list[DueUser] = []
    for user_id, due_at, due_date, at, zone, mask, subscribed, paused, forever in rows:
        if due_at is None or due_date is None:
            continue
        weekdays = _WEEKDAYS[mask] if 0 <= mask < len(_WEEKDAYS) else weekdays_from_mask(mask)
        prefs = ReminderPrefs(at, zone, weekdays, subscribed, paused, forever)
        due.append(DueUser(user_id, due_at, due_date, prefs))
    return due


async def next_due_instant(session: AsyncSession) -> datetime | None:
    """The earliest planned daily reminder or weekly summary of anyone (two index lookups)."""
    daily = await session.scalar(select(func.min(User.next_due_at)))
    weekly = await session.scalar(select(func.min(User.next_weekly_at)))
    instants = [t for t in (daily, weekly) if t is not None]
    return min(instants, default=None)


async def due_for_weekly(session: AsyncSession, now: datetime, limit: int) -> list[User]:
    """Users whose weekly summary has come (locked as `due_for_reminder` does)."""
    query = (
        select(User)
        .where(User.next_weekly_at.is_not(None), User.next_weekly_at <= now)
        .order_by(User.next_weekly_at)
        .limit(limit)
    )
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))


def _postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def unsubscribe(session: AsyncSession, user_id: int) -> None:
    """Stop every scheduled message for a user; their data stays."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(subscribed=False, next_due_at=None, next_due_date=None, next_weekly_at=None)
        .execution_options(synchronize_session=False)
    )


async def pause_periods(session: AsyncSession, user_id: int) -> list[PausePeriod]:
    rows = await session.scalars(
        select(PausePeriod).where(PausePeriod.user_id == user_id).order_by(PausePeriod.start_date)
    )
    return list(rows)


async def open_pause(session: AsyncSession, user_id: int) -> PausePeriod | None:
    return await session.scalar(
        select(PausePeriod)
        .where(PausePeriod.user_id == user_id)
        .order_by(PausePeriod.start_date.desc(), PausePeriod.id.desc())
        .limit(1)
    )


async def open_question(
    session: AsyncSession, user_id: int, stored: str
) -> tuple[int, Question | None]:
    """Make `stored` the user's open question with a new sequence number.

    Returns (new sequence number, the question it replaces or None).
    """
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise LookupError(user_id)
    previous = decode(user.question, user.question_seq, user.question_message_id)
    user.question = stored
    user.question_seq += 1
    user.question_message_id = None
    await session.flush()
    return user.question_seq, previous


async def question_shown(session: AsyncSession, user_id: int, seq: int, message_id: int) -> None:
    """Remember which message carries the buttons of question `seq` (if still open)."""
    await session.execute(
        update(User)
        .where(User.id == user_id, User.question_seq == seq)
        .values(question_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def close_question(
    session: AsyncSession, user_id: int, seq: int | None, stored: str | None
) -> bool:
    """Compare-and-set: close the open question (only question `seq` / `stored` when given)
    and bump the sequence number, so its buttons go stale. False if nothing matched."""
    conditions = [User.id == user_id, User.question.is_not(None)]
    if seq is not None:
        conditions.append(User.question_seq == seq)
    if stored is not None:
        conditions.append(User.question == stored)
    result = await session.execute(
        update(User)
        .where(*conditions)
        .values(question=None, question_seq=User.question_seq + 1, question_message_id=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


#: Row counts the prebuilt moves come in: a batch is padded up to the next one with rows
#: that match no user (id 0), so a handful of statements serve every batch size.
MOVE_SIZES = (8, 32, 128, 500)
_NO_USER = (0, datetime(1970, 1, 1, tzinfo=UTC), None, None)


@lru_cache(maxsize=len(MOVE_SIZES))
def _move_statement(rows: int) -> TextualSelect:
    """`UPDATE users ... FROM (WITH v(id, expected, due_at, due_date) AS (VALUES ...)
    SELECT ... FROM v) AS m ... RETURNING users.id` for `rows` rows of typed bound
    parameters `i<k>`, `e<k>`, `a<k>`, `d<k>`, built once per size.

    Text, because SQLAlchemy compiles a `values()` construct anew on every execution (it
    has no cache key), bound parameters and all; the parameters are typed, so dates and
    times are bound as the columns store them and PostgreSQL (asyncpg) gets a cast on
    each. The VALUES list is named in a CTE inside the FROM: SQLite can't name the columns
    of `VALUES ... AS v(...)`, and a statement that begins with UPDATE (not WITH) is what
    makes Python's sqlite3 open its implicit transaction."""
    rows_sql = ", ".join(f"(:i{k}, :e{k}, :a{k}, :d{k})" for k in range(rows))
    sql = (
        "UPDATE users SET next_due_at = m.due_at, next_due_date = m.due_date"
        f" FROM (WITH v(id, expected, due_at, due_date) AS (VALUES {rows_sql})"
        " SELECT id, expected, due_at, due_date FROM v) AS m"
        " WHERE users.id = m.id AND users.next_due_at = m.expected RETURNING users.id"
    )
    typed: list[BindParameter[Any]] = []
    for k in range(rows):
        typed += [
            bindparam(f"i{k}", type_=BigInteger()),
            bindparam(f"e{k}", type_=UTCDateTime()),
            bindparam(f"a{k}", type_=UTCDateTime()),
            bindparam(f"d{k}", type_=Date()),
        ]
    return text(sql).bindparams(*typed).columns(id=BigInteger())


async def move_next_due_many(
    session: AsyncSession,
    moves: Sequence[tuple[int, datetime, datetime | None, date | None]],
) -> set[int]:
    """`move_next_due` for many users in one statement: each (id, expected, new instant,
    new local date) is a compare-and-set; returns the ids that moved.

    The database joins each user to its row of a VALUES list (SQLite >= 3.33, PostgreSQL;
    `_move_statement`), where a `CASE id WHEN ...` of one branch per user for three columns
    was built, bound and evaluated for every batch. More than `MOVE_SIZES[-1]` moves take
    one statement per that many."""
    moved: set[int] = set()
    largest = MOVE_SIZES[-1]
    for begin in range(0, len(moves), largest):
        chunk = list(moves[begin : begin + largest])
        size = next(n for n in MOVE_SIZES if n >= len(chunk))
        chunk.extend([_NO_USER] * (size - len(chunk)))
        params: dict[str, Any] = {}
        for k, (user_id, expected, due_at, due_date) in enumerate(chunk):
            params[f"i{k}"] = user_id
            params[f"e{k}"] = expected
            params[f"a{k}"] = due_at
            params[f"d{k}"] = due_date
        result = await session.execute(_move_statement(size), params)
        moved.update(result.scalars())
    return moved


async def move_next_weekly_many(
    session: AsyncSession, moves: Sequence[tuple[int, datetime, datetime | None]]
) -> set[int]:
    """`move_next_weekly` for many users in one statement; returns the ids that moved."""
    if not moves:
        return set()
    key = User.id
    result = await session.execute(
        update(User)
        .where(
            key.in_([m[0] for m in moves]),
            User.next_weekly_at == per_row(key, {m[0]: m[1] for m in moves}, UTCDateTime),
        )
        .values(next_weekly_at=per_row(key, {m[0]: m[2] for m in moves}, UTCDateTime))
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def unsubscribe_many(session: AsyncSession, user_ids: Sequence[int]) -> None:
    """`unsubscribe` for many users in one statement."""
    if user_ids:
        await session.execute(
            update(User)
            .where(User.id.in_(list(user_ids)))
            .values(subscribed=False, next_due_at=None, next_due_date=None, next_weekly_at=None)
            .execution_options(synchronize_session=False)
        )
