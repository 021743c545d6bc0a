"""What the benchmarks ran on: CPU, cores, RAM, Python, SQLite and library versions."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_model() -> str:
    cpuinfo = _read("/proc/cpuinfo")
    for key in ("model name", "Model", "Hardware", "cpu model"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or "unknown"


def ram_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return None


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def describe() -> list[tuple[str, str]]:
    """Label/value pairs for the header of the report."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()} logical"
    if usable is not None and usable != os.cpu_count():
        cores += f" ({usable} usable by this process)"
    ram = ram_gib()
    return [
        ("CPU", cpu_model()),
        ("Cores", cores),
        ("RAM", "unknown" if ram is None else f"{ram:.1f} GiB"),
        ("OS", platform.platform()),
        (
            "Load average",
            " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min, at start)",
        ),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("SQLite", sqlite3.sqlite_version),
        (
            "Libraries",
            f"python-telegram-bot {_version('python-telegram-bot')}, "
            f"SQLAlchemy {_version('SQLAlchemy')}, aiosqlite {_version('aiosqlite')}",
        ),
    ]
