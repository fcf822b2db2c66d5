"""A short answer in words, in the question's language, from a query result."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def is_korean(text: str) -> bool:
    return bool(_HANGUL.search(text))


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal | float):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def summarize(question: str, columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """One or two sentences: the single value, the top group, or how many rows were found."""
    korean = is_korean(question)
    if not rows:
        return "조건에 맞는 데이터가 없습니다." if korean else "No rows match."
    if len(rows) == 1 and len(columns) == 1:
        value = fmt(rows[0][0])
        return f"{columns[0]}: {value}" + ("입니다." if korean else ".")
    if len(rows) == 1:
        pairs = ", ".join(f"{c} {fmt(v)}" for c, v in zip(columns, rows[0], strict=False))
        return f"결과: {pairs}." if korean else f"Result: {pairs}."
    first = rows[0]
    label_index = next((i for i, v in enumerate(first) if isinstance(v, str)), None)
    measure_index = next(
        (i for i, v in enumerate(first) if isinstance(v, int | float | Decimal) and not isinstance(v, bool)),
        None,
    )
    if label_index is not None and measure_index is not None:
        label, measure = fmt(first[label_index]), columns[measure_index]
        value = fmt(first[measure_index])
        if korean:
            return f"{len(rows)}개 행 중 첫 번째는 {label} ({measure} {value})입니다."
        return f"{len(rows)} rows; the first is {label} ({measure} {value})."
    return f"{len(rows)}개 행을 찾았습니다." if korean else f"Found {len(rows)} rows."
