"""Plan → SQL. The plan is built into a sqlglot expression tree (values become literals, never
text pasted into SQL) and generated for the target dialect, so one plan serves PostgreSQL and
BigQuery tables alike."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan, group_noun
from nlq_platform.text_to_sql.offline.timewindow import Bucket, TimePoint

_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}  # fmt: skip
_AGGREGATES: dict[str, type[exp.Func]] = {"avg": exp.Avg, "max": exp.Max, "min": exp.Min, "sum": exp.Sum}


def literal(value: Any) -> exp.Expression:
    """A value as a SQL literal: booleans, numbers and strings, quoted by the generator."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def contains(target: exp.Expression, text: str) -> exp.Expression:
    """``target LIKE '%text%'`` with the text's own ``%``, ``_`` and ``\\`` escaped (and the escape
    character named, as DuckDB has no default): 'add_to_cart' matches only itself."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = exp.Like(this=target.copy(), expression=exp.Literal.string(f"%{escaped}%"))
    return like if escaped == text else exp.Escape(this=like, expression=exp.Literal.string("\\"))


def column(name: str, cast: str | None = None) -> exp.Expression:
    """A column, or ``metadata.key`` as the JSONB field's text (cast to ``cast`` when numeric)."""
    if "." not in name:
        return exp.column(name)
    base, key = name.split(".", 1)
    path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)])
    field = exp.JSONExtractScalar(this=exp.column(base), expression=path, only_json_types=True)
    return exp.cast(exp.Paren(this=field), cast) if cast else field


def moment(point: TimePoint) -> exp.Expression:
    """now, or the start of today, less the point's length."""
    base: exp.Expression = exp.CurrentTimestamp()
    if point.from_midnight:
        base = exp.TimestampTrunc(this=base, unit=exp.var("DAY"))
    if not point.amount:
        return base
    unit = point.unit.upper() + ("S" if point.amount != 1 else "")
    return exp.Sub(
        this=base, expression=exp.Interval(this=exp.Literal.string(str(point.amount)), unit=exp.var(unit))
    )


def condition(f: Filter) -> exp.Expression:
    """One filter as a boolean expression."""
    numeric = isinstance(f.value, int | float) and not isinstance(f.value, bool)
    target = column(f.column, "DECIMAL" if numeric else None)  # "12.5" and "500" alike
    match f.op:
        case "not_null":
            return exp.Is(this=target, expression=exp.Null(), negate=True)
        case "null":
            return exp.Is(this=target, expression=exp.Null())
        case "in":
            return exp.In(this=target, expressions=[literal(v) for v in f.value])
        case "like_any":
            return exp.Paren(this=exp.or_(*(contains(target, v) for v in f.value)))
        case "= subquery":
            return exp.EQ(this=target, expression=exp.Subquery(this=select(f.value)))
        case "in subquery":
            return exp.In(this=target, query=exp.Subquery(this=select(f.value)))
        case op if op in _COMPARISONS:
            value = moment(f.value) if isinstance(f.value, TimePoint) else literal(f.value)
            return _COMPARISONS[op](this=target, expression=value)
    raise ValueError(f"unknown filter op {f.op}")


def conjunction(filters: tuple[Filter, ...] | list[Filter]) -> exp.Expression:
    """Filters that must all hold."""
    return exp.and_(*(condition(f) for f in filters))


def condition_sql(filters: tuple[Filter, ...] | list[Filter], dialect: str = "postgres") -> str:
    """Filters as SQL text, for a reading that shows a measure's condition."""
    return conjunction(filters).sql(dialect=dialect)


def levels_filter(levels: list[str]) -> Filter:
    """``level = 'ERROR'`` or ``level IN ('ERROR', 'FATAL')``."""
    return Filter("level", "=", levels[0]) if len(levels) == 1 else Filter("level", "in", list(levels))


def _count(target: exp.Expression | None = None) -> exp.Expression:
    return exp.Count(this=target if target is not None else exp.Star(), big_int=True)


def _percent(part: exp.Expression, whole: exp.Expression) -> exp.Expression:
    """ROUND(100.0 * part / NULLIF(whole, 0), 2)."""
    ratio = exp.Div(
        this=exp.Mul(this=exp.Literal.number(100.0), expression=part),
        expression=exp.Nullif(this=whole, expression=exp.Literal.number(0)),
        typed=True,
        safe=False,
    )
    return exp.Round(this=ratio, decimals=exp.Literal.number(2))


def _only(aggregate: exp.Expression, where: tuple[Filter, ...]) -> exp.Expression:
    return exp.Filter(this=aggregate, expression=exp.Where(this=conjunction(where)))


def aggregate(m: Measure) -> exp.Expression:
    """The measure's aggregate, without its alias."""
    numeric = m.kind not in ("count", "count_distinct", "share")  # "how many job ids" counts text
    target = column(m.column, "DECIMAL" if numeric else None) if m.column else None
    match m.kind:
        case "count":
            body = _count(target)
        case "count_distinct":
            body = _count(exp.Distinct(expressions=[target]))
        case kind if kind in _AGGREGATES:
            body = _AGGREGATES[kind](this=target)
        case "percentile":
            within = exp.Order(expressions=[exp.Ordered(this=target, nulls_first=False)])
            body = exp.WithinGroup(
                this=exp.PercentileCont(this=exp.Literal.number(m.fraction)), expression=within
            )
        case "error_rate":
            errors = m.where or (Filter("level", "=", "ERROR"),)
            return _percent(_only(_count(), errors), _count())
        case "rate":  # the share of the rows that meet ``where``: "requests over 1 s, in %"
            return _percent(_only(_count(), m.where), _count())
        case "share":
            distinct = _count(exp.Distinct(expressions=[target]))
            return _percent(_only(distinct.copy(), m.where), distinct)
        case "first_seen":
            body = exp.Min(this=exp.column("created_at"))
        case "last_seen":
            body = exp.Max(this=exp.column("created_at"))
        case _:
            raise ValueError(f"unknown measure {m.kind}")
    return _only(body, m.where) if m.where else body


def bucket_expression(bucket: Bucket) -> tuple[exp.Expression, str]:
    """(expression, alias) of a time bucket: DATE_TRUNC, or n-minute (n-hour) buckets from the
    minute (hour) of the day: truncated, less its remainder of n."""
    created_at = exp.column("created_at")
    if bucket.unit in ("minute", "hour") and bucket.minutes > 1:
        unit = bucket.unit.upper()
        part = exp.cast(exp.Extract(this=exp.var(unit), expression=created_at.copy()), "INT")
        offset = exp.Mul(
            this=exp.Paren(this=exp.Mod(this=part, expression=exp.Literal.number(bucket.minutes))),
            expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.var(unit)),
        )
        truncated = exp.TimestampTrunc(this=created_at, unit=exp.var(unit))
        return exp.Sub(this=truncated, expression=offset), "time_bucket"
    return exp.TimestampTrunc(this=created_at, unit=exp.var(bucket.unit.upper())), bucket.unit


def bucket_alias(bucket: Bucket) -> str:
    """The output name of a bucket column ("hour", "time_bucket")."""
    return bucket_expression(bucket)[1]


def dimension(name: str, numeric_keys: list[str] = ()) -> tuple[exp.Expression, str]:
    """(select expression, alias) of a dimension; a JSONB key is named after the key, and a
    numeric one is a number."""
    if "." not in name:
        return exp.column(name), name
    alias = name.split(".", 1)[1]
    return exp.alias_(column(name, "DECIMAL" if alias in numeric_keys else None), alias), alias


def group_alias(plan: Plan) -> str:
    """The name of an inner plan's rows: ``per_session``, ``per_user``, ``per_service``."""
    return "per_" + group_noun(plan.dimensions[0] if plan.dimensions else "group")


def total_order(order: list[tuple[str, bool]], group: list[str]) -> list[tuple[str, bool]]:
    """The plan's order, with the group keys it leaves out appended ascending: rows tied on a count
    come back in one fixed order, so a top 5 is the same five rows on every run."""
    if not order:
        return []
    keys = {key for key, _ in order}
    return list(order) + [(key, False) for key in group if key not in keys]


def _window(plan: Plan) -> list[Filter]:
    if plan.window is None:
        return []
    bounds = [Filter("created_at", ">", plan.window.start)]
    if plan.window.end is not None:
        bounds.append(Filter("created_at", "<", plan.window.end))
    return bounds


def select(plan: Plan) -> exp.Select:
    """The plan as a SELECT tree: measures over dimensions and buckets, or listed columns."""
    outputs: list[exp.Expression] = []
    group: list[str] = []
    if plan.is_listing:
        outputs = [dimension(c, plan.numeric_keys)[0] if "." in c else exp.column(c) for c in plan.columns]
        # "which users hit both …": the groups a HAVING keeps; "which browsers": the values
        group = [dimension(d, plan.numeric_keys)[1] for d in plan.dimensions]
    else:
        if plan.bucket is not None:
            expression, alias = bucket_expression(plan.bucket)
            outputs.append(exp.alias_(expression, alias))
            group.append(alias)
        for name in plan.dimensions:
            expression, alias = dimension(name, plan.numeric_keys)
            outputs.append(expression)
            group.append(alias)
        outputs += [exp.alias_(aggregate(m), m.alias) for m in plan.measures]
    if plan.source is not None:  # the groups of an inner plan: no table, so no filters of its rows
        inner = exp.Subquery(
            this=select(plan.source), alias=exp.TableAlias(this=exp.to_identifier(group_alias(plan.source)))
        )
        query = exp.select(*outputs).from_(inner)
    else:
        where = [*plan.filters, *_window(plan), Filter("deleted", "=", False)]
        query = exp.select(*outputs).from_(exp.to_table(plan.table)).where(conjunction(where))
    if group:
        query = query.group_by(*(exp.column(g) for g in group))
    if plan.having is not None:
        measure, op, value = plan.having
        query = query.having(_COMPARISONS[op](this=aggregate(measure), expression=literal(value)))
    for conditions, present in plan.requires:
        has_one = exp.LogicalOr(this=conjunction(conditions))
        query = query.having(has_one if present else exp.not_(has_one))
    order = total_order(plan.order, group)
    if order:
        query = query.order_by(
            *(exp.Ordered(this=exp.column(key), desc=desc, nulls_first=desc) for key, desc in order)
        )
    if plan.limit is not None:
        query = query.limit(plan.limit)
    return query


def _default_escape(node: exp.Expression) -> exp.Expression:
    """BigQuery's LIKE takes no ESCAPE clause: backslash is its escape already."""
    return node.this if isinstance(node, exp.Escape) else node


def compile_plan(plan: Plan, dialect: str = "postgres") -> str:
    """The plan as SQL in ``dialect``."""
    tree = select(plan)
    if dialect == "bigquery":
        tree = tree.transform(_default_escape)
    return tree.sql(dialect=dialect)
