"""Numbers and times as the sentence shows them: thousands separators, durations in ms or s,
percentages with one decimal, timestamps at the precision that tells them apart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime


def grouped(value: float) -> str:
    """1234 → "1,234"; a fraction keeps one decimal (12.5), and drops it when it rounds to .0."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{round(value):,}"
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def duration_ms(value: float) -> str:
    """A duration in milliseconds: "850 ms" below one second, "1.2 s" from one second on."""
    if round(value) >= 1000:
        return f"{value / 1000:,.1f} s"
    if abs(value) < 10 and not float(value).is_integer():
        return f"{value:.1f} ms"
    return f"{round(value):,} ms"


def shows_seconds(value: float) -> bool:
    """Whether :func:`duration_ms` shows ``value`` in seconds (a number derived from the row value)."""
    return round(value) >= 1000


def percent(value: float) -> str:
    return f"{value:,.1f}%"


def time_format(values: Iterable[datetime | date]) -> str:
    """The strftime format that shows these times (bucket starts, first/last seen) tidily: dates
    alone when every one is midnight, the clock alone when all fall on one day."""
    items = [v for v in values if isinstance(v, datetime | date)]
    if not items:
        return "%Y-%m-%d %H:%M:%S"
    if all(not isinstance(v, datetime) or (v.hour, v.minute, v.second) == (0, 0, 0) for v in items):
        return "%Y-%m-%d"
    seconds = any(isinstance(v, datetime) and v.second for v in items)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    days = {v.date() if isinstance(v, datetime) else v for v in items}
    return clock if len(days) == 1 else f"%Y-%m-%d {clock}"


def timestamp(value: datetime | date, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.strftime(fmt)
