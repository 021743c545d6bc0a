"""After /delete nothing of the person remains until they /start again (tester 8 #6): not
the buttons the chat was shown (kept in memory for typed text), and no user row made anew
by a command that only reads (/progress, /export)."""

from __future__ import annotations

from bot import texts
from bot.botapi.client import client_of
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import rows_per_table
from tests.test_pain import consented


async def test_typed_text_after_delete_names_no_old_buttons_and_reads_create_nothing(
    harness: BotHarness,
) -> None:
    """The tester's case: /settings → Pause → Until I resume, /delete → Yes, then "hello"
    got "tap ⏰ Time, ... ▶️ Resume reminders ..." (the erased panel's buttons), and
    /progress or /export afterwards made a user row again."""
    ana = harness.new_user("Ana")
    await consented(harness, ana)
    await harness.tap(ana, "4")
    await harness.send(ana, "/settings")
    await harness.tap(ana, "Pause")
    await harness.tap(ana, "Until I resume")
    await harness.send(ana, "/delete")
    await harness.tap(ana, "Yes, delete everything")
    assert harness.last_text(ana) == texts.DELETE_DONE
    assert harness.app is not None
    assert client_of(harness.app.bot).shown.latest(ana.id) is None

    await harness.send(ana, "hello")
    assert harness.last_text(ana) == texts.REMINDERS_NOT_SET_UP
    await harness.send(ana, "/progress")  # the empty chart, as for someone new
    progress = harness.server.bot_messages(ana.id)[-1]
    assert progress.photo and "Routines done (30 days): 0" in (progress.caption or "")
    await harness.send(ana, "/export")
    assert harness.last_text(ana) == texts.EXPORT_NOTHING
    assert await harness.services.preferences.get(ana.id) is None
    left = await rows_per_table(harness, ana.id)
    assert all(count == 0 for count in left.values()), left

    await onboard(harness, ana)  # /start again: a new beginning, /progress works
    await harness.send(ana, "/progress")
    assert harness.server.bot_messages(ana.id)[-1].photo
