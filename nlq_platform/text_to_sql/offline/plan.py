"""The offline engine's intermediate form: what a question asks, before any SQL.

A :class:`Plan` says which measures over which dimensions and time buckets, under which filters
and window, in which order and how many — or, for listings and journeys, which rows. The parser
fills it from words; :mod:`.compiler` turns it into SQL for the target dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nlq_platform.text_to_sql.offline.timewindow import Bucket, Window


@dataclass(frozen=True)
class Measure:
    """An aggregate: ``count``, ``count_distinct``, ``avg``, ``max``, ``min``, ``sum``,
    ``percentile`` (with ``fraction``), ``error_rate``, ``first_seen`` or ``last_seen``."""

    kind: str
    alias: str
    column: str | None = None
    fraction: float | None = None
    #: SQL condition: the measure counts only these rows (``FILTER (WHERE …)``); for
    #: ``error_rate`` the rows that count as errors
    where: str | None = None


@dataclass(frozen=True)
class Filter:
    """``column op value``; ops: ``=``, ``!=``, ``in``, ``like_any``, ``>``, ``>=``, ``<``, ``<=``,
    ``not_null``."""

    column: str
    op: str
    value: Any = None


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
    #: for listings: the columns to show, newest or oldest first per ``order``
    columns: list[str] = field(default_factory=list)
    #: what the parser understood, in words (shown to the analyst, used for the answer)
    notes: list[str] = field(default_factory=list)
    #: words read as a close known word ('"sesions" read as "sessions"'), named in the reading
    corrections: list[str] = field(default_factory=list)

    @property
    def is_listing(self) -> bool:
        return not self.measures

    def has_filter(self, column: str) -> bool:
        return any(f.column == column for f in self.filters)

    def add_filter(self, column: str, op: str, value: Any = None) -> None:
        candidate = Filter(column, op, value)
        if candidate not in self.filters:
            self.filters.append(candidate)


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The inverse of ``dataclasses.asdict(plan)``: a conversation keeps plans as JSON."""

    def measure(raw: Any) -> Measure:
        return Measure(**raw)

    having = data.get("having")
    return Plan(
        table=data.get("table", "logs"),
        measures=[measure(m) for m in data.get("measures", [])],
        dimensions=list(data.get("dimensions", [])),
        bucket=Bucket(**data["bucket"]) if data.get("bucket") else None,
        filters=[Filter(**f) for f in data.get("filters", [])],
        window=Window(**data["window"]) if data.get("window") else None,
        order=[(key, bool(desc)) for key, desc in data.get("order", [])],
        limit=data.get("limit"),
        having=(measure(having[0]), having[1], having[2]) if having else None,
        columns=list(data.get("columns", [])),
        notes=list(data.get("notes", [])),
        corrections=list(data.get("corrections", [])),
    )
