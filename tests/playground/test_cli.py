"""`stretchbot playground` as a real process: binds, the token, and stopping on signals."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.playground.core import Playground, PlaygroundError, PlaygroundOptions, is_loopback
from tests.playground.process import PlaygroundProcess

# Its data folder holds its own SQLite file: on PostgreSQL this would repeat the SQLite run.
pytestmark = pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file")

STOP_WITHIN = 5.0


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def post_json(url: str, body: dict[str, Any], token: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Playground-Token"] = token
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def port_of(url: str) -> int:
    found = re.search(r":(\d+)/", url)
    assert found, url
    return int(found.group(1))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_everything_within_five_seconds(tmp_path: Path, sig: signal.Signals) -> None:
    process = PlaygroundProcess(tmp_path)
    try:
        url = process.wait_for_url()
        assert url.startswith("http://127.0.0.1:")
        status, state = get_json(url + "api/state")
        assert status == 200
        assert state["users"] and state["commands"], "the bot is up and set its command menu"
        # An open event stream must not hold the shutdown up.
        stream = urllib.request.urlopen(f"{url}api/events?user={state['user']}", timeout=10)
        assert stream.readline().startswith(b"event: ")
        took = process.stop(sig, timeout=STOP_WITHIN)
        stream.close()
    finally:
        process.kill()
    assert took < STOP_WITHIN
    assert process.process.returncode == 0, process.output()
    assert process.leftovers() == []
    assert "Traceback" not in process.output()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port_of(url)), 1):
        pass
    # The bot had its own SQLite file under the data folder (no DATABASE_URL given).
    assert (tmp_path / "data" / "playground" / "stretchbot.sqlite3").exists()


def test_the_default_bind_is_loopback_and_needs_no_token(tmp_path: Path) -> None:
    process = PlaygroundProcess(tmp_path)
    try:
        url = process.wait_for_url()
        assert "token=" not in url
        assert "WARNING" not in process.output()
        status, _ = get_json(url + "api/state")
        assert status == 200
        # DNS rebinding: a page from another name that resolves here is refused.
        status, body = get_json(url + "api/state", {"Host": f"evil.example:{port_of(url)}"})
        assert status == 421, body
        process.stop()
    finally:
        process.kill()


def test_host_binds_elsewhere_with_a_warning_and_an_enforced_token(tmp_path: Path) -> None:
    process = PlaygroundProcess(tmp_path, "--host", "0.0.0.0")
    try:
        url = process.wait_for_url()
        output = process.output()
        assert "WARNING" in output
        token = re.search(r"token: (\S+)", output)
        assert token, output
        assert f"token={token.group(1)}" in url
        base = url.split("?")[0]
        assert get_json(base + "api/state")[0] == 401
        assert get_json(base + "api/state?token=wrong")[0] == 401
        status, state = get_json(base + "api/state", {"X-Playground-Token": token.group(1)})
        assert status == 200
        assert get_json(f"{base}api/state?token={token.group(1)}")[0] == 200
        user = state["user"]
        assert post_json(f"{base}api/users/{user}/text", {"text": "/help"})[0] == 401
        ok = post_json(f"{base}api/users/{user}/text", {"text": "/help"}, token.group(1))
        assert ok[0] == 200
        # The page itself loads without the token (it reads it from the URL).
        with urllib.request.urlopen(base, timeout=10) as page:
            assert b"Stretch bot playground" in page.read()
        process.stop()
    finally:
        process.kill()


def test_a_non_loopback_bind_is_refused_without_host(tmp_path: Path) -> None:
    options = PlaygroundOptions(host="0.0.0.0", port=0, data_dir=tmp_path)
    with pytest.raises(PlaygroundError, match="--host"):
        Playground(options)
    assert options.control_token is None
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert is_loopback(host)
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.org"):
        assert not is_loopback(host)


def test_a_busy_port_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = PlaygroundProcess(tmp_path, "--port", str(port))
        try:
            assert process.process.wait(timeout=60) == 2
        finally:
            process.kill()
    output = process.output()
    assert f"can't listen on 127.0.0.1:{port}" in output
    assert "Traceback" not in output


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_line(workdir: Path, command: str, database_url: str) -> tuple[int, str]:
    """Exit code and output of `stretchbot <command>` that fails on ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "BOT_TOKEN", "BOT_API_URL", "ADMIN_IDS"}
    }
    env.update(
        DATABASE_URL=database_url,
        STARTUP_RETRY_SECONDS="0",
        LOG_LEVEL="WARNING",
        # `run` needs a well-formed token; the database is checked before the Bot API.
        BOT_TOKEN="987654:NOT-A-REAL-TOKEN-xyzxyzxyzxyz",
        BOT_API_URL=f"http://127.0.0.1:{closed_port()}",
    )
    args = ["--port", "0"] if command == "playground" else []
    done = subprocess.run(
        [sys.executable, "-m", "bot", command, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_a_bad_database_url_gives_the_same_one_line_as_stretchbot_run(tmp_path: Path) -> None:
    """The playground goes through `stretchbot run`'s start-up checks: a URL that isn't one,
    an unreachable PostgreSQL, an SQLite path through a file or into a missing folder are
    one line (the same as `run`'s), exit 2, no traceback, nothing created."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file\n")
    cases = {
        "garbage": "DATABASE_URL is not a database URL",
        f"postgresql://someone:secret-pw@127.0.0.1:{closed_port()}/x": "cannot reach the database",
        f"sqlite:///{blocker / 'data' / 'x.db'}": f"{blocker} is a file, not a folder",
        f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}": "the folder",
    }
    for url, expected in cases.items():
        lines = {}
        for command in ("playground", "run"):
            code, output = start_line(tmp_path, command, url)
            assert code == 2, (command, url, output)
            assert "Traceback" not in output and "secret-pw" not in output, output
            [line] = [line for line in output.splitlines() if line.strip()]
            lines[command] = line
        assert lines["playground"] == lines["run"], lines
        assert lines["run"].startswith("stretchbot: ") and expected in lines["run"], lines
    assert not (tmp_path / "nowhere").exists()
    assert blocker.read_text() == "a file\n"
