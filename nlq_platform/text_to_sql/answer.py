"""A short answer in words, in the question's language, from a query result."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
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


# --- a sentence written by the model (NLQ_ANTHROPIC_SEND_ROWS) ------------------------------------

_DIGITS = re.compile(r"\d+(?:\.\d+)?")
#: longer than this is no answer sentence
MAX_WRITTEN_CHARS = 1000


def _numbers_of(value: Any) -> list[float]:
    """The numbers a cell shows: the value itself, or every number written in its text (a label
    "svc-01", a time's year, month, day, hour, minute and second)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float | Decimal):
        return [float(value)]
    if isinstance(value, datetime):
        return [
            float(v) for v in (value.year, value.month, value.day, value.hour, value.minute, value.second)
        ]
    if isinstance(value, date):
        return [float(v) for v in (value.year, value.month, value.day)]
    text = (
        json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else str(value)
    )
    return [float(m) for m in _DIGITS.findall(text)]


def _rounds_to(shown: Decimal, value: float) -> bool:
    """``shown`` ("1.2", "67", "1,234") is ``value`` rounded to the decimals it shows."""
    exponent = shown.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return abs(abs(value) - float(shown)) <= 0.5 * 10**-decimals + 1e-9


def unsupported_numbers(
    text: str, rows: Sequence[Sequence[Any]], said: Iterable[str] = (), counts: Iterable[int] = ()
) -> list[Decimal]:
    """The numbers in ``text`` that are not shown (rounding aside) by any cell of ``rows``, by
    ``said`` (the question, the SQL) or in ``counts`` (how many rows): a sentence with any of
    them says something the rows do not."""
    from nlq_platform.text_to_sql.sentence import extract_numbers

    known = [float(c) for c in counts]
    labels: list[str] = []
    for row in rows:
        for value in row:
            known += _numbers_of(value)
            if isinstance(value, str):
                labels.append(value)
    for words in said:
        known += [float(m) for m in _DIGITS.findall(words or "")]
    return [n for n in extract_numbers(text, ignore=labels) if not any(_rounds_to(n, v) for v in known)]


def checked_written_answer(
    text: str, question: str, sql: str, rows_sent: Sequence[Sequence[Any]], total_rows: int
) -> tuple[str | None, str]:
    """The model's sentence, when it can be shown: in the question's language (Korean for a
    Korean question), not too long, and every number in it a number of the rows sent (or of the
    question or the SQL, or a row count). Else None, and why."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_WRITTEN_CHARS:
        return None, "no sentence" if not text else "too long"
    if is_korean(question) and not is_korean(text):
        return None, "not in the question's language"
    unknown = unsupported_numbers(text, rows_sent, (question, sql), (len(rows_sent), total_rows))
    if unknown:
        return None, "numbers not in the rows: " + ", ".join(str(n) for n in unknown)
    return text, ""
