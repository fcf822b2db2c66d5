"""Plan → SQL. The plan is written as PostgreSQL, parsed by sqlglot and generated for the target
dialect, so one plan serves PostgreSQL and BigQuery tables alike."""

from __future__ import annotations

from typing import Any

import sqlglot

from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan
from nlq_platform.text_to_sql.offline.timewindow import Bucket


def quote_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def measure_sql(m: Measure) -> str:
    col = m.column or "*"
    if "." in col:  # a numeric JSONB key: AVG((metadata->>'cart_total')::numeric)
        base, key = col.split(".", 1)
        col = f"({base}->>{quote_literal(key)})::numeric"
    match m.kind:
        case "count":
            body = "COUNT(*)" if m.column is None else f"COUNT({col})"
        case "count_distinct":
            body = f"COUNT(DISTINCT {col})"
        case "avg" | "max" | "min" | "sum":
            body = f"{m.kind.upper()}({col})"
        case "percentile":
            body = f"PERCENTILE_CONT({m.fraction}) WITHIN GROUP (ORDER BY {col})"
        case "error_rate":
            errors = m.where or "level = 'ERROR'"
            return f"ROUND(100.0 * COUNT(*) FILTER (WHERE {errors}) / NULLIF(COUNT(*), 0), 2) AS {m.alias}"
        case "share":
            part = f"COUNT(DISTINCT {col}) FILTER (WHERE {m.where})"
            return f"ROUND(100.0 * {part} / NULLIF(COUNT(DISTINCT {col}), 0), 2) AS {m.alias}"
        case "first_seen":
            body = "MIN(created_at)"
        case "last_seen":
            body = "MAX(created_at)"
        case _:
            raise ValueError(f"unknown measure {m.kind}")
    if m.where:
        body += f" FILTER (WHERE {m.where})"
    return f"{body} AS {m.alias}"


def bucket_sql(bucket: Bucket) -> tuple[str, str]:
    """(expression, alias) of a time bucket."""
    if bucket.unit == "minute" and bucket.minutes > 1:
        expr = (
            "DATE_TRUNC('minute', created_at) - "
            f"(EXTRACT(MINUTE FROM created_at)::int % {bucket.minutes}) * INTERVAL '1 minute'"
        )
        return expr, "time_bucket"
    return f"DATE_TRUNC('{bucket.unit}', created_at)", bucket.unit


def levels_sql(levels: list[str]) -> str:
    """``level = 'ERROR'`` or ``level IN ('ERROR', 'FATAL')``."""
    if len(levels) == 1:
        return f"level = {quote_literal(levels[0])}"
    return f"level IN ({', '.join(quote_literal(v) for v in levels)})"


def column_sql(column: str, numeric: bool = False) -> str:
    """A column, or ``metadata.key`` as the JSONB field (cast to int for numeric comparisons)."""
    if "." not in column:
        return column
    base, key = column.split(".", 1)
    text = f"{base}->>{quote_literal(key)}"
    return f"({text})::int" if numeric else text


def dimension_sql(column: str) -> tuple[str, str]:
    """(select expression, alias) of a dimension."""
    if "." not in column:
        return column, column
    return f"{column_sql(column)} AS {column.split('.', 1)[1]}", column.split(".", 1)[1]


def filter_sql(f: Filter) -> str:
    numeric = isinstance(f.value, int | float) and not isinstance(f.value, bool)
    column = column_sql(f.column, numeric) if "." in f.column else f.column
    match f.op:
        case "not_null":
            return f"{column} IS NOT NULL"
        case "null":
            return f"{column} IS NULL"
        case "in":
            return f"{column} IN ({', '.join(quote_literal(v) for v in f.value)})"
        case "like_any":
            return "(" + " OR ".join(f"{column} LIKE {quote_literal(f'%{v}%')}" for v in f.value) + ")"
        case "= subquery":
            return f"{column} = ({f.value})"
        case "in subquery":
            return f"{column} IN ({f.value})"
        case "=" | "!=" | ">" | ">=" | "<" | "<=":
            return f"{column} {f.op} {quote_literal(f.value)}"
    raise ValueError(f"unknown filter op {f.op}")


def total_order(order: list[tuple[str, bool]], group: list[str]) -> list[tuple[str, bool]]:
    """The plan's order, with the group keys it leaves out appended ascending: rows tied on a count
    come back in one fixed order, so a top 5 is the same five rows on every run."""
    if not order:
        return []
    keys = {key for key, _ in order}
    return list(order) + [(key, False) for key in group if key not in keys]


def to_postgres(plan: Plan) -> str:
    select: list[str] = []
    group: list[str] = []
    if plan.is_listing:
        select = list(plan.columns)
    else:
        if plan.bucket is not None:
            expr, alias = bucket_sql(plan.bucket)
            select.append(f"{expr} AS {alias}")
            group.append(alias)
        for dimension in plan.dimensions:
            expr, alias = dimension_sql(dimension)
            select.append(expr)
            group.append(alias)
        select += [measure_sql(m) for m in plan.measures]
    where = [filter_sql(f) for f in plan.filters]
    if plan.window is not None:
        where.append(f"created_at > {plan.window.start}")
        if plan.window.end:
            where.append(f"created_at < {plan.window.end}")
    where.append("deleted = FALSE")
    sql = f"SELECT {', '.join(select)} FROM {plan.table} WHERE {' AND '.join(where)}"
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    if plan.having is not None:
        measure, op, value = plan.having
        body = measure_sql(measure).rsplit(" AS ", 1)[0]
        sql += f" HAVING {body} {op} {quote_literal(value)}"
    order = total_order(plan.order, group)
    if order:
        sql += " ORDER BY " + ", ".join(f"{key} {'DESC' if desc else 'ASC'}" for key, desc in order)
    if plan.limit is not None:
        sql += f" LIMIT {plan.limit}"
    return sql


def compile_plan(plan: Plan, dialect: str = "postgres") -> str:
    """The plan as SQL in ``dialect`` (validated by parsing it with sqlglot)."""
    expression = sqlglot.parse_one(to_postgres(plan), read="postgres")
    return expression.sql(dialect=dialect)
