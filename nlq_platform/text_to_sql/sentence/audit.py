"""Nothing in the sentence that the rows do not say: every number it shows is a value in the rows,
the number of rows, or computed from those (as its :class:`.ledger.Derived` says), and every
time it shows is a time in the rows."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from nlq_platform.text_to_sql.sentence.extract import extract_numbers
from nlq_platform.text_to_sql.sentence.ledger import Derived, Sentence
from nlq_platform.text_to_sql.sentence.rows import is_number


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _cells(rows: Sequence[Sequence[Any]]) -> tuple[list[float], list[Any]]:
    numbers: list[float] = []
    others: list[Any] = []
    for row in rows:
        for value in row:
            if is_number(value):
                numbers.append(float(value))
            else:
                others.append(value)
                if isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        numbers.append(float(value))
    return numbers, others


def _recompute(d: Derived) -> float | None:
    a = d.inputs
    try:
        match d.kind:
            case "sum":
                return float(sum(a))
            case "share":
                return a[0] / a[1] * 100
            case "difference":
                return abs(a[0] - a[1])
            case "change":
                return abs(a[0] - a[1]) / abs(a[1]) * 100
            case "seconds":
                return a[0] / 1000
    except (IndexError, ZeroDivisionError):
        return None
    return None


def _shown_matches(shown: Decimal, value: float) -> bool:
    """``shown`` ("1.2", "67.1", "1,234") is ``value`` rounded to the decimals it shows."""
    exponent = shown.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return abs(abs(value) - float(shown)) <= 0.5 * 10**-decimals + 1e-9


def audit(sentence: Sentence, rows: Sequence[Sequence[Any]]) -> list[str]:
    """The problems found, in words (empty when the sentence says only what the rows say)."""
    problems: list[str] = []
    numbers, others = _cells(rows)
    known = [*numbers, float(len(rows))]
    for d in sentence.numbers:
        if d.kind == "window":
            continue  # the window is the question's (SQL or plan), not the rows'
        if d.kind == "row":
            ok = any(_close(d.value, n) for n in numbers)
        elif d.kind == "rows":
            ok = _close(d.value, len(rows))
        else:
            inputs_known = all(any(_close(i, k) for k in known) for i in d.inputs)
            again = _recompute(d)
            ok = inputs_known and again is not None and _close(again, d.value)
        if ok:
            known.append(d.value)
        else:
            problems.append(f"{d.kind} {d.value!r} (inputs {d.inputs}) is not derivable from the rows")
    row_times = {v for v in others if isinstance(v, datetime | date)}
    for shown, value in sentence.times:
        if value not in row_times:
            problems.append(f"time {shown} is not in the rows")
        if shown not in sentence.text:
            problems.append(f"time {shown} is recorded but not in the sentence")
    labels = [s for s in sentence.labels if s in {str(v) for v in others} or _is_row_number(s, numbers)]
    for label in sentence.labels:
        if label not in labels:
            problems.append(f"label {label!r} is not a value in the rows")
    recorded = [d.value for d in sentence.numbers]
    ignore = [shown for shown, _ in sentence.times] + labels
    for shown in extract_numbers(sentence.text, ignore=ignore):
        if not any(_shown_matches(shown, v) for v in recorded):
            problems.append(f"{shown} in the sentence is not a number the builder derived")
    return problems


def _is_row_number(label: str, numbers: list[float]) -> bool:
    try:
        return any(_close(float(label), n) for n in numbers)
    except ValueError:
        return False
