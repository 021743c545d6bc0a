"""Logs never contain message text, pain values or the token, even at DEBUG, errors included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot import texts
from bot.logs import HANDLER_NAME, QUIETED_LOGGERS, configure_logging, make_handler
from tests.harness.bot import BotHarness, onboard


@pytest.fixture
def debug_logging(harness: BotHarness) -> Iterator[io.StringIO]:
    """Configure logging as `stretchbot run` does at DEBUG; yield what its formatter wrote."""
    root = logging.getLogger()
    previous = {name: logging.getLogger(name).level for name in QUIETED_LOGGERS}
    previous_root = root.level
    settings = harness.settings.model_copy(update={"log_level": "DEBUG"})
    configure_logging(settings)
    written = io.StringIO()
    captured = make_handler(settings, written)
    root.addHandler(captured)
    yield written
    root.removeHandler(captured)
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(previous_root)
    for name, level in previous.items():
        logging.getLogger(name).setLevel(level)


def assert_no_secrets(harness: BotHarness, logged: str) -> None:
    token = harness.settings.bot_token
    assert token not in logged and token.split(":")[1] not in logged
    assert "sciatica" not in logged


async def test_debug_logs_hold_no_private_data(
    harness: BotHarness, debug_logging: io.StringIO, caplog: pytest.LogCaptureFixture
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
    assert_no_secrets(harness, logged)
    assert "'9'" not in logged and "pn:9" not in logged
    assert_no_secrets(harness, debug_logging.getvalue())


async def refuse_pain_inserts(harness: BotHarness) -> None:
    """A trigger that makes the database refuse every new pain reading, on either engine."""
    if harness.settings.database_url.startswith("sqlite"):
        statements = [
            "CREATE TRIGGER refuse_pain BEFORE INSERT ON pain_entries "
            "BEGIN SELECT RAISE(ABORT, 'pain log is read-only'); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION refuse_pain() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'pain log is read-only'; END $$",
            "CREATE TRIGGER refuse_pain BEFORE INSERT ON pain_entries "
            "FOR EACH ROW EXECUTE FUNCTION refuse_pain()",
        ]
    async with harness.services.sessions() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))


async def test_a_failed_pain_write_logs_no_parameters(
    harness: BotHarness, debug_logging: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    """A real failure: a trigger makes the database refuse the insert of a pain reading."""
    caplog.set_level(logging.DEBUG)
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    await harness.send(user, "my secret sciatica note")
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes")
    await refuse_pain_inserts(harness)
    await harness.tap(user, "7")
    assert harness.last_text(user) == texts.ERROR or any(
        texts.ERROR in str(call.params.get("text", ""))
        for call in harness.server.calls_to("answerCallbackQuery")
    )

    formatted = debug_logging.getvalue()
    assert "pain log is read-only" in formatted, "the failure and its traceback were logged"
    assert "Traceback" in formatted
    assert "[SQL parameters hidden due to hide_parameters=True]" in formatted
    assert "[parameters:" not in formatted
    assert_no_secrets(harness, formatted)
    # The reading's values: the user id and level 7 travel together only as parameters.
    for line in formatted.splitlines():
        assert str(user.id) not in line, line
    records = "\n".join(
        logging.Formatter().format(record) for record in caplog.records
    )  # the same records through the standard formatter (exception text included)
    assert "[parameters:" not in records and str(user.id) not in records
