"""The numbers a question names, and the numbers a plan uses.

A number is the most concrete thing a question says: a threshold ("at least three different
days", "두 종류 이상"), a limit ("top 5"), a status code ("HTTP 404"), a duration ("over 1.5 s").
Recognised and then lost, it leaves a plan that answers a wider question with full confidence —
so :mod:`.accounting` refuses when a named number is nowhere in the plan. Lengths of time ("last 24
hours", "5분 단위") are the windows' and buckets' (``every_window_is_used``), numbers inside a
catalog value ("/api/v1", "v2.3.1") are the value's, and ordinals ("2위", "2nd") are references.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.plan import Plan, conditions
from nlq_platform.text_to_sql.offline.timewindow import Bucket, TimePoint, Window, blank_lengths

#: digits standing alone: not inside a word, a version, a date or a clock time ("p95", "v1",
#: "4xx", "2026-12-01", "14:30"), not an ordinal ("2위", "2nd", "두 번째" is words); a unit of
#: seconds or milliseconds after it scales it to the plan's milliseconds
_DIGITS = re.compile(
    r"(?<![a-z0-9_./:#])(?<!\d-)(?P<n>\d+(?:\.\d+)?)(?![\d.]*[-:/.]\d)(?!\s*x)"
    r"(?P<unit>\s*(?:ms|밀리초|milliseconds?|초|s|secs?|seconds?)(?![a-z]))?"
    r"(?!\s*(?:위|등|번째|st|nd|rd|th)(?![a-z]))(?![a-z0-9_])"
    r"(?!\s*(?:decimals?|decimal places|places|dp|자리))",  # "rounded to 2 decimals": presentation
    re.IGNORECASE,
)
_WORD = "|".join(sorted((w for w in lx.NUMBER_WORDS if w.isascii()), key=len, reverse=True))
_KOREAN = "|".join(w for w in lx.NUMBER_WORDS if not w.isascii())
#: number words count where they compare: "more than one kind", "at least three days", "두 종류
#: 이상", "세 번 넘게" (elsewhere "one of", "두 서비스" are ordinary words)
_WORDS = re.compile(
    rf"(?<![a-z])(?:more than|at least|over|fewer than|less than|under|exactly|no fewer than|no more than)"
    rf"\s+(?P<w>{_WORD})(?![a-z])"
    rf"|(?<![가-힣])(?P<k>{_KOREAN})\s*(?:번|개|명|건|곳|가지|종류|군데|회|일|차례)?\s*(?:의\s*)?"
    r"(?:[가-힣a-z()]+\s*)?(?:이상|넘게|넘는|넘은|초과|미만|이하)",
    re.IGNORECASE,
)
#: "at least one", "한 번 이상", "하나 이상": there is such a row — kept as a condition
_EXISTENCE = re.compile(r"(?:at least|no fewer than)\s+one|한\s*(?:번|개|건|회|차례)?\s*이상", re.IGNORECASE)
_AT_LEAST_BEFORE = re.compile(r"(?:>=|≥|at least|no fewer than|최소)\s*$", re.IGNORECASE)
_ONE_OR_MORE = re.compile(r"1\s*(?:번|개|건|회|차례)?\s*이상|1\s*\+|1\s+or\s+more", re.IGNORECASE)
_SECONDS = re.compile(r"초|s|secs?|seconds?", re.IGNORECASE)


@dataclass(frozen=True)
class Named:
    """A number the question names: its value, the words that name it, where they start."""

    value: float
    text: str
    start: int
    #: the same number in milliseconds, when a unit of seconds follows it
    millis: float | None = None


def named_numbers(view: str, spans: tuple[tuple[int, int], ...] = ()) -> list[Named]:
    """The numbers ``view`` names outside its lengths of time and outside ``spans`` (the catalog
    values it mentions), in order."""
    text = blank_lengths(view)
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    found: list[Named] = []
    for match in _DIGITS.finditer(text):
        value = float(match.group("n"))
        unit = (match.group("unit") or "").strip()
        millis = value * 1000 if unit and _SECONDS.fullmatch(unit) else None
        if value == 1 and (
            _AT_LEAST_BEFORE.search(text, 0, match.start()) or _ONE_OR_MORE.match(text, match.start())
        ):
            continue  # ">= 1 error", "1건 이상": any at all
        found.append(Named(value, match.group(0).strip(), match.start(), millis))
    for match in _WORDS.finditer(text):
        word = (match.group("w") or match.group("k")).lower()
        if _EXISTENCE.fullmatch(match.group(0).strip()):
            continue  # "at least one error", "한 번 이상": any at all, a condition, not a number
        found.append(Named(float(lx.NUMBER_WORDS[word]), match.group(0).strip(), match.start()))
    return sorted(found, key=lambda named: named.start)


def plan_numbers(plan: Plan) -> set[float]:
    """Every number the plan uses: limit, thresholds, compared values, percentiles, lengths."""
    found: set[float] = set()
    for plan_ in _plans(plan):
        if plan_.limit is not None:
            found.add(float(plan_.limit))
        if plan_.having is not None:
            found.add(float(plan_.having[2]))
        for measure in [*plan_.measures, *([plan_.having[0]] if plan_.having else [])]:
            if measure.fraction is not None:
                found.update({round(measure.fraction * 100, 6), measure.fraction})
        found.update(_lengths(plan_.window, plan_.bucket))
    for condition in conditions(plan):
        found.update(_values(condition.value))
    return found


def is_used(named: Named, used: set[float]) -> bool:
    """Whether the plan uses the number as written, or in milliseconds when seconds were written."""
    return named.value in used or (named.millis is not None and named.millis in used)


def _plans(plan: Plan) -> Iterator[Plan]:
    yield plan
    if plan.source is not None:
        yield from _plans(plan.source)
    for condition in plan.filters:
        if isinstance(condition.value, Plan):
            yield from _plans(condition.value)


def _values(value: object) -> Iterator[float]:
    """The numbers in a compared value: a number, a numeric string, each of a list, a moment."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, str):
        yield from (float(n) for n in re.findall(r"\d+(?:\.\d+)?", value))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, TimePoint):
        yield from (float(value.amount), float(value.minutes))


def _lengths(window: Window | None, bucket: Bucket | None) -> Iterator[float]:
    if window is not None:
        yield from _values(window.start)
        if window.minutes is not None:
            yield float(window.minutes)
    if bucket is not None:
        yield from (float(bucket.minutes), float(bucket.length_minutes))
