"""A throwaway PostgreSQL server for tests: initdb + pg_ctl on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SEARCH_PATHS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)
SUPERUSER = "stretch"


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SEARCH_PATHS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryPostgres:
    """Starts a private cluster under `base`; PostgreSQL refuses to run as root, so as root
    the cluster is owned by and run as the `postgres` system user."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.port = free_port()
        self._as_user: list[str] = []

    @staticmethod
    def available() -> bool:
        return find_binary("initdb") is not None and find_binary("pg_ctl") is not None

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        assert initdb and pg_ctl, "PostgreSQL binaries not found"
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, user="postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8")
        self.start_again()

    def start_again(self) -> None:
        """Start the (already initialised) cluster: after `stop()`, the same port and data."""
        pg_ctl = find_binary("pg_ctl")
        assert pg_ctl, "PostgreSQL binaries not found"
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.base / "log"), "-w", "start"
        )

    def stop(self) -> None:
        pg_ctl = find_binary("pg_ctl")
        if pg_ctl and self.data.exists():
            self._run(pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str) -> str:
        import asyncpg

        connection = await asyncpg.connect(
            user=SUPERUSER, host="127.0.0.1", port=self.port, database="postgres"
        )
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)


@contextlib.contextmanager
def running_postgres(prefix: str) -> Iterator[TemporaryPostgres]:
    """A started TemporaryPostgres in a fresh temporary folder, stopped and removed after.
    Skips the test when the binaries are missing (fails instead with
    STRETCHBOT_REQUIRE_POSTGRES set, as CI does)."""
    if not TemporaryPostgres.available():
        if os.environ.get("STRETCHBOT_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) not found")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    server = TemporaryPostgres(Path(tempfile.mkdtemp(prefix=prefix)))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
