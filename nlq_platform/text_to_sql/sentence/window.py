"""The time window a result covers, in words: "지난 1시간 동안" / "in the last 1 hour".

It comes from what the service has — the offline plan's window (:func:`from_plan`), an interval
spelling ("1 hour", "7 days") or a number of minutes — or, when only the SQL is there, from its
``created_at > NOW() - INTERVAL 'N hours'`` condition (:func:`from_sql`, with sqlglot). The same
words name the two sides of a ``FILTER (WHERE created_at > NOW() - INTERVAL '1 hour')`` pivot
("지난 1시간" against "그 전 1시간").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlglot import exp

_MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080}
_KO_UNITS = {"minute": "분", "hour": "시간", "day": "일", "week": "주"}
_UNIT_WORDS = {
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute", "분": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "시간": "hour",
    "d": "day", "day": "day", "days": "day", "일": "day",
    "w": "week", "week": "week", "weeks": "week", "주": "week",
}  # fmt: skip
_SPAN_RE = r"(\d+)\s*(minutes?|mins?|hours?|hrs?|days?|weeks?|분|시간|일|주|[mhdw])(?![a-z])"
_SPAN = re.compile(_SPAN_RE, re.IGNORECASE)
# "지난 1시간", "최근 30분 동안", "last 2 hours", "in the past 7 days": the last so long
_RELATIVE = re.compile(
    rf"(?:(?:in\s+the\s+)?(?:지난|최근|last|past|trailing|within)\s*)?{_SPAN_RE}\s*(?:동안|이내|간)?",
    re.IGNORECASE,
)

Kind = Literal["last", "before", "earlier", "between", "today", "yesterday", "text"]
_CALENDAR: dict[str, Kind] = {
    "오늘": "today",
    "today": "today",
    "어제": "yesterday",
    "yesterday": "yesterday",
}


def tidy(minutes: int) -> tuple[int, str]:
    """The spelling of a length an analyst would use: 90 minutes, 24 hours, 7 days."""
    if minutes % 1440 == 0 and minutes >= 2880:
        return minutes // 1440, "day"
    if minutes % 60 == 0:
        return minutes // 60, "hour"
    return minutes, "minute"


def _length(minutes: int, lang: str) -> str:
    amount, unit = tidy(minutes)
    if lang == "ko":
        return f"{amount}{_KO_UNITS[unit]}"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


@dataclass(frozen=True)
class Window:
    """``last``: the last ``minutes``; ``before``: the ``minutes`` before the last
    ``until_minutes``; ``earlier``: everything before the last ``minutes``; ``between``: from
    ``minutes`` ago to ``until_minutes`` ago; ``today``/``yesterday``: calendar days; ``text``:
    words given as they are."""

    kind: Kind
    minutes: int = 0
    until_minutes: int = 0
    text: str = ""

    def numbers(self) -> list[int]:
        """The numbers its words show (the "1" of "지난 1시간")."""
        match self.kind:
            case "last" | "before" | "earlier":
                return [tidy(self.minutes)[0]]
            case "between":
                return [tidy(self.minutes)[0], tidy(self.until_minutes)[0]]
            case "text":
                return [int(n) for n in re.findall(r"(?<![\w.])\d+(?![\w])", self.text)]
        return []

    def label(self, lang: str) -> str:
        """The window as a name: "지난 1시간", "the last 1 hour", "그 전 24시간"."""
        ko = lang == "ko"
        match self.kind:
            case "last":
                length = _length(self.minutes, lang)
                return f"지난 {length}" if ko else f"the last {length}"
            case "before":
                length = _length(self.minutes, lang)
                return f"그 전 {length}" if ko else f"the {length} before"
            case "earlier":
                length = _length(self.minutes, lang)
                return f"{length} 전 이전" if ko else f"before the last {length}"
            case "between":
                a, b = _length(self.minutes, lang), _length(self.until_minutes, lang)
                return f"{a} 전부터 {b} 전까지" if ko else f"between {a} and {b} ago"
            case "today":
                return "오늘" if ko else "today"
            case "yesterday":
                return "어제" if ko else "yesterday"
        return self.text

    def phrase(self, lang: str) -> str:
        """The window as an adverbial: "지난 1시간 동안" / "in the last 1 hour"."""
        if self.kind in ("last", "before"):
            return f"{self.label(lang)} 동안" if lang == "ko" else f"in {self.label(lang)}"
        return self.label(lang)


def from_minutes(minutes: int) -> Window:
    return Window("last", int(minutes))


def from_text(text: str) -> Window:
    """``"1 hour"``, ``"24 HOURS"``, ``"지난 30분"``, ``"last 7 days"``, ``"NOW() - INTERVAL '7 days'"``:
    the last so long; other words ("오늘", "this week") are kept as they are."""
    stripped = text.strip()
    if (calendar := _CALENDAR.get(stripped.lower())) is not None:
        return Window(calendar)
    match = _RELATIVE.fullmatch(stripped)
    if match is None and "interval" in stripped.lower():
        match = _SPAN.search(stripped)
    if match is None:
        return Window("text", text=text.strip())
    unit = _UNIT_WORDS[match.group(2).lower()]
    return Window("last", int(match.group(1)) * _MINUTES[unit])


def coerce(window: Window | str | int | None) -> Window | None:
    if window is None or isinstance(window, Window):
        return window
    if isinstance(window, bool):
        raise TypeError("a window is words, a number of minutes or a Window")
    if isinstance(window, int):
        return from_minutes(window) if window > 0 else None
    return from_text(window) if window.strip() else None


def from_plan(plan: Any) -> Window | None:
    """The window of an offline :class:`~nlq_platform.text_to_sql.offline.plan.Plan` (or of its
    ``asdict`` form, as the service keeps it in ``Answer.details["plan"]``)."""
    if plan is None:
        return None
    window = plan.get("window") if isinstance(plan, Mapping) else getattr(plan, "window", None)
    if window is None:
        return None

    def field_(name: str) -> Any:
        return window.get(name) if isinstance(window, Mapping) else getattr(window, name, None)

    if minutes := field_("minutes"):
        return from_minutes(int(minutes))
    start, end = str(field_("start") or "").upper(), field_("end")
    if "DATE_TRUNC('DAY', NOW())" in start:
        if end is None and "INTERVAL" not in start:
            return Window("today")
        if end is not None and "INTERVAL '1 DAY'" in start:
            return Window("yesterday")
    return None


# ---------------------------------------------------------------------------------------------
# From the SQL


def _is_now(node: exp.Expression | None) -> bool:
    if isinstance(node, exp.CurrentTimestamp | exp.CurrentDatetime):
        return True
    return isinstance(node, exp.Anonymous) and str(node.this).lower() in ("now", "current_timestamp")


def _interval_minutes(node: exp.Expression | None) -> int | None:
    """``INTERVAL '1 hour'``, ``'2 hours'::interval``: its length in minutes."""
    if isinstance(node, exp.Interval):
        unit = node.args.get("unit")
        text = f"{node.this.name if node.this else ''} {unit.name if unit else ''}".strip()
    elif isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.INTERVAL):
        text = node.this.name
    else:
        return None
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * _MINUTES[_UNIT_WORDS[match.group(2).lower()]]


def _ago(node: exp.Expression | None) -> int | None:
    """``NOW() - INTERVAL '1 hour'`` (or BigQuery's ``TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1
    HOUR)``): how many minutes ago, or None for anything else."""
    if isinstance(node, exp.Paren):
        return _ago(node.this)
    if isinstance(node, exp.Sub) and _is_now(node.this):
        return _interval_minutes(node.expression)
    if isinstance(node, exp.TimestampSub | exp.DateSub | exp.DatetimeSub) and _is_now(node.this):
        unit = node.args.get("unit")
        return _interval_minutes(exp.Interval(this=node.expression, unit=unit))
    return None


def _day_start(node: exp.Expression | None) -> int | None:
    """``DATE_TRUNC('day', NOW())`` → 0, ``… - INTERVAL '1 day'`` → 1 (days back), else None."""
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc) and _is_now(node.this):
        unit = node.args.get("unit")
        return 0 if unit is not None and unit.name.lower() == "day" else None
    if isinstance(node, exp.Sub) and _day_start(node.this) == 0:
        minutes = _interval_minutes(node.expression)
        return minutes // 1440 if minutes and minutes % 1440 == 0 else None
    return None


@dataclass
class _Bounds:
    lower: int | None = None  # minutes ago
    upper: int | None = None
    day_lower: int | None = None  # days back from today's midnight
    day_upper: int | None = None


def conjuncts(node: exp.Expression) -> Iterator[exp.Expression]:
    if isinstance(node, exp.And):
        yield from conjuncts(node.this)
        yield from conjuncts(node.expression)
    elif isinstance(node, exp.Paren):
        yield from conjuncts(node.this)
    else:
        yield node


def bounds(condition: exp.Expression) -> _Bounds:
    """The time bounds a condition (a WHERE or a FILTER clause) puts on its rows."""
    found = _Bounds()
    for c in conjuncts(condition):
        pairs: list[tuple[str, exp.Expression]] = []
        if isinstance(c, exp.GT | exp.GTE):
            pairs = [("lower", c.expression), ("upper", c.this)]
        elif isinstance(c, exp.LT | exp.LTE):
            pairs = [("upper", c.expression), ("lower", c.this)]
        elif isinstance(c, exp.Between):
            pairs = [("lower", c.args["low"]), ("upper", c.args["high"])]
        for side, node in pairs:
            if (ago := _ago(node)) is not None:
                setattr(found, side, ago)
            elif (back := _day_start(node)) is not None:
                setattr(found, f"day_{side}", back)
    return found


def _from_bounds(b: _Bounds) -> Window | None:
    if b.lower is not None:
        if b.upper is None:
            return Window("last", b.lower)
        return Window("between", b.lower, b.upper) if b.upper < b.lower else None
    if b.day_lower == 0 and b.day_upper is None and b.upper is None:
        return Window("today")
    if b.day_lower == 1 and b.day_upper == 0:
        return Window("yesterday")
    return None


def from_sql(tree: exp.Expression) -> Window | None:
    """The window of the outermost query that has one (a subquery's, e.g. ``FROM (SELECT … WHERE
    created_at > NOW() - INTERVAL '1 hour')``, when the outer query has none)."""
    for where in tree.find_all(exp.Where, bfs=True):
        if not isinstance(where.parent, exp.Select):
            continue  # FILTER (WHERE …) of an aggregate: a pivot, see pivot_label
        window = _from_bounds(bounds(where.this))
        if window is not None:
            return window
    return None


def pivot_window(condition: exp.Expression, outer: Window | None) -> Window | None:
    """The window of one side of a ``FILTER (WHERE created_at > NOW() - INTERVAL '1 hour')`` pivot:
    "지난 1시간", or for ``created_at <= NOW() - INTERVAL '1 hour'`` inside a 2-hour window "그 전
    1시간"; None when the condition is not about time."""
    b = bounds(condition)
    if b.lower is not None and b.upper is None:
        return Window("last", b.lower)
    if b.upper is not None:
        lower = (
            b.lower if b.lower is not None else (outer.minutes if outer and outer.kind == "last" else None)
        )
        if lower is not None and lower > b.upper:
            return Window("before", lower - b.upper, b.upper)
        return Window("earlier", b.upper)
    return None
