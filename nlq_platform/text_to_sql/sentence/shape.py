"""The shape of a result, read from its SQL (and how many rows came back):

* ``headline``: aggregates with no GROUP BY — one row of numbers;
* ``comparison``: two sides to set against each other — two pivoted aggregates
  (``COUNT(*) FILTER (WHERE …)``, ``SUM(CASE WHEN … THEN 1 ELSE 0 END)``), or two groups that are
  not ranked by their measure (GROUP BY environment with 2 rows);
* ``ranking``: GROUP BY with the groups ordered by a measure (``ORDER BY count DESC LIMIT 5``),
  or a breakdown by a dimension, ranked here by its main measure;
* ``series``: GROUP BY a time bucket (date_trunc, date_bin, to_char of a timestamp);
* ``listing``: raw rows, no aggregates;
* ``values``: different values, one row each (GROUP BY with no aggregate, or SELECT DISTINCT),
  with no time column;
* ``unknown``: anything else (the caller keeps its generic summary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.query import Query

ShapeName = Literal["headline", "comparison", "ranking", "series", "listing", "values", "unknown"]


@dataclass(frozen=True)
class Shape:
    name: ShapeName
    #: the measure the sentence is about (ranking, series, grouped comparison)
    primary: Column | None = None
    #: ranking: the rows are in the order of the primary measure (desc: True for most-first)
    ordered: bool = False
    desc: bool = True
    #: comparison of two pivoted aggregates: (current/first side, baseline/second side)
    pivots: tuple[Column, Column] | None = None


def _order_measure(query: Query, columns: Sequence[Column]) -> tuple[Column, bool] | None:
    if not query.order:
        return None
    first = query.order[0]
    if first.index is None:
        return None
    column = columns[first.index]
    return (column, first.desc) if column.is_numeric_measure else None


def _pivots(measures: Sequence[Column]) -> tuple[Column, Column] | None:
    pivoted = [m for m in measures if m.condition is not None]
    if len(pivoted) != 2:
        return None
    a, b = pivoted
    if a.agg != b.agg or a.unit != b.unit or a.argument != b.argument:
        return None
    return a, b


def _main_measure(measures: Sequence[Column]) -> Column | None:
    numeric = [m for m in measures if m.is_numeric_measure]
    return next((m for m in numeric if m.unit == "count"), numeric[0] if numeric else None)


def _series_measure(measures: Sequence[Column]) -> Column | None:
    """A time series of counts and an average is about the average (the latency per hour)."""
    numeric = [m for m in measures if m.is_numeric_measure]
    return next((m for m in numeric if m.unit != "count"), numeric[0] if numeric else None)


def _values(columns: Sequence[Column]) -> bool:
    """Group keys or plain values only, none a timestamp (a listing of rows has its time span);
    the caller has checked there is no aggregate."""
    return bool(columns) and all(c.role in ("dimension", "value") and c.unit != "timestamp" for c in columns)


def detect(query: Query | None, columns: Sequence[Column], row_count: int) -> Shape:
    if query is None:
        return Shape("unknown")
    measures = [c for c in columns if c.role == "measure"]
    aggregated = bool(measures) or any(c.agg for c in columns)
    if not aggregated and (query.grouped or query.distinct) and _values(columns):
        return Shape("values")
    if not query.grouped:
        if not aggregated:
            return Shape("unknown") if query.table is None and query.has_star else Shape("listing")
        if any(c.role in ("dimension", "bucket", "value") and c.agg is None for c in columns):
            return Shape("unknown")  # window functions beside plain columns
        pivots = _pivots(measures)
        return Shape("comparison", pivots=pivots) if pivots else Shape("headline")
    buckets = [c for c in columns if c.role == "bucket"]
    dimensions = [c for c in columns if c.role == "dimension"]
    if not measures:
        return Shape("listing") if not buckets else Shape("unknown")
    ordered = _order_measure(query, columns)
    pivots = _pivots(measures)
    if buckets:
        if dimensions or len(buckets) > 1 or pivots:
            return Shape("unknown")
        if ordered is not None:  # "the busiest hours": buckets ranked by their count
            return Shape("ranking", primary=ordered[0], ordered=True, desc=ordered[1])
        primary = _series_measure(measures)
        return Shape("series", primary=primary) if primary else Shape("unknown")
    if pivots is not None:
        return Shape("comparison", pivots=pivots)
    if ordered is not None:
        return Shape("ranking", primary=ordered[0], ordered=True, desc=ordered[1])
    primary = _main_measure(measures)
    if primary is None:
        return Shape("unknown")
    if row_count == 2:
        return Shape("comparison", primary=primary)
    return Shape("ranking", primary=primary)
