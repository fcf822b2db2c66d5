"""What each output column is, from its SELECT expression (sqlglot) and its values: a measure (an
aggregate, with its kind and unit), a dimension (a group-by key), a time bucket, a timestamp
(first/last seen, created_at), or a plain value of a listing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlglot import exp

from nlq_platform.text_to_sql.sentence.query import Query
from nlq_platform.text_to_sql.sentence.rows import column_values, is_number, is_time

Role = Literal["measure", "dimension", "bucket", "time", "value"]
ColumnUnit = Literal["count", "duration", "percent", "number", "timestamp", "text"]

_BUCKETS = (exp.TimestampTrunc, exp.DateTrunc, exp.DatetimeTrunc, exp.TimeTrunc, exp.DateBin, exp.TimeToStr)
_BUCKET_FUNCTIONS = frozenset({"date_bin", "date_trunc", "time_bucket", "to_char", "timestamp_trunc"})
_PERCENTILES = (exp.PercentileCont, exp.PercentileDisc, exp.ApproxQuantile, exp.Quantile, exp.Median)
_PERCENT_NAME = re.compile(r"(?:^|_)(?:pct|percent|percentage)(?:_|$)")
_DURATION_NAME = re.compile(r"(?:_ms$|^ms$|latency|duration|elapsed|response_time)")
_TIME_NAME = re.compile(r"(?:_at$|^ts$|timestamp|^time$|first_|last_|_start$|_end$|^start$|^end$)")


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    role: Role
    unit: ColumnUnit = "number"
    #: count, count_distinct, sum, avg, min, max, percentile, ratio or other (measures only)
    agg: str | None = None
    #: the column the aggregate reads (user_id of COUNT(DISTINCT user_id))
    argument: str | None = None
    #: the condition of a pivot: COUNT(*) FILTER (WHERE …), SUM(CASE WHEN … THEN 1 ELSE 0 END)
    condition: exp.Expression | None = None

    @property
    def is_numeric_measure(self) -> bool:
        return self.role == "measure" and self.unit in ("count", "duration", "percent", "number")

    @property
    def additive(self) -> bool:
        """Its values add up to a meaningful total (counts, sums): shares and totals make sense."""
        return self.role == "measure" and self.agg in ("count", "sum") and self.unit in ("count", "number")


def _core(node: exp.Expression) -> exp.Expression:
    """The expression without its alias and the wrappers that do not change what it measures."""
    while True:
        if isinstance(node, exp.Alias | exp.Paren | exp.Cast | exp.TryCast | exp.Round | exp.Coalesce):
            node = node.this
        else:
            return node


def _is_bucket(node: exp.Expression) -> bool:
    if isinstance(node, _BUCKETS):
        return True
    if any(isinstance(n, _BUCKETS) for n in node.walk()):
        return True
    return any(isinstance(n, exp.Anonymous) and str(n.this).lower() in _BUCKET_FUNCTIONS for n in node.walk())


def _first_column(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Column):
        return node.name
    column = node.find(exp.Column)
    return column.name if column is not None else None


def _case_condition(node: exp.Expression | None) -> tuple[exp.Expression | None, bool]:
    """(condition, counts rows?) of ``CASE WHEN c THEN 1 [ELSE 0] END`` / ``CASE WHEN c THEN x END``."""
    if isinstance(node, exp.Distinct) and node.expressions:
        node = node.expressions[0]
    if not isinstance(node, exp.Case) or len(node.args.get("ifs") or []) != 1:
        return None, False
    branch = node.args["ifs"][0]
    then = branch.args.get("true")
    counts = isinstance(then, exp.Literal) and not then.is_string and then.name == "1"
    return branch.this, counts


def _aggregate(node: exp.Expression) -> tuple[str, str | None, exp.Expression | None] | None:
    """(kind, argument, pivot condition) of an aggregate expression, or None."""
    core = _core(node)
    condition: exp.Expression | None = None
    if isinstance(core, exp.Filter):
        where = core.expression
        condition = where.this if isinstance(where, exp.Where) else where
        core = _core(core.this)
    if isinstance(core, exp.Window):
        core = _core(core.this)
    if isinstance(core, exp.WithinGroup):
        order = core.expression
        argument = _first_column(order) if order is not None else None
        return "percentile", argument, condition
    if isinstance(core, _PERCENTILES):
        return "percentile", _first_column(core.this), condition
    if isinstance(core, exp.AggFunc):
        inner = core.this
        case, counts_rows = _case_condition(inner)
        if case is not None and condition is None:
            condition = case
        if isinstance(core, exp.Count):
            distinct = isinstance(inner, exp.Distinct)
            argument = _first_column(inner) if not isinstance(inner, exp.Star) else None
            if case is not None:
                argument = None
            return ("count_distinct" if distinct else "count"), argument, condition
        if isinstance(core, exp.Sum):
            return ("count" if counts_rows else "sum"), _first_column(inner), condition
        if isinstance(core, exp.Avg):
            return "avg", _first_column(inner), condition
        if isinstance(core, exp.Max):
            return "max", _first_column(inner), condition
        if isinstance(core, exp.Min):
            return "min", _first_column(inner), condition
        return "other", _first_column(inner), condition
    if node.find(exp.AggFunc) is not None:  # 100.0 * COUNT(*) FILTER (…) / COUNT(*), AVG(a) / AVG(b)
        return "ratio", None, None
    return None


def _times_hundred(node: exp.Expression) -> bool:
    for mul in node.find_all(exp.Mul):
        for side in (mul.this, mul.expression):
            if isinstance(side, exp.Literal) and not side.is_string and float(side.name) == 100:
                return True
    return False


def _unit(name: str, kind: str, argument: str | None, node: exp.Expression) -> ColumnUnit:
    lowered = name.lower()
    if _PERCENT_NAME.search(lowered) or (kind == "ratio" and _times_hundred(node)):
        return "percent"
    if kind in ("count", "count_distinct"):
        return "count"
    arg = (argument or "").lower()
    if _DURATION_NAME.search(lowered) or (
        kind in ("avg", "max", "min", "percentile", "sum") and _DURATION_NAME.search(arg)
    ):
        return "duration"
    return "number"


def _runtime(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "none"
    if all(is_time(v) for v in present):
        return "time"
    if all(is_number(v) for v in present):
        return "number"
    return "other"


def _from_values(index: int, name: str, values: list[Any]) -> Column:
    kind = _runtime(values)
    if kind == "time" or (kind == "none" and _TIME_NAME.search(name.lower())):
        return Column(index, name, "time", "timestamp")
    if kind == "number":
        unit: ColumnUnit = "duration" if _DURATION_NAME.search(name.lower()) else "number"
        return Column(index, name, "value", unit)
    return Column(index, name, "value", "text")


def analyse(query: Query | None, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[Column]:
    """One :class:`Column` per output column; from the values alone when the SQL's projections do
    not line up with the columns (``SELECT *``)."""
    projections = query.projections if query is not None and not query.has_star else []
    if len(projections) != len(columns):
        return [_from_values(i, name, column_values(rows, i)) for i, name in enumerate(columns)]
    out: list[Column] = []
    for i, (name, node) in enumerate(zip(columns, projections, strict=True)):
        values = column_values(rows, i)
        runtime = _runtime(values)
        aggregate = _aggregate(node)
        if aggregate is not None:
            kind, argument, condition = aggregate
            if runtime == "time" or (kind in ("min", "max") and _TIME_NAME.search((argument or "").lower())):
                out.append(Column(i, name, "time", "timestamp", kind, argument))
            elif runtime == "other":
                out.append(Column(i, name, "value", "text", kind, argument))
            else:
                unit = _unit(name, kind, argument, node)
                out.append(Column(i, name, "measure", unit, kind, argument, condition))
        elif query is not None and query.grouped:
            if _is_bucket(_core(node)) or runtime == "time":
                out.append(Column(i, name, "bucket", "timestamp" if runtime == "time" else "text"))
            else:
                out.append(Column(i, name, "dimension", "text", argument=_first_column(node)))
        else:
            out.append(_from_values(i, name, values))
    return out
