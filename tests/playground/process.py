"""Run ``stretchbot playground`` as a real subprocess and stop it with a real signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

URL_LINE = re.compile(r"Stretch bot playground: (http://\S+)")
START_TIMEOUT = 60.0


class PlaygroundProcess:
    """``python -m bot playground ...`` in ``workdir`` with a clean environment."""

    def __init__(self, workdir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.log_path = workdir / "playground.log"
        clean = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "BOT_TOKEN", "BOT_API_URL", "ADMIN_IDS"}
        }
        clean.update(env or {})
        clean.setdefault("LOG_LEVEL", "WARNING")
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "playground", "--port", "0", *args],
            cwd=workdir,
            env=clean,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our signals only, and we can check for leftovers
        )
        self.url = ""

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def wait_for_url(self, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = URL_LINE.search(self.output())
            if found:
                self.url = found.group(1)
                return self.url
            if self.process.poll() is not None:
                raise AssertionError(f"the playground exited early:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"no URL within {timeout}s:\n{self.output()}")

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 5.0) -> float:
        """Send ``sig``; return how long the process took to exit (AssertionError if >timeout)."""
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"the playground was still running {timeout}s after {sig.name}:\n{self.output()}"
            ) from None
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if not self._log.closed:
            self._log.close()

    def leftovers(self) -> list[int]:
        """Processes still alive in the playground's process group (should be none)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) == self.process.pid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
        return pids
