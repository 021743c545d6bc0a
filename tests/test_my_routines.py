"""Issue #14, your own routines and share links, through the loopback Bot API.

A routine built by taps (filters, reorder, a typed name that survives a restart) is used by
the reminder; the 10-routine limit; change and delete, also in the middle of a run; share
links round-trip to another (new) user; malformed and forged codes are answered clearly
and store nothing; stale, forged and double taps change nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot import callbacks, texts
from bot.content import RoutineItem, load_content
from bot.db.models import MyRoutine, ProgramStretch, RoutineRun, User
from bot.domain.share_codes import ALPHABET, ShareCodec, SharedRoutine
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard

REPO = Path(__file__).resolve().parents[1]
CONTENT = load_content(REPO / "content")
INVALID = "That button isn't valid any more."
LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{1,64})")


def test_the_reminder_routine_has_one_name_on_every_button() -> None:
    """Settings, a routine's card and the picker name the routine reminders start one way:
    "reminder routine" (not "Routine", "Use for reminders", "default" or "usual")."""
    from bot import keyboards, texts

    labels = [
        b.text
        for row in keyboards.settings_menu(
            subscribed=True, paused=False, weekly=True
        ).inline_keyboard
        for b in row
    ] + [texts.USE_FOR_REMINDERS_BUTTON, texts.REMINDER_ROUTINE_BUTTON, texts.PICK_ROUTINE]
    chosen = [label for label in labels if "routine" in label.casefold() or "⭐" in label]
    assert len(chosen) == 4, labels
    assert all("reminder routine" in label.casefold() for label in chosen), chosen
    for old in ("Use for reminders", "default routine", "usual routine"):
        assert all(old not in label for label in labels), old
    assert "usual" not in texts.REST_ADVISED_USUAL and "default" not in texts.PICK_REMINDER_ROUTINE


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


async def rows_of(harness: BotHarness, user: SimUser) -> list[MyRoutine]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(MyRoutine).where(MyRoutine.user_id == user.id).order_by(MyRoutine.id)
        )
        return list(rows)


async def saved_of(harness: BotHarness, user: SimUser) -> list[MyRoutine]:
    return [row for row in await rows_of(harness, user) if not row.draft]


async def pending_of(harness: BotHarness, user: SimUser) -> str | None:
    async with harness.services.sessions() as session:
        found = await session.get(User, user.id)
        return None if found is None else found.pending_share


async def runs_of(harness: BotHarness, user: SimUser) -> list[RoutineRun]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(RoutineRun).where(RoutineRun.user_id == user.id).order_by(RoutineRun.id)
        )
        return list(rows)


async def build(
    harness: BotHarness, user: SimUser, name: str, stretches: list[str], *, chair: bool = False
) -> None:
    """/routines → New routine → (Chair only) → add each stretch → Done → name → Save."""
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    if chair:
        await harness.tap(user, "Chair only: off")
    await harness.tap(user, "Add a stretch")
    for stretch in stretches:
        await harness.tap(user, f"{CONTENT.stretches[stretch].name} ·")
    await harness.tap(user, "Done adding")
    await harness.tap(user, "Name it")
    await harness.send(user, name)
    await harness.tap(user, "Save")


async def finish_run(harness: BotHarness, user: SimUser, steps: int) -> None:
    for _ in range(steps):
        await harness.tap(user, "Done")
    if "How is your back" in harness.last_text(user):
        await harness.tap(user, "Skip")


async def test_a_routine_built_by_taps_is_used_by_the_reminder(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    commands = harness.server.calls_to("setMyCommands")[-1].params["commands"]
    assert "routines" in {c["command"] for c in commands}
    await harness.send(user, "/help")
    assert "/routines" in harness.last_text(user)
    await harness.send(user, "/routines")
    assert "You haven't made one of your own yet" in harness.last_text(user)
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Add a stretch")
    library = harness.server.message(user.id, builder).button_labels()
    assert any("Bridge" in label for label in library)  # a floor stretch, no filter yet
    await harness.tap(user, "Bridge ·")
    await harness.tap(user, "Cat-Cow ·")
    await harness.tap(user, "Done adding")
    text = harness.server.message(user.id, builder).text or ""
    assert "1. Bridge" in text and "2. Cat-Cow" in text
    await harness.tap(user, "2. Cat-Cow")  # ⬆️ moves it up
    text = harness.server.message(user.id, builder).text or ""
    assert "1. Cat-Cow" in text and "2. Bridge" in text
    # Saving without a name asks for one; nothing is saved.
    await harness.tap(user, "Save")
    assert "Give it a name first" in last_answer(harness)
    assert await saved_of(harness, user) == []
    # The name is a typed answer to an open question: it survives a restart.
    await harness.tap(user, "Name it")
    assert harness.server.message(user.id, builder).button_labels(), "kept until answered"
    await harness.restart()
    await harness.send(user, "x" * 41)
    assert "40 characters at most" in harness.last_text(user)
    await harness.send(user, "  Morning   back ")
    assert "New routine: Morning back" in harness.last_text(user)
    assert harness.server.message(user.id, builder).button_labels() == [], "the old builder"
    await harness.double_tap(user, "Save")
    [saved] = await saved_of(harness, user)
    assert saved.name == "Morning back"
    assert "Saved" in [
        str(c.params.get("text")) for c in harness.server.calls_to("answerCallbackQuery")
    ]
    ref = f"u-{saved.id}"
    # It appears in /stretch, and becomes the reminder's routine.
    await harness.send(user, "/stretch")
    assert "Morning back" in " ".join(harness.server.last_bot_message(user.id).button_labels())
    await harness.send(user, "/settings")
    await harness.tap(user, "🧘 Reminder routine")
    await harness.tap(user, "Morning back")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.default_routine == ref
    assert "Reminder routine: Morning back" in harness.last_text(user)
    # The reminder's "Start routine" starts it.
    report = await harness.advance(timedelta(days=1))
    assert report.sent == 1
    await harness.tap(user, "Start routine")
    if "Track your pain?" in harness.last_text(user):
        await harness.tap(user, "No thanks")
    caption = harness.server.last_bot_message(user.id).caption or ""
    assert "1 of 2 · Cat-Cow" in caption
    await finish_run(harness, user, 2)
    assert "Routine complete" in harness.last_text(user)
    [run] = await runs_of(harness, user)
    assert run.routine_id == ref and run.status == "completed"


async def test_filters_keep_the_promises(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Chair only: off")
    await harness.tap(user, "Add a stretch")
    offered = harness.server.message(user.id, builder).button_labels()
    # Chair only offers what is done on a chair: the stretch itself, or its seated easier
    # version (Forward Fold, standing, as its seated fold); nothing standing, nothing on
    # the floor. Over all content.
    assert all(label.endswith("· chair") for label in offered[:-1]), offered
    for stretch in CONTENT.stretches.values():
        if stretch.position == "chair":
            expected = [f"{stretch.name} · chair"]
        elif stretch.easier.position == "chair":
            expected = [f"{stretch.easier.name} · chair"]
        else:
            expected = []
        names = (f"{stretch.name} ·", f"{stretch.easier.name} ·")
        assert [o for o in offered if o.startswith(names)] == expected, stretch.id
    assert "Forward Fold · standing" not in offered and "Seated fold · chair" in offered
    # A forged "add" of a floor stretch, with the right version, changes nothing.
    draft = (await rows_of(harness, user))[-1]
    await harness.forge(user, builder, callbacks.builder(draft.id, draft.version, "add", "bridge"))
    assert (await rows_of(harness, user))[-1].items == "[]"
    await harness.tap(user, "Done adding")
    await harness.tap(user, "Chair only: on")  # off again
    await harness.tap(user, "Add a stretch")
    await harness.tap(user, "Bridge ·")
    await harness.tap(user, "Done adding")
    # Chair only with a floor stretch in it: refused, with the reason.
    await harness.tap(user, "Chair only: off")
    assert "off the floor" in last_answer(harness)
    assert "remove them (✖️) before turning it on" in last_answer(harness)  # what to do
    assert not (await rows_of(harness, user))[-1].no_floor
    # Gentle: easier versions only, one position, nothing standing.
    await harness.tap(user, "Gentle: off")
    row = (await rows_of(harness, user))[-1]
    assert row.gentle and '"easier":true' in row.items
    await harness.tap(user, "Add a stretch")
    offered = harness.server.message(user.id, builder).button_labels()
    assert all("· lying" in label for label in offered[:-1]), offered


async def test_stale_forged_and_double_taps_change_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    other = harness.new_user("Bo")
    await onboard(harness, user)
    await onboard(harness, other)
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Add a stretch")
    old = harness.server.message(user.id, builder)
    data = next(b["callback_data"] for b in old.buttons() if "Bridge" in str(b["text"]))
    await harness.double_tap(user, "Bridge ·")
    row = (await rows_of(harness, user))[-1]
    assert row.items.count("bridge") == 1, "a double tap adds once"
    await harness.forge(user, builder, str(data))  # the old version's button (edited away)
    assert "This list has changed" in last_answer(harness)
    assert (await rows_of(harness, user))[-1].items.count("bridge") == 1
    # Someone else's draft: answered, nothing changes.
    theirs = harness.server.last_bot_message(other.id).message_id
    await harness.forge(other, theirs, callbacks.builder(row.id, row.version, "save"))
    assert "isn't being changed any more" in last_answer(harness)
    await harness.forge(other, theirs, callbacks.my_routines("d", f"u-{row.id}"))
    assert (await rows_of(harness, user))[-1].items.count("bridge") == 1
    # Out-of-range ids are not ours at all.
    await harness.forge(user, builder, f"mb:{2**63}:0:save")  # beyond BIGINT
    await harness.forge(user, builder, f"mr:dy:u-{2**63}")
    assert last_answer(harness) == INVALID
    # A stranger's taps never create anything.
    stranger = harness.new_user("Cy")
    await harness.send(stranger, "hello")  # the bot answers: a message to press on
    message = harness.server.last_bot_message(stranger.id).message_id
    await harness.forge(stranger, message, callbacks.my_routines("new"))
    assert last_answer(harness) == texts.NO_RECORD  # nothing kept: send /start
    assert await rows_of(harness, stranger) == []


async def test_at_most_ten_routines(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    for number in range(10):
        await build(harness, user, f"Set {number}", ["chair_twist"])
    assert len(await saved_of(harness, user)) == 10
    await harness.send(user, "/routines")
    assert "(10 of 10)" in harness.last_text(user)
    assert "delete one of yours to make room" in harness.last_text(user)
    listing = harness.server.last_bot_message(user.id)
    assert not any("New routine" in label for label in listing.button_labels())
    await harness.forge(user, listing.message_id, callbacks.my_routines("new"))  # an old list's
    assert "You already keep 10 routines" in last_answer(harness)
    assert len(await rows_of(harness, user)) == 10  # no draft either


async def test_change_and_delete_even_mid_run(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await build(harness, user, "My desk", ["chair_cat_cow", "chair_twist"], chair=True)
    [saved] = await saved_of(harness, user)
    assert saved.no_floor
    ref = f"u-{saved.id}"
    await harness.send(user, "/stretch")
    await harness.tap(user, "My desk")
    if "Track your pain?" in harness.last_text(user):
        await harness.tap(user, "No thanks")
    caption = harness.server.last_bot_message(user.id).caption or ""
    assert "1 of 2 · Chair Arch and Round" in caption
    # Change it mid-run: remove the first stretch, rename it, save.
    await harness.send(user, "/routines")
    await harness.tap(user, "My desk")
    await harness.tap(user, "Change")
    assert "Changing" in harness.last_text(user)
    await harness.tap(user, "✖️")
    await harness.tap(user, "Name it")
    await harness.send(user, "My desk short")
    await harness.tap(user, "Save")
    [saved] = await saved_of(harness, user)
    assert saved.name == "My desk short" and saved.items.count("stretch") == 1
    assert len(await rows_of(harness, user)) == 1, "the draft is gone"
    # The run keeps the routine it started with, also after a restart.
    await harness.restart()
    await harness.tap(user, "Done")
    assert "2 of 2 · Chair Twist" in (harness.server.last_bot_message(user.id).caption or "")
    # Delete it mid-run: asks first; a double tap deletes once; the run goes on.
    await harness.send(user, "/routines")
    await harness.tap(user, "My desk short")
    await harness.tap(user, "Delete")
    assert "Delete My desk short?" in harness.last_text(user)
    assert await saved_of(harness, user) != []
    await harness.double_tap(user, "Yes, delete it")
    assert await saved_of(harness, user) == []
    assert last_answer(harness) == "Already deleted"  # the second tap, told it is done
    await harness.tap(user, "Done")
    [run] = await runs_of(harness, user)
    assert run.status == "completed" and run.routine_id == ref
    # Its old buttons are answered, and it no longer shows up anywhere.
    last = harness.server.last_bot_message(user.id).message_id
    await harness.forge(user, last, callbacks.routine_start(ref))
    assert last_answer(harness) == INVALID
    await harness.send(user, "/stretch")
    assert not any("My desk" in b for b in harness.server.last_bot_message(user.id).button_labels())


async def share_link(harness: BotHarness, user: SimUser, title: str) -> tuple[str, str]:
    await harness.send(user, "/routines")
    await harness.tap(user, title)
    await harness.tap(user, "Share")
    match = LINK.search(harness.last_text(user))
    assert match, harness.last_text(user)
    return match[1], match[2]


async def test_a_share_link_round_trips_to_a_new_user(harness: BotHarness) -> None:
    physio = harness.new_user("Pat")
    await onboard(harness, physio)
    await build(harness, physio, "Knees and bridge", ["knee_to_chest", "bridge"])
    username, code = await share_link(harness, physio, "Knees and bridge")
    assert harness.app is not None and username == harness.app.bot.username
    sent = len(harness.server.bot_messages(physio.id))
    await harness.double_tap(physio, "Share")  # the link is edited in, never sent twice
    assert len(harness.server.bot_messages(physio.id)) == sent
    assert code in harness.last_text(physio)
    assert len(code) <= 64 and set(code) <= set(ALPHABET)
    # A new user opens the link: the safety notes, then the routine (no setup before it).
    patient = harness.new_user("Kim")
    await harness.send(patient, f"/start {code}")
    assert await pending_of(harness, patient) == code
    said = harness.bot_texts(patient)
    warning = next(i for i, t in enumerate(said) if CONTENT.safety.red_flags.title in t)
    shared = next(i for i, t in enumerate(said) if "A routine was shared with you" in t)
    assert CONTENT.safety.disclaimer[:40] in said[0] and warning < shared == len(said) - 1
    assert not any("When should I remind you?" in t for t in said)
    preview = harness.last_text(patient)
    assert "Knees and bridge" in preview
    assert "1. Knee to Chest" in preview and "2. Bridge · 8 lifts, hold 3 s each" in preview
    assert "Doses may grow" not in preview and "stay as prescribed" not in preview
    # They leave and come back after a restart: nothing lost, the routine again.
    await harness.restart()
    await harness.send(patient, "/start")
    assert "A routine was shared with you" in harness.last_text(patient)
    assert sum(CONTENT.safety.red_flags.title in t for t in harness.bot_texts(patient)) == 1
    await harness.double_tap(patient, "Add, keep these doses")
    [added] = await saved_of(harness, patient)
    assert added.from_link and not added.progress and added.name == "Knees and bridge"
    assert await pending_of(harness, patient) is None
    assert last_answer(harness) == "Already added, as Knees and bridge"  # the second tap
    # The routine they came for is the reminders' one; setting them up is offered now.
    assert "Your reminders will start it" in harness.last_text(patient)
    stored = await harness.services.preferences.get(patient.id)
    assert stored is not None and stored.default_routine == f"u-{added.id}"
    assert not stored.onboarded
    await harness.double_tap(patient, "Set up daily reminders")
    assert sum("When should I remind you?" in t for t in harness.bot_texts(patient)) == 1
    assert last_answer(harness) == "Answer the question below"
    await harness.send(patient, "08:00")
    await harness.restart()
    await harness.send(patient, "UTC")
    await harness.tap(patient, "Yes")
    assert "All set" in harness.last_text(patient)
    stored = await harness.services.preferences.get(patient.id)
    assert stored is not None and stored.onboarded
    assert stored.default_routine == f"u-{added.id}"
    # Walk it.
    await harness.send(patient, "/stretch")
    await harness.tap(patient, "Knees and bridge")
    if "Track your pain?" in harness.last_text(patient):
        await harness.tap(patient, "No thanks")
    assert "1 of 2 · Knee to Chest" in (harness.server.last_bot_message(patient.id).caption or "")
    await finish_run(harness, patient, 2)
    assert "Routine complete" in harness.last_text(patient)


async def test_shipped_routines_share_with_their_doses(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    _, code = await share_link(harness, user, CONTENT.routines["desk"].title)
    other = harness.new_user("Bo")
    await onboard(harness, other)
    await harness.send(other, f"/start {code}")
    preview = harness.last_text(other)
    assert "Nothing on the floor" in preview and "Hold 20 s × 2, each side" in preview
    await harness.tap(other, "Add, doses may grow")
    [added] = await saved_of(harness, other)
    assert added.progress and added.no_floor and added.name == CONTENT.routines["desk"].title
    # The same link again: never a second copy; the one they have, to open.
    await harness.send(other, f"/start {code}")
    assert "already in your routines" in harness.last_text(other)
    labels = harness.server.last_bot_message(other.id).button_labels()
    assert labels == [f"📋 Open {added.name}", "⬅️ All routines"], labels
    assert await pending_of(harness, other) is None
    assert len(await saved_of(harness, other)) == 1


async def test_malformed_and_forged_codes_are_answered_and_store_nothing(
    harness: BotHarness,
) -> None:
    codec = ShareCodec(CONTENT.stretches)
    good = codec.encode(SharedRoutine(CONTENT.routines["quick"].items))
    user = harness.new_user()
    await onboard(harness, user)
    cases = {
        good[:-3]: "cut off or mistyped",
        good[:-1] + ("A" if good[-1] != "A" else "B"): "cut off or mistyped",
        "3" + good[1:]: "format I don't know",
        "1" + "A" * 70: "holds more than I can read",
        "1!!": "cut off or mistyped",
    }
    for code, expected in cases.items():
        await harness.send(user, f"/start {code}")
        assert expected in harness.last_text(user), code
        assert await pending_of(harness, user) is None
    assert await rows_of(harness, user) == []
    # A well-formed code naming a stretch this bot doesn't have, or an impossible dose.
    from bot.domain import share_codes

    bits = share_codes._Bits()
    for value, width in ((0, 1), (0, 1), (0, 4), (0xFFFF, 16), (0, 1), (1, 1), (0, 1), (0, 2)):
        bits.put(value, width)
    bits.put(30, 7)
    body = "1" + bits.chars()
    await harness.send(user, f"/start {body}{share_codes._checksum(body)}")
    assert "a stretch I don't have" in harness.last_text(user)
    bits = share_codes._Bits()
    key = share_codes.stretch_key("bridge")
    for value, width in ((0, 1), (0, 1), (0, 4), (key, 16), (0, 1), (1, 1), (0, 1), (0, 2)):
        bits.put(value, width)
    bits.put(127, 7)  # a 127 s hold
    body = "1" + bits.chars()
    await harness.send(user, f"/start {body}{share_codes._checksum(body)}")
    assert "a dose no one should do" in harness.last_text(user)
    # A "no floor" routine with a floor stretch in it.
    flipped = _with_no_floor(good)
    await harness.send(user, f"/start {flipped}")
    assert "doesn't keep its own promise" in harness.last_text(user)
    assert await rows_of(harness, user) == [] and await pending_of(harness, user) is None
    # The group deep link still just opens the chat.
    await harness.send(user, "/start from_group")
    assert "Welcome back" in harness.last_text(user) or "Reminders" in harness.last_text(user)
    # A forged "Add" button with no link pending is answered and changes nothing.
    last = harness.server.last_bot_message(user.id).message_id
    await harness.forge(user, last, callbacks.share_answer("keep", "0123abcd"))
    assert last_answer(harness) == INVALID
    assert await rows_of(harness, user) == []


def _with_no_floor(code: str) -> str:
    """The same code with the routine's no-floor flag set (and a valid checksum)."""
    from bot.domain import share_codes

    first = share_codes._INDEX[code[1]] | 0b100000
    body = code[0] + ALPHABET[first] + code[2:-1]
    return body + share_codes._checksum(body)


async def test_a_links_doses_grow_only_when_the_user_allowed_it(harness: BotHarness) -> None:
    """The program (#14) has grown this user's bridge by two steps: a routine added from a
    link with "keep these doses" still gives the prescribed 8 lifts; one added with "doses
    may grow" gives the grown dose, like the user's own routines."""
    codec = ShareCodec(CONTENT.stretches)
    code = codec.encode(SharedRoutine((CONTENT.routines["quick"].items[0], _bridge())))
    captions = []
    for choice in ("Add, keep these doses", "Add, doses may grow"):
        user = harness.new_user()
        await onboard(harness, user)
        async with harness.services.sessions() as session, session.begin():
            session.add(ProgramStretch(user_id=user.id, stretch_id="bridge", level=2))
        await harness.send(user, f"/start {code}")
        await harness.tap(user, choice)
        [added] = await saved_of(harness, user)
        assert added.progress == (choice == "Add, doses may grow")
        assert added.name == "Shared routine"  # a link without a name: the default
        await harness.send(user, "/stretch")
        await harness.tap(user, f"{added.name} ·")
        if "Track your pain?" in harness.last_text(user):
            await harness.tap(user, "No thanks")
        await harness.tap(user, "Done")
        captions.append(harness.server.last_bot_message(user.id).caption or "")
        await harness.tap(user, "Stop")
    assert "2 of 2 · Bridge" in captions[0] and "8 lifts" in captions[0]
    assert "2 of 2 · Bridge" in captions[1] and "10 lifts" in captions[1]


def _bridge() -> RoutineItem:
    return RoutineItem(stretch="bridge")


async def test_a_routine_whose_stretch_was_removed_still_opens(harness: BotHarness) -> None:
    """Content changes between versions: a saved routine naming a stretch the content no
    longer has shows and runs without it; one left with no stretch at all isn't offered."""
    user = harness.new_user()
    await onboard(harness, user)
    now = harness.clock.now()
    async with harness.services.sessions() as session, session.begin():
        for name, items in (
            ("Half gone", '[{"stretch":"retired_stretch"},{"stretch":"bridge"}]'),
            ("All gone", '[{"stretch":"retired_stretch"}]'),
        ):
            session.add(
                MyRoutine(
                    user_id=user.id,
                    name=name,
                    items=items,
                    no_floor=False,
                    gentle=False,
                    progress=True,
                    from_link=False,
                    draft=False,
                    version=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    await harness.send(user, "/routines")
    labels = harness.server.last_bot_message(user.id).button_labels()
    assert "📋 Half gone" in labels and not any("All gone" in label for label in labels)
    await harness.tap(user, "Half gone")
    assert "1. Bridge" in harness.last_text(user) and "2." not in harness.last_text(user)
    await harness.tap(user, "Change")
    assert "1. Bridge" in harness.last_text(user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Half gone")
    if "Track your pain?" in harness.last_text(user):
        await harness.tap(user, "No thanks")
    assert "1 of 1 · Bridge" in (harness.server.last_bot_message(user.id).caption or "")


async def test_the_name_question_has_a_way_out_and_a_double_tap_asks_once(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Add a stretch")
    await harness.tap(user, "Bridge ·")
    await harness.tap(user, "Done adding")
    sent = len(harness.server.bot_messages(user.id))
    await harness.double_tap(user, "Name it")
    assert len(harness.server.bot_messages(user.id)) == sent + 1, "one question"
    await harness.send(user, "/cancel")
    assert "nothing changed" in harness.last_text(user)
    [draft] = await rows_of(harness, user)
    assert draft.name is None and draft.draft
    await harness.send(user, "Evening")  # no question open: not taken as a name
    assert (await rows_of(harness, user))[0].name is None
    # The builder still works; typing "cancel" at the question leaves it too.
    await harness.tap(user, "Name it", message_id=builder)
    await harness.send(user, "cancel")
    assert (await rows_of(harness, user))[0].name is None
    await harness.tap(user, "Name it", message_id=builder)
    await harness.send(user, "Evening")
    await harness.tap(user, "Save")
    [saved] = await saved_of(harness, user)
    assert saved.name == "Evening"


AFTER_SAVE = ["▶️ Start it now", "⏰ Make it my reminder routine", "⬅️ All routines"]


async def test_a_double_tap_keeps_what_the_first_tap_did(harness: BotHarness) -> None:
    """Builder "Save", a link's "Add" and "Yes, delete it", each tapped twice: the message
    keeps the first tap's text and buttons; the second is told, briefly, it's done."""
    physio = harness.new_user("Pat")
    await onboard(harness, physio)
    await harness.send(physio, "/routines")
    await harness.tap(physio, "New routine")
    await harness.tap(physio, "Add a stretch")
    await harness.tap(physio, "Bridge ·")
    await harness.tap(physio, "Done adding")
    await harness.tap(physio, "Name it")
    await harness.send(physio, "Evening")
    builder = harness.server.last_bot_message(physio.id).message_id
    await harness.double_tap(physio, "Save", builder)
    saved = harness.server.message(physio.id, builder)
    assert (saved.text or "").startswith("💾 Evening"), saved.text
    assert saved.button_labels() == AFTER_SAVE
    assert last_answer(harness) == "Already saved ✅"
    assert len(await saved_of(harness, physio)) == 1
    # A link's "Add" twice.
    _, code = await share_link(harness, physio, "Evening")
    patient = harness.new_user("Kim")
    await onboard(harness, patient)
    await harness.send(patient, f"/start {code}")
    preview = harness.server.last_bot_message(patient.id).message_id
    await harness.double_tap(patient, "Add, doses may grow", preview)
    added = harness.server.message(patient.id, preview)
    assert "✅ Added as Evening" in (added.text or "")
    assert added.button_labels() == AFTER_SAVE
    assert last_answer(harness) == "Already added, as Evening"
    # The same link again: no "Evening 2", the one they have instead.
    await harness.send(patient, f"/start {code}")
    assert "already in your routines, as Evening" in harness.last_text(patient)
    [kept] = await saved_of(harness, patient)
    await harness.tap(patient, "Open Evening")
    assert "1. Bridge" in harness.last_text(patient)
    # "Yes, delete it" twice: deleted once, the second is told so.
    await harness.tap(patient, "Delete")
    confirm = harness.server.last_bot_message(patient.id).message_id
    await harness.double_tap(patient, "Yes, delete it", confirm)
    deleted = harness.server.message(patient.id, confirm)
    assert "is deleted" in (deleted.text or "")
    assert deleted.button_labels() == ["⬅️ All routines"], "never a dead end"
    assert last_answer(harness) == "Already deleted"
    await harness.tap(patient, "All routines", confirm)
    assert "You haven't made one of your own yet" in harness.last_text(patient)
    assert await saved_of(harness, patient) == [] and kept.id


async def test_the_first_stays_first_and_gentle_shows_the_version_done(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    # Save with nothing at all: everything missing is said at once.
    await harness.tap(user, "Save")
    assert "add at least one stretch" in last_answer(harness)
    assert "give it a name" in last_answer(harness)
    await harness.tap(user, "Add a stretch")
    for name in ("Bridge", "Cat-Cow", "Knee to Chest"):
        await harness.tap(user, f"{name} ·")
    await harness.tap(user, "Done adding")
    before = (await rows_of(harness, user))[-1]
    await harness.tap(user, "1. Bridge", builder)  # ⬆️ on the first: never swapped with the last
    assert last_answer(harness) == "Already first"
    after = (await rows_of(harness, user))[-1]
    assert (after.items, after.version) == (before.items, before.version)
    text = harness.server.message(user.id, builder).text or ""
    assert "1. Bridge" in text and "3. Knee to Chest" in text
    await harness.tap(user, "3. Knee to Chest", builder)
    text = harness.server.message(user.id, builder).text or ""
    assert "2. Knee to Chest" in text and "3. Cat-Cow" in text
    # Gentle on, with chair stretches: the library shows the easier version's position.
    for _ in range(3):
        await harness.tap(user, "✖️", builder)
    assert "No stretches yet" in (harness.server.message(user.id, builder).text or "")
    await harness.tap(user, "Gentle: off", builder)
    await harness.tap(user, "Add a stretch", builder)
    offered = harness.server.message(user.id, builder).button_labels()[:-1]
    assert offered, "something is offered"
    for stretch in CONTENT.stretches.values():
        easier = stretch.easier
        label = f"{easier.name} · {easier.position.replace('_', ' ')}"
        listed = [o for o in offered if o.startswith(f"{easier.name} ·")]
        assert listed in ([], [label]), (stretch.id, listed)
    assert "Seated fold · chair" in offered and "Gentle seated turn · chair" in offered


async def test_deleting_the_reminders_routine_says_what_they_use_instead(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await build(harness, user, "Desk", ["chair_twist"])
    await harness.tap(user, "Make it my reminder routine")
    await harness.send(user, "/routines")
    await harness.tap(user, "Desk")
    await harness.tap(user, "Delete")
    ask = harness.last_text(user)
    default = CONTENT.default_routine.title
    assert f"reminders use this routine; after deleting it they'll use {default}" in ask
    await harness.tap(user, "Yes, delete it")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.default_routine is None
    # A routine the reminders don't use: no such line.
    await build(harness, user, "Other", ["chair_twist"])
    await harness.send(user, "/routines")
    await harness.tap(user, "Other")
    await harness.tap(user, "Delete")
    assert "reminders use" not in harness.last_text(user)


async def test_use_for_reminders_confirms_on_the_card(harness: BotHarness) -> None:
    """ "⏰ Make it my reminder routine" on a routine's card: a toast, and the card itself says the
    reminders start it (no settings screen in its place); it stays usable, and a double
    tap's second answer is a quiet toast."""
    user = harness.new_user()
    await onboard(harness, user)
    await build(harness, user, "Desk", ["chair_twist"])
    card = harness.message_with_button(user, "Make it my reminder routine")
    sent = len(harness.server.bot_messages(user.id))
    await harness.double_tap(user, "Make it my reminder routine", card)
    assert len(harness.server.bot_messages(user.id)) == sent, "confirmed in place"
    message = harness.server.message(user.id, card)
    assert "Desk" in (message.text or "") and "Your reminders start this routine" in (
        message.text or ""
    )
    assert "Your settings" not in (message.text or "")
    labels = message.button_labels()
    assert "✅ Reminder routine" in labels and "⬅️ All routines" in labels, labels
    first, second = [c.params for c in harness.server.calls_to("answerCallbackQuery")[-2:]]
    assert first.get("text") == "⏰ Reminders will start Desk" and not first.get("show_alert")
    assert second.get("text") == "Already your reminder routine ✅"
    assert not second.get("show_alert")
    [saved] = await saved_of(harness, user)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.default_routine == f"u-{saved.id}"
    # The card still works: Start starts it.
    await harness.tap(user, "Start", card)
    if "Track your pain?" in harness.last_text(user):
        await harness.tap(user, "No thanks")
    assert "1 of 1 · Chair Twist" in (harness.server.last_bot_message(user.id).caption or "")
    # The list's card of another routine offers it too; the shipped one says it isn't it.
    await harness.send(user, "/routines")
    await harness.tap(user, CONTENT.routines["desk"].title)
    assert "Your reminders start" not in harness.last_text(user)
    assert (
        "⏰ Make it my reminder routine" in harness.server.last_bot_message(user.id).button_labels()
    )


LONGEST = "Gentle morning stretches for my lower ba"  # 40 characters, the most a name has


async def test_a_links_name_travels_with_it(harness: BotHarness) -> None:
    """The name is in the link when it fits 64 characters: the longest name (one stretch),
    emoji and right-to-left text arrive exactly; a name too long for the link is left out
    (the sender is told), and the receiver's copy gets the default name."""
    assert len(LONGEST) == 40
    physio = harness.new_user("Pat")
    await onboard(harness, physio)
    patient = harness.new_user("Kim")
    await onboard(harness, patient)
    names = {
        LONGEST: "bridge",
        "🧘‍♀️ מתיחות בוקר": "knee_to_chest",
        "Rücken & Nacken": "chair_twist",
    }
    for name, stretch in names.items():
        await build(harness, physio, name, [stretch])
        _, code = await share_link(harness, physio, name)
        assert len(code) <= 64 and code.startswith("2"), (name, code)
        assert "didn't fit in the link" not in harness.last_text(physio)
        await harness.send(patient, f"/start {code}")
        assert name in harness.last_text(patient)
        await harness.tap(patient, "Add, keep these doses")
    assert [r.name for r in await saved_of(harness, patient)] == list(names)
    # Emoji take 4 bytes each: 40 of them never fit, so the link goes without the name.
    many = harness.new_user("Bo")
    await onboard(harness, many)
    await build(harness, many, "🧘" * 40, ["bridge", "cat_cow", "knee_to_chest"])
    _, code = await share_link(harness, many, "🧘" * 40)
    assert code.startswith("1") and "didn't fit in the link" in harness.last_text(many)
    await harness.send(physio, f"/start {code}")
    await harness.tap(physio, "Add, doses may grow")
    assert "Shared routine" in [r.name for r in await saved_of(harness, physio)]


async def test_a_link_with_a_bad_name_is_refused_and_stores_nothing(harness: BotHarness) -> None:
    from bot.domain import share_codes

    codec = ShareCodec(CONTENT.stretches)
    user = harness.new_user()
    await onboard(harness, user)
    for data in ("a\u202eb".encode(), b"\xff\xfe", b"<b>hi</b>"):
        bits = codec._routine_bits(SharedRoutine((_bridge(),)))
        bits.put(len(data), 6)
        for byte in data:
            bits.put(byte, 8)
        body = "2" + bits.chars()
        await harness.send(user, f"/start {body}{share_codes._checksum(body)}")
        assert "characters I can't show safely" in harness.last_text(user)
        assert await pending_of(harness, user) is None
    assert await rows_of(harness, user) == []


async def test_adding_a_routine_already_there_adds_nothing(harness: BotHarness) -> None:
    """A preview's "Add" when an identical routine got saved meanwhile (built by hand, or
    added from another link to it): "already in your routines", with a button to open it;
    no copy."""
    codec = ShareCodec(CONTENT.stretches)
    code = codec.encode(SharedRoutine((_bridge(),), name="Evening"))
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, f"/start {code}")
    preview = harness.server.last_bot_message(user.id).message_id
    await build(harness, user, "My bridge", ["bridge"])  # the same stretch and dose
    await harness.tap(user, "Add, keep these doses", preview)
    assert last_answer(harness) == "Already in your routines, as My bridge"
    message = harness.server.message(user.id, preview)
    assert "already in your routines, as My bridge" in (message.text or "")
    assert message.button_labels() == ["📋 Open My bridge", "⬅️ All routines"]
    assert [r.name for r in await saved_of(harness, user)] == ["My bridge"]
    assert await pending_of(harness, user) is None
    await harness.tap(user, "Open My bridge", preview)
    assert "1. Bridge" in harness.last_text(user)


async def test_a_new_user_who_declines_a_link_goes_on_to_setup(harness: BotHarness) -> None:
    codec = ShareCodec(CONTENT.stretches)
    code = codec.encode(SharedRoutine((_bridge(),), name="Evening"))
    user = harness.new_user()
    await harness.send(user, f"/start {code}")
    assert "Evening" in harness.last_text(user)
    await harness.tap(user, "No thanks")
    assert "Not added" in harness.last_text(user)
    labels = harness.server.last_bot_message(user.id).button_labels()
    assert labels == ["⏰ Set up daily reminders", "⬅️ All routines"], labels
    assert await pending_of(harness, user) is None and await rows_of(harness, user) == []
    await harness.tap(user, "Set up daily reminders")
    assert "When should I remind you?" in harness.last_text(user)
    # /start later, nothing waiting: setup picks up where it stopped.
    await harness.send(user, "07:30")
    await harness.send(user, "/start")
    assert "Which time zone" in harness.last_text(user)
    # A bad link for a new user: the clear message, then setup as usual.
    other = harness.new_user("Bo")
    await harness.send(other, "/start 1!!")
    assert any("cut off or mistyped" in t for t in harness.bot_texts(other))
    assert "When should I remind you?" in harness.last_text(other)


async def test_cancel_at_the_name_question_goes_back_to_the_builder(harness: BotHarness) -> None:
    """The name question's "✖️ Cancel" button: the builder again (it used to show
    /settings), the draft unchanged and still usable; the older builder message gives up
    its buttons, so one builder is live."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    builder = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Add a stretch")
    await harness.tap(user, "Bridge ·")
    await harness.tap(user, "Done adding")
    await harness.tap(user, "Name it")
    question = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Cancel", question)
    back = harness.server.message(user.id, question)
    assert "New routine" in (back.text or "") and "1. Bridge" in (back.text or "")
    assert "Your settings" not in (back.text or "")
    assert "💾 Save" in back.button_labels()
    assert harness.server.message(user.id, builder).button_labels() == []
    assert await harness.services.preferences.question(user.id) is None
    await harness.tap(user, "Name it", question)
    await harness.send(user, "Evening")
    await harness.tap(user, "Save")
    assert [r.name for r in await saved_of(harness, user)] == ["Evening"]


async def test_a_deleted_routines_old_card_says_so_and_leads_on(harness: BotHarness) -> None:
    """A button of an older card of a routine deleted since: a toast, and the card itself
    says it was deleted, with the way back to the list (it used to lose its buttons)."""
    user = harness.new_user()
    await onboard(harness, user)
    await build(harness, user, "Desk", ["chair_twist"])
    card = harness.message_with_button(user, "Make it my reminder routine")
    await harness.send(user, "/routines")
    await harness.tap(user, "Desk")
    await harness.tap(user, "Delete")
    await harness.tap(user, "Yes, delete it")
    await harness.tap(user, "Make it my reminder routine", card)
    calls = harness.server.calls_to("answerCallbackQuery")
    assert calls[-1].params.get("text") == texts.ROUTINE_GONE
    assert not calls[-1].params.get("show_alert")
    old = harness.server.message(user.id, card)
    assert "has been deleted" in (old.text or "")
    assert old.button_labels() == ["⬅️ All routines"]
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.default_routine is None


async def test_a_new_user_opening_a_link_again_hears_only_that_they_have_it(
    harness: BotHarness,
) -> None:
    """A new user adds a link's routine, then opens the link again before setting up
    reminders: only "already in your routines" (a tester saw "Here's the routine… Add it if
    you like" first, which contradicted it)."""
    code = ShareCodec(CONTENT.stretches).encode(SharedRoutine((_bridge(),), name="Evening"))
    user = harness.new_user()
    await harness.send(user, f"/start {code}")
    assert texts.SHARE_FIRST_NOTE in harness.bot_texts(user)
    await harness.tap(user, "Add, keep these doses")
    before = len(harness.bot_texts(user))
    await harness.send(user, f"/start {code}")
    again = harness.bot_texts(user)[before:]
    assert texts.SHARE_FIRST_NOTE not in again and texts.SHARE_AFTER_SETUP not in again
    assert any("already in your routines, as Evening" in text for text in again), again
    assert len(await saved_of(harness, user)) == 1
