"""The offline engine's intermediate form: what a question asks, before any SQL.

A :class:`Plan` says which measures over which dimensions and time buckets, under which filters
and window, in which order and how many — or, for listings and journeys, which rows. The parser
fills it from words; :mod:`.compiler` builds the SQL tree for the target dialect. A plan holds no
SQL text: conditions are :class:`Filter` values, moments are :class:`TimePoint` values and a subquery
is a plan inside the plan, so every value is quoted by construction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from nlq_platform.text_to_sql.offline.timewindow import Bucket, TimePoint, Window


@dataclass(frozen=True)
class Filter:
    """``column op value``; ops: ``=``, ``!=``, ``in``, ``like_any``, ``>``, ``>=``, ``<``, ``<=``,
    ``not_null``, ``null``, and ``= subquery`` / ``in subquery`` whose value is a :class:`Plan`.
    A :class:`TimePoint` value compares with a moment ("created_at > 1 hour ago")."""

    column: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Measure:
    """An aggregate: ``count``, ``count_distinct``, ``avg``, ``max``, ``min``, ``sum``,
    ``percentile`` (with ``fraction``), ``error_rate``, ``rate`` (the percentage of rows meeting
    ``where``), ``share`` (of distinct values), ``first_seen`` or ``last_seen``."""

    kind: str
    alias: str
    column: str | None = None
    fraction: float | None = None
    #: the measure counts only the rows meeting all of these (``FILTER (WHERE …)``); for
    #: ``error_rate`` the rows that count as errors
    where: tuple[Filter, ...] = ()


@dataclass
class Plan:
    table: str = "logs"
    measures: list[Measure] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    bucket: Bucket | None = None
    filters: list[Filter] = field(default_factory=list)
    window: Window | None = None
    #: (output alias or column, descending?)
    order: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None
    #: keep groups whose measure compares so: (measure, op, value) — "5번 이상 겪은 사용자"
    having: tuple[Measure, str, float] | None = None
    #: set conditions on each group: (conditions, present?) — the group has a row meeting all the
    #: conditions (``BOOL_OR``), or never has one (``NOT BOOL_OR``): "traces with a frontend
    #: NetworkError and a backend TimeoutError", "sessions that reached /cart but never /checkout"
    requires: list[tuple[tuple[Filter, ...], bool]] = field(default_factory=list)
    #: for listings: the columns to show, newest or oldest first per ``order``
    columns: list[str] = field(default_factory=list)
    #: what the parser understood, in words (shown to the analyst, used for the answer)
    notes: list[str] = field(default_factory=list)
    #: words read as a close known word ('"sesions" read as "sessions"'), named in the reading
    corrections: list[str] = field(default_factory=list)
    #: a plan inside the plan: this plan's measures are over the groups ``source`` returns ("how
    #: many sessions logged more than 40 lines" counts the sessions a per-session HAVING keeps)
    source: Plan | None = None
    #: the JSONB keys whose values are numbers (the catalog's numeric keys): a breakdown by one
    #: groups numbers, so 200 sorts before 404 and compares as a number
    numeric_keys: list[str] = field(default_factory=list)

    @property
    def is_listing(self) -> bool:
        return not self.measures

    def has_filter(self, column: str) -> bool:
        return any(f.column == column for f in self.filters)

    def add_filter(self, column: str, op: str, value: Any = None) -> None:
        candidate = Filter(column, op, value)
        if candidate not in self.filters:
            self.filters.append(candidate)


def conditions(plan: Plan) -> Iterator[Filter]:
    """Every condition of the plan: its filters, its measures' and threshold's, its inner plans'."""
    yield from plan.filters
    for measure in plan.measures:
        yield from measure.where
    if plan.having is not None:
        yield from plan.having[0].where
    for required, _ in plan.requires:
        yield from required
    for condition in plan.filters:
        if isinstance(condition.value, Plan):
            yield from conditions(condition.value)
    if plan.source is not None:
        yield from conditions(plan.source)


def group_noun(column: str) -> str:
    """A group key's short name: ``session`` for session_id, ``function`` for function_name,
    ``browser`` for metadata.browser — for the names of counts and inner plans."""
    return column.split(".", 1)[-1].removesuffix("_id").removesuffix("_name")


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as plain JSON values (tuples as lists), as a conversation file keeps it."""
    return json.loads(json.dumps(asdict(plan)))


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The inverse of :func:`plan_to_dict`: a conversation keeps plans as JSON."""

    def measure(raw: Any) -> Measure:
        return Measure(**{**raw, "where": tuple(condition(f) for f in raw.get("where") or ())})

    having = data.get("having")
    return Plan(
        table=data.get("table", "logs"),
        measures=[measure(m) for m in data.get("measures", [])],
        dimensions=list(data.get("dimensions", [])),
        bucket=Bucket(**data["bucket"]) if data.get("bucket") else None,
        filters=[condition(f) for f in data.get("filters", [])],
        window=_window(data["window"]) if data.get("window") else None,
        order=[(key, bool(desc)) for key, desc in data.get("order", [])],
        limit=data.get("limit"),
        having=(measure(having[0]), having[1], having[2]) if having else None,
        requires=[
            (tuple(condition(f) for f in conditions), bool(present))
            for conditions, present in data.get("requires", [])
        ],
        columns=list(data.get("columns", [])),
        notes=list(data.get("notes", [])),
        corrections=list(data.get("corrections", [])),
        source=plan_from_dict(data["source"]) if data.get("source") else None,
        numeric_keys=list(data.get("numeric_keys", [])),
    )


def condition(raw: dict[str, Any]) -> Filter:
    """A filter from JSON: a subquery's value is a plan, a dict otherwise is a moment."""
    value = raw.get("value")
    if raw["op"].endswith("subquery"):
        value = plan_from_dict(value)
    elif isinstance(value, dict):
        value = TimePoint(**value)
    return Filter(raw["column"], raw["op"], value)


def _window(raw: dict[str, Any]) -> Window:
    end = raw.get("end")
    return Window(**{**raw, "start": TimePoint(**raw["start"]), "end": TimePoint(**end) if end else None})
