"""/stats for operators only; unknown commands get an answer."""

from __future__ import annotations

from pathlib import Path

from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings, onboard


async def test_stats_for_admins_only(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    admin_user = server.add_user("Op")
    settings = make_settings(server, database_url(tmp_path), admin_ids=frozenset({admin_user.id}))
    harness = BotHarness(server, settings, clock)
    await harness.start()
    try:
        user = harness.new_user()
        await onboard(harness, user)
        await harness.send(user, "/stats")
        assert "don't know that command" in harness.last_text(user)
        await harness.send(admin_user, "/stats")
        text = harness.last_text(admin_user)
        assert "Users: 1" in text and "Reminders on: 1 (paused: 0)" in text
    finally:
        await harness.stop()


async def test_unknown_command(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/dance")
    assert "/help" in harness.last_text(user)
