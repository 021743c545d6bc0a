"""What a routine tap costs, counted: the callback answer comes before everything but the
state change, the state change is one transaction, nothing is re-read.

The real bot on the loopback Bot API and a real SQLite file; SQLAlchemy's engine events
and the bot's own HTTP client are observed, nothing is replaced. No timing is asserted
(`bench/tapcost.py` prints the same counts for every kind of tap).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from bot.services import routines as routines_service
from tests.harness.bot import BotHarness, onboard
from tests.test_sqlite_driver import handoffs


@contextmanager
def journal(harness: BotHarness) -> Iterator[list[str]]:
    """Everything the bot does, in order: SQL statements, commits, and each Bot API
    request as the bot's HTTP client starts it ("api:<method>")."""
    entries: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        entries.append(" ".join(statement.split()[:4]))

    def committed(_conn: Any) -> None:
        entries.append("COMMIT")

    assert harness.app is not None
    request: Any = harness.app.bot.request
    original = request.do_request

    async def do_request(url: str, *args: Any, **kwargs: Any) -> Any:
        entries.append("api:" + url.rsplit("/", 1)[-1])
        return await original(url, *args, **kwargs)

    request.do_request = do_request
    event.listen(Engine, "before_cursor_execute", executed)
    event.listen(Engine, "commit", committed)
    try:
        yield entries
    finally:
        event.remove(Engine, "before_cursor_execute", executed)
        event.remove(Engine, "commit", committed)
        request.do_request = original


@contextmanager
def full_statements() -> Iterator[list[str]]:
    """Every SQL statement the bot runs, whole."""
    statements: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", executed)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", executed)


class Checkouts:
    """Connections checked out of the bot's pool (one per session) while it listens."""

    def __init__(self, pool: Pool) -> None:
        self.pool, self.count = pool, 0
        event.listen(pool, "checkout", self._checkout)

    def _checkout(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.pool, "checkout", self._checkout)


def until_answer(entries: list[str]) -> list[str]:
    return entries[: entries.index("api:answerCallbackQuery")]


async def test_done_answers_after_one_transaction_without_reading_back(
    harness: BotHarness,
) -> None:
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Done")  # the clips of steps 1-2 are uploaded and cached now
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")

    pool = harness.services.engine.sync_engine.pool
    with journal(harness) as entries, handoffs() as calls, full_statements() as statements:
        checkouts = Checkouts(pool)
        await harness.tap(user, "Done")
        checkouts.close()

    assert "2 of 5" in harness.last_text(user)
    before = until_answer(entries)
    assert [e for e in before if e.startswith("api:")] == [], "a Bot API call before the answer"
    assert not any("IMMEDIATE" in e for e in before), "a read took SQLite's write lock"
    # one transaction: the run and the open question read together (no session of the
    # question's own), the compare-and-set (and what the step's outcome adds), committed
    # before the answer goes out
    reads = [e for e in statements if e.startswith("SELECT")]
    assert len(reads) == 1 and "routine_runs" in reads[0] and "users" in reads[0], reads
    assert [e.split(".")[0] for e in before if e.startswith("SELECT")] == ["SELECT users"]
    assert before.count("COMMIT") == 1 and before[-1] == "COMMIT", before
    after = [e for e in entries[len(before) :] if not e.startswith("api:") and e != "COMMIT"]
    assert not any(e.startswith("SELECT") for e in after), "read back after the tap"
    assert len(after) <= 1, after  # noting which message shows the run
    methods = sorted(e for e in entries if e.startswith("api:"))
    assert methods == ["api:answerCallbackQuery", "api:editMessageCaption", "api:sendAnimation"]
    assert checkouts.count == 2, "sessions: the tap's transaction, noting the message"
    if harness.services.engine.dialect.name == "sqlite":
        # one hand-off to aiosqlite's thread per statement and per commit, no rollbacks of
        # nothing (bot/db/sqlite_driver.py); SQLAlchemy's own adapter took 23 for this tap
        statements = [e for e in entries if not e.startswith("api:") and e != "COMMIT"]
        assert len(calls) == len(statements) + entries.count("COMMIT"), calls


async def test_pain_level_is_stored_with_the_step_it_moves_to(harness: BotHarness) -> None:
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")

    with journal(harness) as entries:
        await harness.tap(user, "5")

    assert "Pain before: 5/10" in "\n".join(harness.bot_texts(user))
    moved = next(i for i, e in enumerate(entries) if e.startswith("UPDATE routine_runs SET"))
    stored = next(i for i, e in enumerate(entries) if e.startswith("INSERT INTO pain_entries"))
    committed = entries.index("COMMIT", moved)
    assert moved < stored < committed, "the level and the step change in two transactions"
    assert "api:answerCallbackQuery" in entries[committed:]


async def test_stretch_by_a_known_user_writes_nothing(harness: BotHarness) -> None:
    """At 8 a.m. everyone types /stretch: a known user's picker takes no write lock."""
    user = harness.new_user("Ana")
    await onboard(harness, user)

    pool = harness.services.engine.sync_engine.pool
    with journal(harness) as entries:
        checkouts = Checkouts(pool)
        await harness.send(user, "/stretch")
        checkouts.close()

    assert "Quick start" in " ".join(harness.server.last_bot_message(user.id).button_labels())
    assert not any("IMMEDIATE" in e for e in entries), entries
    assert "COMMIT" not in entries, entries
    assert not any(e.startswith(("INSERT", "UPDATE", "DELETE")) for e in entries), entries
    # the user is read twice: the open-question check every command makes, and the greeting
    # (whose zone the bad-day and advised-rest rules then use); the run in progress, those
    # rules and the user's own routines are one session (before: 4 reads of users in 6
    # sessions)
    users_read = [e for e in entries if e.startswith("SELECT users")]
    assert len(users_read) == 2, entries
    assert checkouts.count == 3, "sessions: the open question, the greeting, the picker"


async def test_the_tap_ending_a_run_answers_before_applying_it_in_one_transaction(
    harness: BotHarness,
) -> None:
    """The last keypad ends the run: the compare-and-set holds, the answer goes out, and the
    run is applied to the program while it travels, in the transaction that ended the run.
    One commit holds the run's end, the level and the program: a process stopping after the
    answer leaves all of it undone (the keypad still works), never a finished run whose
    program was not applied."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "5")
    for _ in range(5):
        await harness.tap(user, "Done")

    with journal(harness) as entries:
        await harness.tap(user, "3")

    assert "Pain after: 3/10" in "\n".join(harness.bot_texts(user))
    answered = entries.index("api:answerCallbackQuery")
    ended = next(i for i, e in enumerate(entries) if e.startswith("UPDATE routine_runs SET"))
    program = [i for i, e in enumerate(entries) if "program_" in e]
    assert program, entries
    committed = entries.index("COMMIT", ended)
    assert ended < answered < program[0], "the program was applied before the answer"
    assert program[-1] < committed, "the program was applied in a transaction of its own"
    assert "COMMIT" not in until_answer(entries), "the run's end committed before the answer"
    assert await harness.services.routines.active(user.id) is None  # ended and committed
    # the program's rows are read once: saving writes the rows the load read (before, the
    # save read them all again in the same transaction)
    reads = [e for e in entries if e.startswith("SELECT") and "program_" in e]
    assert len(reads) == 1, entries  # the stretches and the freeze: one statement


async def test_a_routine_start_reads_the_user_once(harness: BotHarness) -> None:
    """Picking a routine: besides the open-question check every update makes, the start
    reads the user (existence, pain-log consent) and the program in one session, then one
    transaction starts the run (before: three reads of the user in three sessions)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")

    with journal(harness) as entries:
        await harness.tap(user, "Quick start")

    assert "1 of 5" in harness.last_text(user)
    users_read = [e for e in entries if e.startswith("SELECT users")]
    assert len(users_read) == 2, entries  # the open-question check, and the start's read
    assert entries.count("COMMIT") == 2, entries  # the start, and which message shows it
    # the safety texts were shown at the first start: the read says so, no UPDATE of users
    assert not any(e.startswith("UPDATE users") for e in entries), entries


async def test_a_done_tap_builds_none_of_its_run_statements(harness: BotHarness) -> None:
    """The run's read (with the open question), its compare-and-set and noting its message
    are statements built once: a second Done runs the very same objects (SQLAlchemy then
    neither builds them nor computes their cache keys again)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    executed: list[Any] = []

    def before_execute(_conn: Any, clause: Any, *_: Any) -> None:
        executed.append(clause)

    event.listen(Engine, "before_execute", before_execute)
    try:
        await harness.tap(user, "Done")
        first = list(executed)
        executed.clear()
        await harness.tap(user, "Done")
        second = list(executed)
    finally:
        event.remove(Engine, "before_execute", before_execute)

    assert "3 of 5" in harness.last_text(user)
    runs = [s for s in second if "routine_runs" in str(s) and "run_steps" not in str(s)]
    assert len(runs) == 3, [str(s) for s in second]  # the read, the CAS, the message noted
    assert all(any(s is seen for seen in first) for s in runs), "a statement built per tap"


async def test_a_done_tap_runs_no_orm_dml_and_flushes_nothing(harness: BotHarness) -> None:
    """The tap's statements (the read, the compare-and-set, the step's outcome, noting the
    message) are prebuilt Core statements on Core connections: none goes through the ORM's
    bulk-update path (which builds a new statement and computes its cache key on every
    execution) or an ORM session, and nothing is flushed (no ORM object added for the
    step's outcome)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Done")  # the clips of steps 1-2 are uploaded and cached now
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    orm_writes: list[str] = []
    flushes: list[int] = []

    orm_statements: list[str] = []

    def orm_execute(state: Any) -> None:
        orm_statements.append(" ".join(str(state.statement).split()[:4]))
        if not state.is_select and state.is_orm_statement:
            orm_writes.append(str(state.statement))

    def flushed(session: Any, *_: Any) -> None:
        if session.new or session.dirty or session.deleted:
            flushes.append(len(session.new) + len(session.dirty) + len(session.deleted))

    event.listen(Session, "do_orm_execute", orm_execute)
    event.listen(Session, "before_flush", flushed)
    try:
        with journal(harness) as entries:
            await harness.tap(user, "Done")
    finally:
        event.remove(Session, "do_orm_execute", orm_execute)
        event.remove(Session, "before_flush", flushed)

    assert "2 of 5" in harness.last_text(user)
    assert any(e.startswith("INSERT INTO run_steps") for e in entries), entries
    assert orm_writes == [], orm_writes
    assert flushes == [], "an ORM object flushed on the tap path"
    # no ORM session at all: the read, the compare-and-set, the step's outcome and noting
    # the message run on Core connections (a session's begin, execution and commit
    # machinery cost about twice a bare connection's CPU); before, every one of them
    # went through `Session.execute`
    assert orm_statements == [], orm_statements


async def test_a_done_tap_parses_no_plan(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's stored plan (JSON with a validated dose per step) is parsed once per plan
    while the bot runs: Done taps on a run whose plan was seen parse nothing (before,
    every tap parsed it two or three times: the read, the result, the ending)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    parsed: list[str] = []
    original = routines_service.steps_from_plan

    def counting(plan: str, content: Any) -> Any:
        parsed.append(plan)
        return original(plan, content)

    monkeypatch.setattr(routines_service, "steps_from_plan", counting)
    for step in (2, 3, 4, 5):
        await harness.tap(user, "Done")
        assert f"{step} of 5" in harness.last_text(user)
    await harness.tap(user, "Done")  # the last step: the run ends, applied to the program
    assert "How was it?" in "\n".join(harness.bot_texts(user))
    # the plan was parsed when the run's first step was shown, before the counting began
    assert parsed == [], f"{len(parsed)} plan parses in 5 Done taps"


async def test_the_open_question_check_is_a_core_read(harness: BotHarness) -> None:
    """The open-question check every command and most buttons make is one prebuilt Core
    statement on a bare connection: no ORM session (its begin, execution and close cost
    about twice the connection's CPU)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    orm_statements: list[str] = []
    executed: list[str] = []

    def orm_execute(state: Any) -> None:
        orm_statements.append(" ".join(str(state.statement).split()))

    def before_execute(_conn: Any, clause: Any, *_: Any) -> None:
        executed.append(" ".join(str(clause).split()))

    event.listen(Session, "do_orm_execute", orm_execute)
    event.listen(Engine, "before_execute", before_execute)
    try:
        await harness.send(user, "/stretch")
        await harness.send(user, "/stretch")
    finally:
        event.remove(Session, "do_orm_execute", orm_execute)
        event.remove(Engine, "before_execute", before_execute)

    assert "Quick start" in " ".join(harness.server.last_bot_message(user.id).button_labels())
    check = "SELECT users.question, users.question_seq, users.question_message_id FROM users"
    assert sum(s.startswith(check) for s in executed) == 2, executed  # one per command
    assert not any(s.startswith(check) for s in orm_statements), orm_statements


async def test_the_tap_completing_a_run_is_one_connection(harness: BotHarness) -> None:
    """The last Done of a routine (no pain log): the compare-and-set, the step's outcome,
    applying the run to the program and, after the commit, the end-of-routine message's
    figures (the run's levels, the streak) on one connection from the pool (before: the
    tap's transaction, then a session for the levels and another for the streak)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    for step in (2, 3, 4, 5):
        await harness.tap(user, "Done")
        assert f"{step} of 5" in harness.last_text(user)

    pool = harness.services.engine.sync_engine.pool
    with journal(harness) as entries:
        checkouts = Checkouts(pool)
        await harness.tap(user, "Done")
        checkouts.close()

    ending = harness.last_text(user)
    assert "How was it?" in ending and "5 stretches in about" in ending, ending
    assert "Streak: 1 day" in ending, ending  # the run just completed counts
    assert entries.count("COMMIT") == 1, entries
    committed = entries.index("COMMIT")
    figures = [e for e in entries[committed:] if e.startswith("SELECT")]
    # the run's levels come from the pain log's history the tap read for the program
    # (before: read again after the commit); the streak is read after it
    assert not any("pain_entries" in e for e in figures), entries
    # the streak: the runs and the pauses in one statement (before: two)
    assert len(figures) == 1, entries
    assert checkouts.count == 1, f"{checkouts.count} connections for the last Done"


@contextmanager
def through_orm() -> Iterator[list[str]]:
    """The statements run through an ORM session."""
    statements: list[str] = []

    def orm_execute(state: Any) -> None:
        statements.append(" ".join(str(state.statement).split()[:4]))

    event.listen(Session, "do_orm_execute", orm_execute)
    try:
        yield statements
    finally:
        event.remove(Session, "do_orm_execute", orm_execute)


async def test_the_keypad_before_a_routine_reads_the_pain_log_once(harness: BotHarness) -> None:
    """The level before a routine that isn't gentle: the bad-day and advised-rest rules
    before and after the reading and whether it began the persistent-pain rule come from
    one read of the pain log, on the tap's connection, no ORM (before: 17 statements, the
    user read 6 times, 3 sessions, 13 statements through the ORM)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "5")  # the first step's clip is uploaded (and noted) once
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")

    pool = harness.services.engine.sync_engine.pool
    with full_statements() as statements, through_orm() as orm:
        checkouts = Checkouts(pool)
        await harness.tap(user, "5")
        checkouts.close()

    assert "1 of 5" in harness.last_text(user)
    users_read = [s for s in statements if s.startswith("SELECT users.")]
    assert users_read == statements[:1], statements  # with the run, nothing else
    log_read = [s for s in statements if s.startswith("SELECT") and "pain_entries" in s]
    assert len(log_read) == 1, statements
    assert len(statements) == 5, statements  # run+user, pain log, CAS, level, message noted
    assert orm == [], orm
    assert checkouts.count == 2, "sessions: the tap's transaction, noting the message"


async def test_the_keypad_after_a_routine_reads_the_user_and_pain_log_once(
    harness: BotHarness,
) -> None:
    """The level after a routine: the run's end, the level, applying it to the program,
    the summary's figures and the persistent-pain check read the user once and the pain
    log once, on one connection (before: 18 statements, 2 sessions, 15 through the ORM)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "5")
    for _ in range(5):
        await harness.tap(user, "Done")

    pool = harness.services.engine.sync_engine.pool
    with full_statements() as statements:
        checkouts = Checkouts(pool)
        await harness.tap(user, "3")
        checkouts.close()

    ending = "\n".join(harness.bot_texts(user))
    assert "Pain after: 3/10" in ending and "Streak: 1 day" in ending, ending
    assert "Pain 5 → 3" in ending, ending  # the level before, from the read
    users_read = [s for s in statements if s.startswith("SELECT users.")]
    assert users_read == statements[:1], statements
    log_read = [s for s in statements if s.startswith("SELECT") and "pain_entries" in s]
    assert len(log_read) == 1, statements
    assert checkouts.count == 1, f"{checkouts.count} connections for the last keypad"


async def test_a_routine_start_is_one_transaction_without_the_orm(harness: BotHarness) -> None:
    """Picking a routine: the user with the run in progress and whether they ever started
    one, the pain log (advice may hold a start back), the program and the new run are one
    transaction on one connection, prebuilt Core statements (before: 9 statements, 7
    through the ORM, in 2 sessions and 2 transactions)."""
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")

    pool = harness.services.engine.sync_engine.pool
    with full_statements() as statements, through_orm() as orm:
        checkouts = Checkouts(pool)
        await harness.tap(user, "Quick start")
        checkouts.close()

    assert "1 of 5" in harness.last_text(user)
    assert orm == [], orm
    # the open-question check; the user with the runs, the pain log, the program, the run;
    # which message shows it
    assert len(statements) == 6, statements
    assert sum(s.startswith("INSERT INTO routine_runs") for s in statements) == 1, statements
    assert checkouts.count == 3, "the open question, the start, noting the message"
