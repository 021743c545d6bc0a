"""Settings and the command line: a missing or malformed token is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import ConfigError, Settings, load_settings


def test_missing_token_says_how_to_get_one() -> None:
    with pytest.raises(ConfigError, match="@BotFather") as error:
        Settings(_env_file=None, bot_token="").require_token()  # type: ignore[call-arg]
    assert "\n" not in str(error.value)


def test_malformed_token_is_rejected() -> None:
    with pytest.raises(ConfigError, match="malformed"):
        Settings(_env_file=None, bot_token="not-a-token").require_token()  # type: ignore[call-arg]


def test_valid_token_and_defaults() -> None:
    settings = Settings(_env_file=None, bot_token="123456:ABCdefGhIJKlmNoPQRstuVWXyz012345")  # type: ignore[call-arg]
    assert settings.require_token().startswith("123456:")
    assert settings.database_url.startswith("sqlite+aiosqlite:///./data/")
    assert settings.bot_api_url == "https://api.telegram.org"
    assert settings.reminder_grace.total_seconds() == 2 * 3600
    assert "ABCdef" not in repr(settings)  # the token never shows up in logs


def test_environment_and_admin_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12, 34 56")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == frozenset({12, 34, 56})
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.log_level == "DEBUG"


def test_invalid_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match="LOG_LEVEL") as error:
        load_settings(_env_file=None)
    assert "\n" not in str(error.value)


def test_cli_run_without_token_exits_with_the_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("stretchbot: BOT_TOKEN is not set") and "@BotFather" in err
    assert len(err.splitlines()) == 1


def test_cli_db_upgrade_creates_the_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'sub' / 'bot.sqlite3'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "sub" / "bot.sqlite3").exists()
    assert "up to date" in capsys.readouterr().out
