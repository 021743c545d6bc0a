"""Safety first (issue #7): cautions on every card, warning signs for everyone, a high
reading before a routine, and endings that never celebrate what didn't happen."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import texts as texts_module
from bot.content import cautions_alert, load_content
from bot.db.models import RoutineRun as Run
from bot.domain.routine import Phase, RoutineState
from bot.handlers.routine_views import CAPTION_LIMIT, step_caption, step_keyboard
from bot.services.routines import RunView
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry
from tests.test_program import FULL, QUICK, walk
from tests.test_routines import begin_routine, last, runs_of, tap_level

REPO = Path(__file__).resolve().parents[1]
CONTENT = load_content(REPO / "content")
SAFETY = CONTENT.safety


def every_card() -> list[tuple[str, int, bool, str, RunView]]:
    """(routine, step index, easier, caption, view) for every card of every routine, with a
    running hold timer so the longest form is measured."""
    now = datetime(2026, 3, 2, tzinfo=UTC)
    cards = []
    for routine in CONTENT.routines.values():
        steps = routine.steps(CONTENT)
        for index, step in enumerate(steps):
            for easier in (False, True):
                run = Run(id=1, user_id=1, version=0, timer_ends_at=now + timedelta(seconds=30))
                state = RoutineState(
                    len(steps), Phase.STEP, step_index=index, easier=easier, timer_round=0
                )
                view = RunView(run, routine, steps, state)
                caption = step_caption(view, now, SAFETY)
                cards.append((routine.id, index, easier or step.easier_only, caption, view))
    return cards


def test_every_card_shows_its_caution_and_areas_and_fits_a_caption() -> None:
    for routine_id, index, easier, caption, view in every_card():
        where = (routine_id, index, easier)
        step = view.step
        assert step is not None
        stretch = step.stretch
        assert len(caption) <= CAPTION_LIMIT, where
        assert "🌬" in caption, where  # nothing had to be dropped to fit
        plain = caption.replace("&#x27;", "'")
        assert f"⚠️ {stretch.cautions[0]}" in plain, where
        assert f"📍 {SAFETY.areas_lead}: {', '.join(stretch.areas)}" in plain, where
        instructions = stretch.easier if easier else stretch
        assert instructions.start in plain, where  # the easier card is complete too
        for line in instructions.steps:
            assert line in plain, where
        labels = [b.text for row in step_keyboard(view).inline_keyboard for b in row]
        assert ("⚠️ Cautions" in labels) is (len(stretch.cautions) > 1), where
        assert ("🪶 Easier version" in labels or "↩️ Standard version" in labels) is (
            not step.easier_only
        )
        for group in SAFETY.ask_first_for(stretch.id):
            assert group.card in plain, where
        if step.dose != stretch.dose and step.shortened:
            assert SAFETY.shortened in plain, where


def test_every_cautions_pop_up_fits_telegrams_limit() -> None:
    for stretch in CONTENT.stretches.values():
        alert = cautions_alert(stretch)
        assert len(alert) <= 200, stretch.id
        for caution in stretch.cautions:
            assert caution in alert


def test_desk_cards_say_a_steady_chair_without_wheels() -> None:
    for routine_id, _, _, caption, _ in every_card():
        if routine_id == "desk":
            assert "a steady chair without wheels" in caption


def test_no_safety_wording_in_code() -> None:
    """One source of truth: safety sentences live in content/safety.yaml only."""
    words = re.compile(
        r"\b(doctor|clinician|physio\w*|emergency|A&E|ambulance|numbness|bladder|bowels?"
        r"|sharp pain|red flags?|medical)\b",
        re.IGNORECASE,
    )
    files = [REPO / "bot" / "texts.py", *sorted((REPO / "bot" / "handlers").glob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and id(node) not in docstrings:
                value = str(node.value)  # type: ignore[attr-defined]
                assert not words.search(value), f"{path.name}:{node.lineno}: {value!r}"


# --- Through the loopback Bot API ----------------------------------------------------


def tier_positions(text: str) -> tuple[int, int]:
    return text.index(SAFETY.red_flags.emergency.title), text.index(SAFETY.red_flags.urgent.title)


def assert_full_red_flags(text: str) -> None:
    plain = text.replace("&amp;", "&").replace("&#x27;", "'")
    emergency, urgent = tier_positions(plain)
    assert emergency < urgent, "the emergency tier comes first"
    for sign in SAFETY.red_flags.emergency.signs:
        assert emergency < plain.index(sign.replace("&", "&")) < urgent
    for sign in SAFETY.red_flags.urgent.signs:
        assert plain.index(sign) > urgent
    one_leg = plain.index(SAFETY.red_flags.one_leg)
    assert one_leg > urgent  # not in the emergency tier


def plain(text: str) -> str:
    return text.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"')


async def test_a_user_who_declines_the_pain_log_still_meets_the_red_flags(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    # onboarding: short warning signs once, with a button for the full list
    await harness.send(user, "/start")
    texts = [plain(t) for t in harness.bot_texts(user)]
    assert SAFETY.red_flags.short in texts[1]
    assert "hip replacement" in texts[1] and "Knee to Chest" in texts[1]
    assert "osteoporosis" in texts[1] and "Forward Fold" in texts[1] and "pregnant" in texts[1]
    # Tester 7 #11: each tap posted the whole list again (a double tap: two more copies).
    # A double tap posts it once, takes the button off, and the second tap gets a toast.
    onboarding = harness.message_with_button(user, "Full list of warning signs")
    before = len(harness.bot_texts(user))
    await harness.double_tap(user, "Full list of warning signs")
    # The list, then a line quoting setup's time question, still open (tester 8, item 3).
    listed, pointer = harness.bot_texts(user)[-2:]
    assert_full_red_flags(listed)
    assert texts_module.STILL_OPEN["time"] in pointer
    assert len(harness.bot_texts(user)) == before + 2
    titles = [SAFETY.red_flags.emergency.title in plain(t) for t in harness.bot_texts(user)]
    assert sum(titles) == 1
    assert harness.server.message(user.id, onboarding).button_labels() == []
    toasts = [c.params.get("text") for c in harness.server.calls_to("answerCallbackQuery")]
    assert toasts.count(texts_module.RED_FLAGS_ALREADY_SENT) == 1, toasts
    await harness.send(user, "07:30")
    await harness.send(user, "Europe/Berlin")
    await harness.tap(user, "Yes")
    assert "All set" in harness.last_text(user)
    assert sum(SAFETY.red_flags.short in plain(t) for t in harness.bot_texts(user)) == 1

    # "It hurts" without a pain log
    await begin_routine(harness, user, "Quick start", consent=False)
    await harness.tap(user, "It hurts")
    ending = plain(harness.last_text(user))
    assert_full_red_flags(ending)
    assert ending.lower().count("stop here") == 1

    # /help and /safety
    await harness.send(user, "/help")
    help_text = plain(harness.last_text(user))
    assert SAFETY.red_flags.short in help_text and "/safety" in help_text
    assert SAFETY.discomfort.green in help_text and SAFETY.discomfort.red in help_text
    await harness.send(user, "/safety")
    safety = plain(harness.last_text(user))
    assert_full_red_flags(safety)
    assert SAFETY.discomfort.amber in safety and SAFETY.expectations in safety
    assert "hip replacement" in safety and "Child's Pose" in safety


async def test_safety_is_in_the_command_menu(harness: BotHarness) -> None:
    [call] = harness.server.calls_to("setMyCommands")
    commands = [c["command"] for c in call.params["commands"]]
    assert "safety" in commands and "help" in commands


async def test_the_discomfort_rule_comes_once_before_the_first_routine(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    texts = [plain(t) for t in harness.bot_texts(user)]
    rule = next(i for i, t in enumerate(texts) if SAFETY.discomfort.amber in t)
    assert "Track your pain?" in texts[rule + 1]  # before anything of the routine
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    later = [plain(t) for t in harness.bot_texts(user)]
    assert sum(SAFETY.discomfort.amber in t for t in later) == 1


async def test_cautions_button_answers_in_place_also_on_a_stale_card(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", consent=False)
    card = last(harness, user)
    cat_cow = CONTENT.stretches["cat_cow"]
    assert f"⚠️ {cat_cow.cautions[0]}" in plain(card.caption or "")
    cautions = next(b for b in card.buttons() if b["text"] == "⚠️ Cautions")
    sent = len(harness.server.bot_messages(user.id))
    [before] = await runs_of(harness, user)

    await harness.tap(user, "Cautions")
    answer = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert answer["show_alert"] is True
    for caution in cat_cow.cautions:
        assert caution in answer["text"]
    [after] = await runs_of(harness, user)
    assert after.version == before.version and after.step_index == 0  # not a routine step
    assert len(harness.server.bot_messages(user.id)) == sent  # in place, nothing new sent

    await harness.tap(user, "Done")  # the card is now closed: an old client still has it
    await harness.forge(user, card.message_id, str(cautions["callback_data"]))
    answer = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert cat_cow.cautions[-1] in answer["text"]
    await harness.tap(user, "Stop")
    await harness.forge(user, card.message_id, str(cautions["callback_data"]))  # routine over
    assert cat_cow.cautions[-1] in harness.server.calls_to("answerCallbackQuery")[-1].params["text"]
    await harness.forge(user, card.message_id, "cau:headstand")
    assert harness.server.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "That button isn't valid any more."
    )


async def steps_done(harness: BotHarness, user: SimUser, count: int, label: str = "Done") -> None:
    for _ in range(count):
        await harness.tap(user, label)


@pytest.mark.parametrize("level", [8, 10])
async def test_a_high_reading_before_a_routine_shows_red_flags_and_asks(
    harness: BotHarness, level: int
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", before=level)
    message: SimMessage = last(harness, user)
    assert message.animation is None, "no stretch before the question is answered"
    assert_full_red_flags(message.text or "")
    assert SAFETY.high_pain.question in plain(message.text or "")
    assert message.button_labels() == [SAFETY.high_pain.gentle_button, SAFETY.high_pain.rest_button]
    await harness.send(user, "let's go")  # typed instead of a tap: a hint, nothing starts
    assert last(harness, user).animation is None
    assert "gentle routine, or rest today" in harness.last_text(user)
    assert "Done" not in harness.last_text(user)
    await harness.double_tap(user, SAFETY.high_pain.gentle_button)
    card = last(harness, user)
    gentle = CONTENT.gentle_routine.steps(CONTENT)
    assert f"1 of {len(gentle)} · {gentle[0].stretch.name}" in (card.caption or "")
    assert f"Easier version: {gentle[0].stretch.easier.name}" in (card.caption or "")
    assert "🪶 Easier version" not in card.button_labels()
    [run] = await runs_of(harness, user)
    assert run.routine_id == CONTENT.gentle_routine.id and run.phase == "step"
    await steps_done(harness, user, len(gentle))
    await tap_level(harness, user, 6)
    assert "Pain " + str(level) + " → 6" in harness.last_text(user)


async def test_rest_today_after_a_high_reading_ends_kindly_and_counts_for_nothing(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Gentle day", before=9)
    assert SAFETY.high_pain.go_on_button in last(harness, user).button_labels()
    await harness.restart()  # the question waits in the database
    await harness.send(user, "/stretch")
    await harness.tap(user, "Continue")
    assert SAFETY.high_pain.question in plain(harness.last_text(user))
    await harness.tap(user, SAFETY.high_pain.rest_button)
    assert SAFETY.high_pain.rest in plain(harness.last_text(user))
    [run] = await runs_of(harness, user)
    assert run.status == "hurt" and run.steps_done == 0  # neutral for the streak
    await harness.send(user, "/progress")
    assert "Routines done (30 days): 0" in harness.last_text(user)


async def test_every_stretch_skipped_is_not_complete(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Desk break", before=4)
    await steps_done(harness, user, 3, label="Skip")
    ending = harness.last_text(user)
    assert "Routine complete" not in ending and "Well done" not in ending
    assert "Streak" not in ending and "Every stretch you did counts" not in ending
    assert "no stretches done" in ending
    [run] = await runs_of(harness, user)
    assert run.status == "stopped"
    await harness.send(user, "/progress")
    caption = harness.last_text(user)
    assert "Routines done (30 days): 0" in caption and "Streak: 0 days" in caption


async def test_stop_before_any_stretch_claims_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", consent=False)
    await harness.tap(user, "Stop")
    assert "Every stretch you did counts" not in harness.last_text(user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Done")
    await harness.tap(user, "Stop")
    assert "after 1 stretch." in harness.last_text(user)


# --- Persistent pain ---------------------------------------------------------------


async def test_no_improvement_over_three_weeks_sends_the_advice_once_and_weekly(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    now = harness.clock.now()  # Mon 2 Mar
    for days in (20, 17, 14):  # the fourth week begins today
        await add_entry(harness, user.id, now - timedelta(days=days), 6)
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    advice = SAFETY.persistent_pain
    await harness.tap(user, "6")
    texts = [plain(t) for t in harness.bot_texts(user)]
    assert advice in texts[-1] and SAFETY.expectations in texts[-1]
    harness.clock.advance(timedelta(hours=8))
    await harness.send(user, "/pain")
    await harness.tap(user, "5")  # still no better: not sent again
    assert sum(advice in plain(t) for t in harness.bot_texts(user)) == 1

    # the routine's readings follow the same rule: nothing new to say here either; the
    # start offers the gentle routine first, as the advice says
    await harness.send(user, "/stretch")
    await harness.tap(user, "Desk break")
    assert SAFETY.rest_advised.persistent in plain(harness.last_text(user))
    await harness.tap(user, "anyway")
    await tap_level(harness, user, 6)
    assert sum(advice in plain(t) for t in harness.bot_texts(user)) == 1

    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Monday, 07:30 in Berlin
    assert (await harness.dispatch()).summaries_sent == 1
    summary = _summary(harness, user)
    assert summary.photo and advice in plain(summary.caption or "")
    assert len(summary.caption or "") <= 1024


async def test_improving_pain_gets_no_advice(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    now = harness.clock.now()
    for days in (20, 17, 14):
        await add_entry(harness, user.id, now - timedelta(days=days), 7)
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "4")
    assert not any(SAFETY.persistent_pain in plain(t) for t in harness.bot_texts(user))
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    await harness.dispatch()
    summary = _summary(harness, user)
    assert SAFETY.persistent_pain not in plain(summary.caption or summary.text or "")


async def test_two_weeks_of_steady_pain_is_not_called_three_weeks(harness: BotHarness) -> None:
    """The playground's case: daily 7s for 14 days; the advice says "three weeks", so it
    waits until the log really covers three weeks, on a reading and in the summary."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    now = harness.clock.now()  # Mon 2 Mar
    for days in range(14, 0, -1):
        await add_entry(harness, user.id, now - timedelta(days=days), 7)
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "7")
    advice = SAFETY.persistent_pain
    assert not any(advice in plain(t) for t in harness.bot_texts(user))
    assert "three weeks" in advice
    for days in range(20, 14, -1):  # the log now reaches back 20 days: three weeks
        await add_entry(harness, user.id, now - timedelta(days=days), 7)
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Monday, 07:30 in Berlin
    await harness.dispatch()
    summary = _summary(harness, user)
    assert advice in plain(summary.caption or summary.text or "")


# --- Advice honoured at the next start -------------------------------------------------------


def _summary(harness: BotHarness, user: SimUser) -> SimMessage:
    """The latest weekly summary (a chart with a caption); Monday's reminder comes after it."""
    return [m for m in harness.server.bot_messages(user.id) if m.photo][-1]


def _labels(harness: BotHarness, user: SimUser) -> list[str]:
    return harness.server.last_bot_message(user.id).button_labels()


async def test_after_it_hurts_the_same_day_start_offers_gentle_or_rest_first(
    harness: BotHarness,
) -> None:
    """The playground's case: "It hurts" says to give the back a day, then /stretch and the
    reminder the same day offered every routine as usual. Now they repeat the advice and
    offer the gentle routine, the usual one, or rest, in that order; the next day is
    ordinary again."""
    user = harness.new_user()
    await onboard(harness, user, at="11:00", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    await walk(harness, user, FULL.title, hurt_on="Forward Fold")
    advice = SAFETY.rest_advised.after_hurt
    gentle = CONTENT.gentle_routine.title
    await harness.send(user, "/stretch")
    assert advice in plain(harness.last_text(user))
    assert gentle in _labels(harness, user)[0]  # the gentle routine first

    sent_before = len(harness.bot_texts(user))
    await harness.double_tap(user, QUICK.title)
    assert len(harness.bot_texts(user)) == sent_before + 1  # a double tap: one answer
    assert advice in plain(harness.last_text(user))
    assert _labels(harness, user) == [
        SAFETY.high_pain.gentle_button,
        f"▶️ Start {QUICK.title} anyway",
        SAFETY.high_pain.rest_button,
    ]
    runs = await runs_of(harness, user)
    assert [r.status for r in runs] == ["hurt"]  # nothing started yet
    await harness.double_tap(user, "Rest today")
    assert SAFETY.high_pain.rest in plain(harness.last_text(user))
    assert len(harness.bot_texts(user)) == sent_before + 2
    assert len(await runs_of(harness, user)) == 1

    # The reminder's Start routine the same day asks the same; the usual routine still starts.
    harness.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # 11:00 in Berlin
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "Start routine")
    assert advice in plain(harness.last_text(user))
    await harness.tap(user, "anyway")
    assert "right now" in harness.last_text(user)  # the routine's own first question
    [_, started] = await runs_of(harness, user)
    assert started.routine_id != CONTENT.gentle_routine.id and started.status == "active"
    await harness.tap(user, "Skip")  # no reading now
    await harness.tap(user, "Stop")

    harness.clock.advance(timedelta(days=1))
    await harness.send(user, "/stretch")
    assert advice not in plain(harness.last_text(user))
    await harness.tap(user, QUICK.title)
    assert "right now" in harness.last_text(user)


async def test_persistent_pain_advice_is_said_once_and_the_start_offers_gentle_first(
    harness: BotHarness,
) -> None:
    """The playground's case: steady 7s. The weekly summary gave the advice (see a doctor,
    keep to the gentle routine), "Pain before: 7" repeated it seconds later, and Quick start
    began as usual. Now the reading doesn't repeat it, and the start offers gentle first."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    sunday = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
    for days in range(20, 0, -1):  # from Mon 16 Feb to Sat 7 Mar: three weeks on Sunday
        await add_entry(harness, user.id, sunday - timedelta(days=days), 7)
    monday = sunday + timedelta(days=1)  # the summary of the week to Sunday
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.send(user, "/cancel")
    harness.clock.set(monday)
    assert (await harness.dispatch()).summaries_sent == 1
    advice = SAFETY.persistent_pain
    summary = _summary(harness, user)
    assert advice in plain(summary.caption or "")

    await harness.send(user, "/stretch")
    assert SAFETY.rest_advised.persistent in plain(harness.last_text(user))
    await harness.tap(user, "Quick start")
    assert _labels(harness, user)[0] == SAFETY.high_pain.gentle_button
    await harness.tap(user, "anyway")
    await tap_level(harness, user, 7)
    said = [plain(t) for t in harness.bot_texts(user)]
    assert sum(advice in t for t in said) == 1, "the advice again seconds after the summary"
