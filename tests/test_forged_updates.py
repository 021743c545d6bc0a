"""Issue #8, "Forged, stale and odd updates", through the loopback Bot API: out-of-range
numbers, invalid presets, presets after /delete, other users' reminders and buttons from
people who never started. Every one is answered and changes no row."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot import callbacks, texts
from bot.db.models import Delivery, MyRoutine, RoutineRun
from bot.domain.questions import Kind
from loopback.server import SimUser
from tests.harness.bot import BotHarness, ask_routine_name, onboard
from tests.harness.snapshot import errors_logged, snapshot

INVALID = texts.INVALID_BUTTON
ID_OVER = 2**63  # one more than PostgreSQL's BIGINT (and SQLite's rowid) holds


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


# --- the codec ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "data"),
    [
        (callbacks.parse_delete_confirm, "del:yes:999999999999"),
        (callbacks.parse_delete_answer, "del:yes:999999999999"),
        (callbacks.parse_routine_tap, f"rt:{ID_OVER}:0:done"),
        (callbacks.parse_routine_tap, "rt:0:0:done"),
        (callbacks.parse_routine_pain, f"rp:{ID_OVER}:1:5"),
        (callbacks.parse_reminder_start, f"r:go:{ID_OVER}"),
        (callbacks.parse_reminder_reply, f"r:snooze:{ID_OVER}"),
        (callbacks.parse_reminder_reply, "r:go:5"),  # Start is the routines' button
        (callbacks.parse_reminder_start, "r:go:5:20260230"),  # no 30 February
        (callbacks.parse_reminder_start, "r:go:5:19991231"),  # before any reminder
        (callbacks.parse_reminder_reply, "r:skip:5:2026031"),
        (callbacks.parse_reminder_reply, "r:skip:5:"),
        (callbacks.parse_pain_area, f"pa:{ID_OVER}:neck"),
        (callbacks.parse_time_choice, "t:2599:1"),
        (callbacks.parse_time_choice, "t:0760:1"),
        (callbacks.parse_time_choice, "t:0730:9999999999"),
        (callbacks.parse_weekday_toggle, "d:7"),
        (callbacks.parse_pause_choice, "p:2"),
        (callbacks.parse_zone_confirm, "z:ok::1"),
        (callbacks.parse_question_cancel, "q:x:9999999999"),
        (callbacks.parse_routine_start, "go:../etc"),
    ],
)
def test_parsers_refuse_out_of_range_and_malformed_data(parse: object, data: str) -> None:
    assert callable(parse)
    assert parse(data) is None
    assert not callbacks.matcher(parse)(data)


def test_parsers_accept_the_largest_valid_values() -> None:
    assert callbacks.parse_routine_tap(f"rt:{ID_OVER - 1}:999999:done") == (
        ID_OVER - 1,
        999999,
        "done",
    )
    assert callbacks.parse_reminder_start(f"r:go:{ID_OVER - 1}:99991231") == (
        "go",
        ID_OVER - 1,
        date(9999, 12, 31),
    )
    # A button sent before buttons carried their date still parses, without one.
    assert callbacks.parse_reminder_start(f"r:go:{ID_OVER - 1}") == ("go", ID_OVER - 1, None)
    assert callbacks.parse_delete_confirm("del:yes:253402300799") == datetime(
        9999, 12, 31, 23, 59, 59, tzinfo=UTC
    )
    assert callbacks.parse_time_choice("t:2359:999999999") == (time(23, 59), 999_999_999)
    assert callbacks.parse_zone_confirm(callbacks.zone_retry(7)) == (None, 7)
    assert callbacks.parse_delete_answer(callbacks.DELETE_CANCEL) is False


# --- out-of-range buttons, on SQLite and PostgreSQL ---------------------------------------

FORGED = [
    "del:yes:999999999999",  # was "ValueError: year is out of range"
    f"rt:{ID_OVER}:0:done",  # was "value out of int32 range" on PostgreSQL (ids were INTEGER)
    f"rt:{ID_OVER}:0:show",
    f"rp:{ID_OVER}:0:5",
    f"r:go:{ID_OVER}",
    f"r:snooze:{ID_OVER}",
    f"r:skip:{ID_OVER}",
    f"pa:{ID_OVER}:neck",
    "pa:999999999999:skip",
    "rt:1:9999999:done",
    "t:2599",
    "d:9",
    "s:nothing",
]


async def forged_buttons_are_invalid_and_change_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")  # a message to press on, and an active routine
    await harness.tap(user, "Quick start")
    message = harness.server.last_bot_message(user.id).message_id
    before = await snapshot(harness)
    for data in FORGED:
        await harness.forge(user, message, data)
        assert last_answer(harness) == INVALID, data
    assert await snapshot(harness) == before
    assert texts.ERROR not in harness.bot_texts(user)


async def test_forged_out_of_range_buttons(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """64-bit ids and datetime-sized timestamps are bounded before SQL sees them: on
    PostgreSQL an out-of-range integer would be a DataError, on SQLite an OverflowError."""
    await forged_buttons_are_invalid_and_change_nothing(harness)
    assert errors_logged(caplog) == []


# --- conversational state ------------------------------------------------------------------


async def test_a_forged_time_preset_leaves_no_question_waiting(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30")
    await harness.send(user, "/settings")
    menu = harness.server.last_bot_message(user.id).message_id
    await harness.forge(user, menu, "t:2599")
    assert last_answer(harness) == INVALID
    await harness.send(user, "9:15")  # no time question was asked: not a new time
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(7, 30)
    assert "Reminder time set" not in harness.last_text(user)


async def test_a_forged_time_preset_mid_question_keeps_the_question(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30")
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")  # the question is asked: a typed time is an answer
    presets = harness.server.last_bot_message(user.id).message_id
    await harness.forge(user, presets, "t:9999")
    assert last_answer(harness) == INVALID
    await harness.send(user, "9:15")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(9, 15)


async def test_a_time_preset_after_delete_confirms_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    presets = harness.message_with_button(user, "08:00")
    eight = harness.server.message(user.id, presets).find_button("08:00")
    assert eight is not None
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    before = await snapshot(harness)
    # Its buttons were removed when /delete left the question; a second device still
    # showing them is told that nothing is kept any more and how to begin again.
    await harness.forge(user, presets, str(eight["callback_data"]))
    assert last_answer(harness) == texts.NO_RECORD
    assert not any("08:00" in text for text in harness.bot_texts(user)[-2:])
    await harness.send(user, "9:15")  # the question it was waiting for: nothing stored
    assert await snapshot(harness) == before
    assert await harness.services.preferences.get(user.id) is None


# --- ownership and never-started users ---------------------------------------------------


async def test_start_routine_of_someone_elses_reminder_is_invalid(harness: BotHarness) -> None:
    owner, other = harness.new_user("Owner"), harness.new_user("Other")
    await onboard(harness, owner, at="07:00", zone="UTC")
    await onboard(harness, other, at="20:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    async with harness.services.sessions() as session:
        [delivery] = list(
            await session.scalars(select(Delivery).where(Delivery.user_id == owner.id))
        )
    await harness.send(other, "/help")
    before = await snapshot(harness)
    message = harness.server.last_bot_message(other.id).message_id
    await harness.forge(
        other, message, callbacks.reminder_action("go", delivery.id, delivery.local_date)
    )
    assert last_answer(harness) == INVALID
    assert await snapshot(harness) == before
    # The owner's own button still starts the routine.
    await harness.tap(owner, "Start routine")
    async with harness.services.sessions() as session:
        runs = list(await session.scalars(select(RoutineRun)))
    assert [run.user_id for run in runs] == [owner.id]


EXPLAINED = (INVALID, texts.NO_RECORD, texts.PAIN_NEEDS_CONSENT, texts.DELETE_NOTHING)


def buttons_of_every_kind(now: datetime) -> list[str]:
    return [
        callbacks.routine_start("quick"),
        callbacks.routine_restart("quick"),
        callbacks.reminder_action("go", 1, now.date()),
        callbacks.reminder_action("snooze", 1, now.date()),
        callbacks.routine_tap(1, 0, "cy"),
        callbacks.routine_tap(1, 0, "show"),
        callbacks.routine_pain(1, 0, 4),
        callbacks.PAIN_CONSENT_YES,
        callbacks.PAIN_CONSENT_NO,
        callbacks.pain_level(3, 0),
        callbacks.pain_area(1, "neck"),
        callbacks.time_choice(time(8, 0), 1),
        callbacks.zone_confirm("Europe/Berlin", 1),
        callbacks.zone_retry(1),
        callbacks.question_cancel(1),
        callbacks.settings_action("time"),
        callbacks.settings_action("zone"),
        callbacks.settings_action("menu"),
        callbacks.settings_action("pause"),
        callbacks.settings_action("resume"),
        callbacks.pause_choice(3),
        callbacks.weekday_toggle(2, on=False),
        callbacks.default_routine("quick"),
        callbacks.delete_confirm(now),
        callbacks.DELETE_CANCEL,
    ]


async def test_buttons_never_create_users_runs_or_consent(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    stranger: SimUser = harness.new_user("Stranger")
    await harness.send(stranger, "hello")  # the bot answers: a message to press on
    message = harness.server.last_bot_message(stranger.id).message_id
    before = await snapshot(harness)
    assert all(rows == [] for rows in before.values())
    for data in buttons_of_every_kind(harness.clock.now()):
        await harness.forge(stranger, message, data)
        if data != callbacks.DELETE_CANCEL:  # "Cancel" cancels quietly; the rest explain
            assert last_answer(harness) in EXPLAINED, data
    assert await snapshot(harness) == before
    assert errors_logged(caplog) == []


async def test_a_finished_users_run_buttons_do_not_reach_another_user(
    harness: BotHarness,
) -> None:
    owner, other = harness.new_user("Owner"), harness.new_user("Other")
    await onboard(harness, owner)
    await onboard(harness, other)
    await harness.send(owner, "/stretch")
    await harness.tap(owner, "Quick start")
    [run] = await _runs(harness)
    before = await snapshot(harness)
    message = harness.server.last_bot_message(other.id).message_id
    for action in ("cy", "cn", "done", "stop", "show"):
        await harness.forge(other, message, callbacks.routine_tap(run.id, run.version, action))
        assert last_answer(harness) in (INVALID, texts.ROUTINE_ENDED), action
    assert await snapshot(harness) == before


async def _runs(harness: BotHarness) -> list[RoutineRun]:
    async with harness.services.sessions() as session:
        return list(await session.scalars(select(RoutineRun)))


async def test_an_expired_delete_confirmation_after_days_is_refused(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/delete")
    harness.clock.advance(timedelta(days=2))
    before = await snapshot(harness)
    await harness.tap(user, "Yes, delete everything")
    assert last_answer(harness) == texts.DELETE_EXPIRED
    assert await snapshot(harness) == before


# --- the one open question ------------------------------------------------------------------


async def test_foreign_or_made_up_routine_buttons_keep_the_open_question(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Routine buttons that name a run, a reminder or a routine that isn't the person's
    (another user's, or a made-up id) are refused with the invalid-button toast and change
    nothing: the question they were asked stays open and its typed answer still counts.
    Before, each of them left the question first (its buttons taken away, "I've left..."),
    and the time typed next was not taken as its answer."""
    owner, user = harness.new_user("Owner"), harness.new_user("Ana")
    await onboard(harness, owner, at="07:00", zone="UTC")
    await onboard(harness, user, at="07:30", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1  # the owner's reminder
    await harness.send(owner, "/stretch")
    await harness.tap(owner, "Quick start")
    [run] = await _runs(harness)
    async with harness.services.sessions() as session:
        [delivery] = list(await session.scalars(select(Delivery)))
    made_up = run.id + 1000
    foreign = [
        callbacks.routine_tap(run.id, run.version, "done"),
        callbacks.routine_tap(run.id, run.version, "show"),
        callbacks.routine_tap(run.id, run.version, "cn"),
        callbacks.routine_pain(run.id, run.version, 4),
        callbacks.routine_tap(made_up, 0, "done"),
        callbacks.routine_tap(made_up, 0, "show"),
        callbacks.routine_pain(made_up, 0, 4),
        callbacks.reminder_action("go", delivery.id, delivery.local_date),
        callbacks.reminder_action("go", delivery.id + 1000, delivery.local_date),
        callbacks.routine_start("u-1"),  # no routine of theirs
        callbacks.routine_start("nosuch"),
        callbacks.routine_restart("u-1"),
    ]
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")  # the question: a typed time is its answer
    presets = harness.server.last_bot_message(user.id).message_id
    shown = harness.server.message(user.id, presets).button_labels()
    before = await snapshot(harness)
    for data in foreign:
        await harness.forge(user, presets, data)
        assert last_answer(harness) == INVALID, data
        assert await snapshot(harness) == before, data
        assert harness.server.message(user.id, presets).button_labels() == shown, data
    assert errors_logged(caplog) == []
    await harness.send(user, "9:15")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(9, 15)


async def _saved_and_draft(harness: BotHarness, owner: SimUser) -> tuple[MyRoutine, MyRoutine]:
    """The owner's saved routine "Desk" and an open draft of a new one."""
    await ask_routine_name(harness, owner)
    await harness.send(owner, "Desk")
    await harness.tap(owner, "Save")
    await harness.send(owner, "/routines")
    await harness.tap(owner, "New routine")
    async with harness.services.sessions() as session:
        rows = list(await session.scalars(select(MyRoutine).order_by(MyRoutine.id)))
    [saved] = [row for row in rows if not row.draft]
    [draft] = [row for row in rows if row.draft]
    return saved, draft


def _not_theirs(kind: str, saved: MyRoutine, draft: MyRoutine, shipped: str) -> list[str]:
    """Well-formed buttons of `kind` naming someone else's routine or draft (`saved`,
    `draft`), a made-up one, or nothing the bot knows; some only the catch-all answers
    (their numbers out of range, an impossible date)."""
    mine, made_up = f"u-{saved.id}", f"u-{saved.id + 1000}"
    builder = [
        callbacks.builder(draft.id, draft.version, action)
        for action in callbacks.BUILDER_ACTIONS
        if action != "name"  # asks its own question, which replaces any other
    ]
    return {
        "my routines": [
            *(callbacks.my_routines(action, mine) for action in callbacks.MY_ROUTINE_ACTIONS),
            *(callbacks.my_routines(action, made_up) for action in callbacks.MY_ROUTINE_ACTIONS),
            *(callbacks.my_routines(action, shipped) for action in ("e", "d", "dy")),
            callbacks.my_routines("v", "nosuch"),
            f"mr:v:u-{ID_OVER}",
        ],
        "builder": [
            *builder,
            callbacks.builder(draft.id, draft.version, "add", "bridge"),
            callbacks.builder(draft.id, draft.version, "up", 1),
            callbacks.builder(draft.id, draft.version, "rm", 0),
            callbacks.builder(draft.id + 1000, 0, "save"),
            f"mb:{ID_OVER}:0:lib",
        ],
        "share": [callbacks.share_answer(choice, "deadbeef") for choice in ("keep", "grow", "no")],
        "reminder routine": [
            callbacks.default_routine(mine),
            callbacks.default_routine(made_up),
            callbacks.default_routine("nosuch"),
            f"dr:u-{ID_OVER}",
        ],
        "program": [callbacks.program_full("nosuch"), callbacks.program_reset("nosuch")],
        "reminder": ["r:go:1:20261340", f"r:go:{ID_OVER}:20260303"],
    }[kind]


@pytest.mark.parametrize(
    "kind", ["my routines", "builder", "share", "reminder routine", "program", "reminder"]
)
async def test_foreign_or_made_up_buttons_of_every_kind_keep_the_open_question(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """Buttons of /routines, the builder, a share link's preview, the reminder routine, the
    program and reminders that name another user's routine or draft, a made-up one or
    nothing (out of range, an impossible date) are refused with a toast and change
    nothing: the open question stays open, its buttons stay, its typed answer still counts.
    Before, another_flow left the question before the handler checked the button."""
    owner, user = harness.new_user("Owner"), harness.new_user("Ana")
    await onboard(harness, owner)
    await onboard(harness, user)
    saved, draft = await _saved_and_draft(harness, owner)
    shipped = harness.services.content.default_routine.id
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")  # the question: a typed time is its answer
    presets = harness.server.last_bot_message(user.id).message_id
    shown = harness.server.message(user.id, presets).button_labels()
    refusals = (INVALID, texts.ROUTINE_ALREADY_DELETED, texts.BUILDER_GONE)
    before = await snapshot(harness)
    for data in _not_theirs(kind, saved, draft, shipped):
        await harness.forge(user, presets, data)
        assert last_answer(harness) in refusals, data
        assert await snapshot(harness) == before, data
        assert harness.server.message(user.id, presets).button_labels() == shown, data
    assert errors_logged(caplog) == []
    await harness.send(user, "9:15")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(9, 15)


#: Buttons of reminder settings and the program, which only an onboarded user has.
BEFORE_SETUP = [
    *(callbacks.settings_action(a) for a in callbacks.SETTINGS_ACTIONS if a != "time"),
    callbacks.weekday_toggle(0, True),
    callbacks.weekday_toggle(6, False),
    "d:3",
    callbacks.pause_choice(3),
    callbacks.pause_choice(None),
    callbacks.program_reset(None),
    callbacks.program_reset(None, confirmed=True),
    callbacks.program_reset("bridge"),
    callbacks.program_full("bridge"),
    callbacks.default_routine("u-1"),
]


@pytest.mark.parametrize("data", BEFORE_SETUP)
async def test_settings_buttons_before_setup_keep_setups_question(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    """A settings, weekday, pause, program or reminder-routine button from someone still
    in setup (no such menu was ever sent to them) is refused ("not set up yet") and leaves
    setup's time question open, its buttons and its typed answer. Before, another_flow left
    the question first and the toast followed."""
    user = harness.new_user("Ben")
    await harness.send(user, "/start")
    asked = await harness.services.preferences.question(user.id)
    assert asked is not None and asked.kind is Kind.TIME and asked.message_id is not None
    shown = harness.server.message(user.id, asked.message_id).button_labels()
    before = await snapshot(harness)
    await harness.forge(user, asked.message_id, data)
    assert last_answer(harness) in (texts.REMINDERS_NOT_SET_UP, INVALID)
    assert await snapshot(harness) == before
    assert harness.server.message(user.id, asked.message_id).button_labels() == shown
    assert errors_logged(caplog) == []
    await harness.send(user, "9:15")
    question = await harness.services.preferences.question(user.id)
    assert question is not None and question.kind is not Kind.TIME  # on to the zone


#: Genuine buttons of several kinds: what shows the button (commands sent, buttons tapped)
#: before the question is asked, then the button's label.
GENUINE: dict[str, tuple[tuple[str, ...], str]] = {
    "my routines": (("/routines",), "New routine"),
    "a shipped routine's card": (("/routines",), "Quick start"),
    "a routine's Share": (("/routines", "Quick start"), "Share"),
    "the builder": (("/routines", "New routine"), "Add a stretch"),
    "settings": (("/settings",), "Days"),
    "a weekday": (("/settings", "Days"), "Mon"),
    "pause": (("/settings", "Pause"), "3"),
    "the reminder routine": (("/settings", "Reminder routine"), "Desk break"),
    "the program": (("/settings",), "My program"),
}


@pytest.mark.parametrize("name", GENUINE)
async def test_own_valid_buttons_still_leave_the_open_question(
    harness: BotHarness, name: str
) -> None:
    """A genuine button of another flow leaves the open question and says so, as before."""
    steps, label = GENUINE[name]
    user = harness.new_user("Ana")
    await onboard(harness, user)
    for step in steps:
        if step.startswith("/"):
            await harness.send(user, step)
        else:
            await harness.tap(user, step)
    menu = harness.message_with_button(user, label)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    question = await harness.services.preferences.question(user.id)
    assert question is not None and question.message_id is not None
    before = len(harness.server.bot_messages(user.id))
    await harness.tap(user, label, menu)
    still = await harness.services.preferences.question(user.id)
    assert still is None or still.seq != question.seq, "the question stayed open"
    assert harness.server.message(user.id, question.message_id).button_labels() == []
    said = harness.bot_texts(user)[before:]
    assert texts.question_left(Kind.TIME.value, onboarded=True) in said, said
