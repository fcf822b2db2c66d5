"""Raw rows: how many, and the time span they cover (min..max of their timestamp column).

"지난 1시간 동안 로그 20건이 조회되었고, 시각은 2024-05-01 10:02:11부터 10:58:40까지입니다." /
"20 logs in the last 1 hour, from 2024-05-01 10:02:11 to 10:58:40."
"""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.facts import Facts, capitalized
from nlq_platform.text_to_sql.sentence.josa import attach
from nlq_platform.text_to_sql.sentence.rows import is_number, is_time
from nlq_platform.text_to_sql.sentence.vocab import measure_term

_PREFERRED_TIME = ("created_at", "timestamp", "ts", "time")


def _time_column(f: Facts) -> Column | None:
    times = [c for c in f.columns if c.role == "time" or c.unit == "timestamp"]
    return next((c for c in times if c.name.lower() in _PREFERRED_TIME), times[0] if times else None)


def _span(f: Facts, column: Column) -> str:
    values = [r[column.index] for r in f.rows if is_time(r[column.index])]
    if not values:
        return ""
    try:
        first, last = min(values), max(values)
    except TypeError:  # dates beside datetimes, naive beside aware
        return ""
    full = "%Y-%m-%d %H:%M:%S"
    start = f.time(first, full)
    if first == last:
        return f"시각은 {start}입니다" if f.ko else f"at {start}"
    same_day = getattr(first, "date", lambda: first)() == getattr(last, "date", lambda: last)()
    end = f.time(last, "%H:%M:%S" if same_day else full)
    return f"시각은 {start}부터 {end}까지입니다" if f.ko else f"from {start} to {end}"


def _top(f: Facts) -> str:
    """Ordered by a number (the slowest requests first): the first row's value."""
    if not f.query.order or f.query.order[0].index is None:
        return ""
    key = f.query.order[0]
    column = f.columns[key.index]
    value = f.rows[0][column.index]
    if not is_number(value) or column.role == "time":
        return ""
    term = measure_term(column.name, counted=False)
    if term is None:
        return ""
    shown = f.ledger.row(float(value), "duration" if column.unit == "duration" else "number")
    if f.ko:
        most = (
            ("가장 긴" if key.desc else "가장 짧은")
            if column.unit == "duration"
            else ("가장 큰" if key.desc else "가장 작은")
        )
        return f" {most} {attach(term.ko, '은/는')} {shown}입니다."
    most = (
        ("longest" if key.desc else "shortest")
        if column.unit == "duration"
        else ("largest" if key.desc else "smallest")
    )
    return f" The {most} {term.english()} is {shown}."


def listing(f: Facts) -> str:
    count = f.ledger.rows(len(f.rows))
    noun = f.subject
    time_column = _time_column(f)
    span = _span(f, time_column) if time_column is not None else ""
    limited = f.query.limit is not None and f.query.limit == len(f.rows)
    if f.ko:
        text = f"{f.prefix()}{noun.ko} {attach(count + noun.counter, '이/가')} 조회되었"
        text += f"고, {span}." if span else "습니다."
        text += _top(f)
        if limited:
            text += " 표시 한도까지만 가져왔으므로 더 있을 수 있습니다."
        return text
    text = f"{count} {noun.english(len(f.rows))}{f.suffix()}"
    text += f", {span}." if span else "."
    text += _top(f)
    if limited:
        text += " The row limit was reached; there may be more."
    return capitalized(text)
