"""Measuring instruments: process memory, SQL statements, and arrival times of Bot API calls."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Engine

from loopback.server import RecordedCall


def memory_kib() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in KiB, from /proc/self/status."""
    rss = hwm = 0
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


_TABLE = re.compile(r'\b(?:FROM|INTO)\s+"?(\w+)', re.IGNORECASE)
_UPDATE = re.compile(
    r'^\s*UPDATE\s+"?(\w+)"?\s+SET\s+(.*?)(?:\s+WHERE\s|$)', re.IGNORECASE | re.DOTALL
)
_WHERE = re.compile(r"\bWHERE\s+(.*?)(?:\s+ORDER\s+BY\s|\s+LIMIT\s|$)", re.IGNORECASE | re.DOTALL)
_COMPARED = re.compile(r"\b\w+\.(\w+)\s*(?:=|<|>|!=|IS\b|IN\b)", re.IGNORECASE)
_ASSIGNED = re.compile(r"(\w+)\s*=")


def _unique(names: list[str]) -> str:
    return ",".join(dict.fromkeys(names))


def statement_kind(statement: str) -> str:
    """A short label: 'SELECT users WHERE id', 'UPDATE deliveries SET attempts', 'INSERT ...'."""
    words = statement.split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb == "UPDATE" and (update := _UPDATE.match(statement)):
        return f"UPDATE {update[1]} SET {_unique(_ASSIGNED.findall(update[2]))}"
    table = _TABLE.search(statement)
    if table is None:
        return verb
    label = f"{verb} {table[1]}"
    where = _WHERE.search(statement) if verb in ("SELECT", "DELETE") else None
    if where is not None:
        label += f" WHERE {_unique(_COMPARED.findall(where[1]))}"
    return label


class SqlCounter:
    """Counts every statement and commit of every SQLAlchemy engine while active.

    It listens on the `Engine` class, so it sees the bot's own engines (and Alembic's)
    without touching the bot. Time is measured around each cursor execution: for aiosqlite
    that is SQLite's work plus the hop to the driver's thread and back.
    """

    def __init__(self, *, kinds: bool = True) -> None:
        self.kinds = kinds  # False: only count (no regexes in the measured process's path)
        self.statements = 0
        self.commits = 0
        self.seconds = 0.0
        self.by_kind: Counter[str] = Counter()
        self.seconds_by_kind: defaultdict[str, float] = defaultdict(float)

    def _before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not self.kinds:
            self.statements += 1
            return
        started: list[float] = conn.info.get("bench_started", [])
        elapsed = time.perf_counter() - started.pop() if started else 0.0
        kind = statement_kind(statement)
        self.statements += 1
        self.seconds += elapsed
        self.by_kind[kind] += 1
        self.seconds_by_kind[kind] += elapsed

    def _commit(self, conn: Any) -> None:
        self.commits += 1

    def __enter__(self) -> Self:
        if self.kinds:
            event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        event.listen(Engine, "commit", self._commit)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.kinds:
            event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        event.remove(Engine, "commit", self._commit)


class TimedCalls(list[RecordedCall]):
    """A drop-in for `LoopbackBotAPI.calls` that notes when each call arrived.

    The server appends a `RecordedCall` the moment a request reaches its handler, before
    reading the body, so `arrived[i]` is the arrival time (perf_counter) of `self[i]`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def append(self, call: RecordedCall) -> None:
        self.arrived.append(time.perf_counter())
        super().append(call)

    def arrivals(self, method: str, since: int = 0) -> list[float]:
        wanted = method.lower()
        return [
            at
            for call, at in zip(self[since:], self.arrived[since:], strict=True)
            if call.method.lower() == wanted
        ]


def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events in any half-open interval [t, t + window) (times sorted)."""
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def per_second(times: Sequence[float]) -> list[int]:
    """Events in each whole second counted from the first event: [0, 1), [1, 2) ..."""
    if not times:
        return []
    counts = [0] * (int(times[-1] - times[0]) + 1)
    for at in times:
        counts[int(at - times[0])] += 1
    return counts
