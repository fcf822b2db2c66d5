"""A measure per time bucket: its total (for counts), the peak bucket and the trend.

"지난 1시간 동안 에러는 총 128건이며, 10:05 구간이 23건으로 가장 많았고, 전체적으로 증가 추세입니다."
/ "128 errors in the last 1 hour, peaking at 10:05 with 23; the trend is rising."
"""

from __future__ import annotations

from typing import Any

from nlq_platform.text_to_sql.sentence.facts import Facts, Unsupported, capitalized, topic
from nlq_platform.text_to_sql.sentence.josa import josa
from nlq_platform.text_to_sql.sentence.ranking import time_pattern
from nlq_platform.text_to_sql.sentence.rows import is_number
from nlq_platform.text_to_sql.sentence.shape import Shape
from nlq_platform.text_to_sql.sentence.trend import direction

_PEAKED_KO = {"count": "가장 많았고", "duration": "가장 길었고"}
_TREND_KO = {
    "rising": "전체적으로 증가 추세입니다",
    "falling": "전체적으로 감소 추세입니다",
    "flat": "전체적으로 큰 변화 없이 고른 편입니다",
}
_TREND_EN = {"rising": "the trend is rising", "falling": "the trend is falling", "flat": "the trend is flat"}


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if not isinstance(value, str) else (1, value)


def series(f: Facts, shape: Shape) -> str:
    primary = shape.primary
    bucket = next((c for c in f.columns if c.role == "bucket"), None)
    if primary is None or bucket is None:
        raise Unsupported("no bucket or measure")
    rows = [r for r in f.rows if r[bucket.index] is not None and is_number(r[primary.index])]
    if not rows:
        raise Unsupported("no points")
    try:
        rows.sort(key=lambda r: _sort_key(r[bucket.index]))
    except TypeError as exc:
        raise Unsupported("buckets of mixed types") from exc
    values = [float(r[primary.index]) for r in rows]
    peak_row = rows[values.index(max(values))]
    term = f.term(primary)
    trend = direction(values)

    total_words = ""
    if primary.additive:
        _, total_shown = f.ledger.total(values, "count")
        total_words = f.with_unit(primary, total_shown, sum(values), term)
    pattern = time_pattern(f, [bucket])
    peak_label = f.label(peak_row, [bucket], pattern)
    peak = f.number(primary, peak_row[primary.index])
    peak_words = f.counted(primary, peak, term)

    extra = ""  # a time series of averages: how many requests they were over
    if not primary.additive:
        count = next((c for c in f.columns if c.additive and c.unit == "count" and c is not primary), None)
        if count is not None:
            counts = [float(r[count.index]) for r in rows if is_number(r[count.index])]
            if len(counts) == len(rows):
                count_term = f.term(count)
                _, count_total = f.ledger.total(counts, "count")
                extra = (
                    f"({count_term.ko} 총 {count_total}{count_term.counter})"
                    if f.ko
                    else f" ({count_total} {count_term.english(sum(counts))} in total)"
                )

    if f.ko:
        head = f"{f.prefix()}{topic(f, term)}"
        if total_words:
            head += f"총 {total_words}이며, "
        if len(rows) == 1:
            return f"{head}{peak_label} 구간 하나에 {peak_words}입니다{extra}."
        peaked = _PEAKED_KO.get(primary.unit, "가장 높았고")
        body = f"{peak_label} 구간이 {peak_words}{josa(peak_words, '으로/로')} {peaked}"
        return f"{head}{body}, {_TREND_KO[trend or 'flat']}{extra}."
    suffix = f.suffix()
    if len(rows) == 1:
        lead = total_words or f"{term.english()} {peak}"
        return capitalized(f"{lead}{suffix}, all in the {peak_label} bucket{extra}.")
    if total_words:
        text = f"{total_words}{suffix}, peaking at {peak_label} with {peak}; {_TREND_EN[trend or 'flat']}"
    else:
        text = f"{term.english()}{suffix} peaked at {peak_label} at {peak}; {_TREND_EN[trend or 'flat']}"
    return capitalized(f"{text}{extra}.")
