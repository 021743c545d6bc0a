"""Packaging smoke test (CI): the wheel alone runs the bot, from any folder.

Builds the wheel, installs it (not editable) into a fresh venv, starts `stretchbot run` in an
empty folder against the loopback Bot API, waits for its "@bot is running" line (content,
images, migrations and getMe all passed by then), has a user send /start and waits for the
answer, then stops the bot with SIGTERM and expects exit code 0.

Usage: .venv/bin/python scripts/wheel_smoke.py
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from loopback import LoopbackBotAPI

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120.0


def step(message: str) -> None:
    print(f"wheel smoke: {message}", flush=True)


def install(work: Path) -> Path:
    """Build the wheel and install it into a fresh venv; returns the venv's `stretchbot`."""
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
        check=True,
    )
    [wheel] = dist.glob("stretchbot-*.whl")
    step(f"built {wheel.name}")
    venv.create(work / "venv", with_pip=True)
    pip = work / "venv" / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True)
    step("installed it into a fresh venv")
    return work / "venv" / "bin" / "stretchbot"


async def run_bot(stretchbot: Path, folder: Path) -> None:
    async with LoopbackBotAPI() as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(folder),
            "BOT_TOKEN": server.token,
            "BOT_API_URL": server.base_url,
        }
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            str(stretchbot),
            "run",
            cwd=folder,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        try:
            line = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode().strip()
            expected = f"@{server.bot_username} is running: open https://t.me/"
            if not line.startswith(expected):
                errors = (await process.stderr.read()).decode()
                raise SystemExit(f"wheel smoke: expected the running line, got {line!r}\n{errors}")
            step(f"{line!r} after {time.monotonic() - started:.1f} s, from an empty folder")
            user = server.add_user("Ana")
            since = len(server.calls)
            await server.wait_until_confirmed(server.send_text(user, "/start"), timeout=TIMEOUT)
            await server.wait_for_call(
                "sendMessage", lambda c: c.params.get("chat_id") == user.id, TIMEOUT, since=since
            )
            step(f"/start answered: {server.bot_messages(user.id)[0].text!r:.60}")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), TIMEOUT)
        if code != 0:
            errors = (await process.stderr.read()).decode()
            raise SystemExit(f"wheel smoke: the bot exited with {code} after SIGTERM\n{errors}")
        step(f"stopped with SIGTERM, exit code {code}")
        data = sorted(p.name for p in (folder / "data").iterdir())
        step(f"the empty folder now holds data/{data}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="stretchbot-wheel-") as tmp:
        work = Path(tmp)
        stretchbot = install(work)
        folder = work / "empty"
        folder.mkdir()
        asyncio.run(run_bot(stretchbot, folder))
    step("ok")


if __name__ == "__main__":
    main()
