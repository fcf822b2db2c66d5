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


def answer_text(
    question: str,
    sql: str,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    plan: dict[str, Any] | None = None,
    dialect: str = "postgres",
) -> str:
    """The shaped sentence (headline, ranking, series, comparison, listing — see
    :mod:`nlq_platform.text_to_sql.sentence`) when the SQL has one of those shapes and every
    number in it checks out against the rows; else the generic :func:`summarize`."""
    from nlq_platform.text_to_sql.sentence import audit, build_sentence, from_plan

    said = question or sql
    fallback = summarize(said, columns, rows)
    try:
        sentence = build_sentence(
            sql, columns, rows, "ko" if is_korean(said) else "en", window=from_plan(plan), dialect=dialect
        )
    except Exception:  # a sentence must never cost the analyst the answer
        return fallback
    if sentence is None or audit(sentence, rows):
        return fallback
    return sentence.text
