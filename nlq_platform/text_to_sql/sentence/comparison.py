"""Two sides set against each other, with the change in absolute and relative terms.

Two pivoted aggregates over time: "지난 1시간 에러는 150건으로 그 전 1시간(120건)보다 30건(25.0%)
늘었습니다." / "150 errors in the last 1 hour, up 30 (25.0%) from 120 in the 1 hour before."
Two groups (or pivots that are not about time): "지난 24시간 동안 에러는 production 120건, staging 30건으로
production이 90건(300.0%) 더 많습니다."
"""

from __future__ import annotations

from typing import Any

from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.facts import Facts, Unsupported, capitalized, topic
from nlq_platform.text_to_sql.sentence.josa import attach, josa
from nlq_platform.text_to_sql.sentence.ranking import keys_of, time_pattern
from nlq_platform.text_to_sql.sentence.rows import is_number
from nlq_platform.text_to_sql.sentence.shape import Shape
from nlq_platform.text_to_sql.sentence.vocab import Term, dimension_term, humanize, measure_term
from nlq_platform.text_to_sql.sentence.window import Window, pivot_window

_MORE_KO = {"count": ("더 많습니다", "더 적습니다"), "duration": ("더 깁니다", "더 짧습니다")}


def _measure_term(f: Facts, column: Column) -> Term:
    """What the pivoted aggregate measures: the subject for counts (errors), else the aggregate
    of its argument (AVG(duration_ms) → average response time)."""
    if column.unit == "count":
        return f.subject
    term = measure_term(f"{column.agg or ''}_{column.argument or ''}".strip("_"), counted=False)
    return term or f.term(column)


def _change(f: Facts, column: Column, a: float, b: float, term: Term) -> str:
    """ "30건(25.0%)" / "30 (25.0%)": |a − b| and, unless a percentage or from zero, |a − b| / b."""
    diff = f.ledger.difference(a, b, _unit(column))
    words = f.counted(column, diff, term)
    if column.unit == "percent":
        return f"{words}p" if f.ko else f"{diff.removesuffix('%')} points"
    if b == 0:
        return words
    return f"{words}({f.ledger.change(a, b)})" if f.ko else f"{words} ({f.ledger.change(a, b)})"


def _unit(column: Column) -> Any:
    return column.unit if column.unit in ("count", "duration", "percent") else "number"


def _over_time(
    f: Facts, column: Column, term: Term, now: tuple[str, float], then: tuple[str, float], lead: str = ""
) -> str:
    """The current window against the one before."""
    (now_label, a), (then_label, b) = now, then
    a_shown = f.with_unit(column, f.number(column, a), a, term)
    b_shown = f.counted(column, f.number(column, b), term)
    if f.ko:
        head = f"{lead}{now_label} {topic(f, term)}{a_shown}{josa(a_shown, '으로/로')} "
        if a == b:
            return f"{head}{attach(then_label, '과/와')} 같습니다."
        verb = "늘었습니다" if a > b else "줄었습니다"
        return f"{head}{then_label}({b_shown})보다 {_change(f, column, a, b, term)} {verb}."
    noun = term.english()
    head = f"{a_shown} in {now_label}" if column.unit == "count" else f"{noun} was {a_shown} in {now_label}"
    head = f"{lead}{head}" if lead else capitalized(head)
    if a == b:
        return f"{head}, the same as in {then_label}."
    way = "up" if a > b else "down"
    return f"{head}, {way} {_change(f, column, a, b, term)} from {b_shown} in {then_label}."


def _between(
    f: Facts, column: Column, term: Term, first: tuple[str, float], second: tuple[str, float], lead: str = ""
) -> str:
    """Two named sides: which is bigger and by how much (relative to the smaller)."""
    (a_label, a), (b_label, b) = first, second
    a_shown = f.counted(column, f.number(column, a), term)
    b_shown = f.counted(column, f.number(column, b), term)
    big, small = (a_label, b_label) if a >= b else (b_label, a_label)
    hi, lo = max(a, b), min(a, b)
    if f.ko:
        head = f"{lead or f.prefix()}{topic(f, term)}{a_label} {a_shown}, {b_label} {attach(b_shown, '으로/로')} "
        if a == b:
            return f"{head}두 값이 같습니다."
        more = _MORE_KO.get(column.unit, ("더 높습니다", "더 낮습니다"))[0]
        return f"{head}{attach(big, '이/가')} {small}보다 {_change(f, column, hi, lo, term)} {more}."
    noun = term.english()
    intro = f"{lead}{noun}" if lead else capitalized(f"{noun}{f.suffix()}")
    head = f"{intro}: {a_label} {a_shown}, {b_label} {b_shown}"
    if a == b:
        return f"{head}; the same."
    if column.unit == "count":
        return f"{head}; {big} has {_change(f, column, hi, lo, term)} more."
    return f"{head}; {big} is {_change(f, column, hi, lo, term)} higher."


def _side(f: Facts, column: Column) -> tuple[str, Window | None]:
    window = pivot_window(column.condition, f.window) if column.condition is not None else None
    if window is not None:
        return f.window_label(window), window
    return humanize(column.name, f.lang), None


def _pivot_sentence(f: Facts, a_col: Column, b_col: Column, row: tuple[Any, ...], lead: str = "") -> str:
    if not (is_number(row[a_col.index]) and is_number(row[b_col.index])):
        raise Unsupported("a side has no value")
    term = _measure_term(f, a_col)
    (a_label, a_window), (b_label, b_window) = _side(f, a_col), _side(f, b_col)
    a, b = float(row[a_col.index]), float(row[b_col.index])
    if a_window is not None and b_window is not None:
        if a_window.kind != "last" and b_window.kind == "last":  # the current window first
            (a_label, a), (b_label, b) = (b_label, b), (a_label, a)
        return _over_time(f, a_col, term, (a_label, a), (b_label, b), lead)
    return _between(f, a_col, term, (a_label, a), (b_label, b), lead)


def comparison(f: Facts, shape: Shape) -> str:
    if shape.pivots is not None:
        a_col, b_col = shape.pivots
        keys = keys_of(f)
        if not keys:
            return _pivot_sentence(f, a_col, b_col, f.rows[0])
        return _grouped_pivots(f, a_col, b_col, keys)
    primary = shape.primary
    if primary is None or len(f.rows) != 2:
        raise Unsupported("not two sides")
    keys = keys_of(f)
    pattern = time_pattern(f, keys)
    first, second = f.rows
    if not (is_number(first[primary.index]) and is_number(second[primary.index])):
        raise Unsupported("a side has no value")
    term = f.term(primary)
    return _between(
        f,
        primary,
        term,
        (f.label(first, keys, pattern), float(first[primary.index])),
        (f.label(second, keys, pattern), float(second[primary.index])),
    )


def _grouped_pivots(f: Facts, a_col: Column, b_col: Column, keys: list[Column]) -> str:
    """Per group, two pivoted aggregates: the group whose value changed the most."""
    usable = [r for r in f.rows if is_number(r[a_col.index]) and is_number(r[b_col.index])]
    if not usable:
        raise Unsupported("no group has both sides")

    def relative(row: tuple[Any, ...]) -> float:
        a, b = float(row[a_col.index]), float(row[b_col.index])
        return abs(a - b) / abs(b) if b else float("inf") if a else 0.0

    row = max(usable, key=relative)
    pattern = time_pattern(f, keys)
    name = f.label(row, keys, pattern)
    if len(f.rows) == 1:
        return _pivot_sentence(f, a_col, b_col, row, lead=f"{name}: ")
    dimension = dimension_term(keys[0].name) if len(keys) == 1 else Term("그룹", "groups", "group", "개")
    count = f.ledger.rows(len(f.rows))
    if f.ko:
        lead = f"{dimension.ko} {count}{dimension.counter} 중 변화가 가장 큰 것은 {attach(name, '으로/로')}, "
    else:
        lead = f"Of {count} {dimension.english(len(f.rows))}, {name} changed the most: "
    return _pivot_sentence(f, a_col, b_col, row, lead=lead)
