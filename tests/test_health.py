"""/healthz and `stretchbot health`: database, scheduler, dispatch age, active or standby."""

from __future__ import annotations

import time

from bot.health import Health, probe, start_server
from tests.harness.bot import BotHarness, make_settings
from tests.harness.postgres import free_port


async def test_standby_with_a_reachable_database_is_healthy(harness: BotHarness) -> None:
    port = free_port()
    settings = harness.settings.model_copy(update={"health_port": port})
    health = Health(settings)
    health.became_standby()
    runner = await start_server(health, "127.0.0.1", port)
    try:
        code, line = await probe(settings)
        assert code == 0, line
        assert '"role": "standby"' in line and '"database": "ok"' in line
    finally:
        await runner.cleanup()
        await health.close()


async def test_active_process_reports_scheduler_and_dispatch_age(harness: BotHarness) -> None:
    assert harness.app is not None
    health = Health(harness.settings)
    health.became_active(harness.app)
    healthy, body = await health.report()
    assert healthy, body
    assert body["scheduler"] == "running" and body["dispatch"] == "idle"
    assert body["last_dispatch_age_seconds"] is None  # no pass yet, and not overdue

    # A pass that ended long ago with none running since: the dispatcher is stuck.
    health.active_since = time.monotonic() - health.stale_after - 1
    healthy, body = await health.report()
    assert not healthy and body["status"] == "unhealthy", body

    # The periodic job records each pass: fresh again.
    from bot.app import _dispatch_and_log

    await _dispatch_and_log(harness.services.dispatcher, harness.app)
    healthy, body = await health.report()
    assert healthy, body
    age = body["last_dispatch_age_seconds"]
    assert isinstance(age, float) and age < 5
    await health.close()


async def test_unreachable_database_is_503(harness: BotHarness) -> None:
    port = free_port()
    settings = make_settings(
        harness.server,
        f"postgresql://bot:pw@127.0.0.1:{free_port()}/nothing",
        health_port=port,
    )
    health = Health(settings)
    health.became_standby()
    runner = await start_server(health, "127.0.0.1", port)
    try:
        started = time.monotonic()
        code, line = await probe(settings)
        assert code == 1 and '"database": "down"' in line and '"status": "unhealthy"' in line
        assert time.monotonic() - started < 6
    finally:
        await runner.cleanup()
        await health.close()


async def test_probe_without_a_server_says_what_to_check(harness: BotHarness) -> None:
    settings = harness.settings.model_copy(update={"health_port": free_port()})
    code, line = await probe(settings)
    assert code == 1
    assert "not reachable" in line and "HEALTH_PORT" in line
