"""Rows as the builder reads them: tuples in the order of the columns, whatever came in (tuples,
lists, dicts or asyncpg Records), and the kinds of value in them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def as_tuples(columns: Sequence[str], rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for row in rows:
        if isinstance(row, Mapping):
            out.append(tuple(row.get(c) for c in columns))
        else:
            out.append(tuple(row))
    return out


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def is_time(value: Any) -> bool:
    return isinstance(value, datetime | date)


def column_values(rows: Sequence[tuple[Any, ...]], index: int) -> list[Any]:
    return [row[index] for row in rows if index < len(row)]


def numbers_in(rows: Sequence[tuple[Any, ...]], index: int) -> list[float]:
    """The column's numeric values (None and non-numbers skipped), as floats."""
    return [float(v) for v in column_values(rows, index) if is_number(v)]
