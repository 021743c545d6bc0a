"""Per-row values in one set-based statement, portable to SQLite and PostgreSQL.

`UPDATE ... SET col = CASE id WHEN 1 THEN ? WHEN 2 THEN ? ... END WHERE id IN (...)`:
SQLite can't name the columns of a `VALUES` list (so no `UPDATE ... FROM (VALUES ...) AS
v(id, col)`), and an `executemany` can't tell which rows' compare-and-set held, whereas this
form can end in `RETURNING`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, literal


def per_row(
    key: Any,
    values: Mapping[Any, Any],
    type_: Any,
    otherwise: Any = None,
    *,
    rows: int | None = None,
) -> Any:
    """`CASE key WHEN k THEN v ... ELSE otherwise END` for a mapping of per-row values
    (just `otherwise` for an empty mapping).

    `rows`: how many rows the statement touches, when it touches only keys of `values`
    (`WHERE key IN (...)` with the same keys). If `values` then names every one of them
    and they all get the same value, that value alone stands for the CASE: one parameter
    instead of two per row, which SQLAlchemy builds, keys and binds per execution.
    """
    if not values:
        return literal(None, type_) if otherwise is None else otherwise
    if rows is not None and len(values) == rows:
        first, *rest = values.values()
        if all(v == first and type(v) is type(first) for v in rest):
            return literal(first, type_)
    return case({k: literal(v, type_) for k, v in values.items()}, value=key, else_=otherwise)
