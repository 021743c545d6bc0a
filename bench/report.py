"""Plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A title, a header row, a rule and right-aligned cells (the first column left-aligned)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [title, "=" * len(title), line(headers), rule]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def pairs(title: str, items: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in items)
    out = [title, "=" * len(title)]
    out.extend(f"{label.ljust(width)}  {value}" for label, value in items)
    return "\n".join(out)


def count(n: int) -> str:
    return f"{n:,}"
