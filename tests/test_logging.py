"""Logs never contain message text, pain values or the token, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.__main__ import QUIETED_LOGGERS, configure_logging
from tests.harness.bot import BotHarness, onboard


@pytest.fixture
def debug_logging(harness: BotHarness) -> Iterator[None]:
    previous = {name: logging.getLogger(name).level for name in QUIETED_LOGGERS}
    configure_logging(harness.settings.model_copy(update={"log_level": "DEBUG"}))
    yield
    for name, level in previous.items():
        logging.getLogger(name).setLevel(level)


async def test_debug_logs_hold_no_private_data(
    harness: BotHarness, debug_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    await harness.send(user, "my secret sciatica note")
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes")
    await harness.tap(user, "9")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "something was logged at DEBUG"
    assert "sciatica" not in logged
    assert harness.settings.bot_token not in logged
    assert harness.settings.bot_token.split(":")[1] not in logged
    assert "'9'" not in logged and "pn:9" not in logged
