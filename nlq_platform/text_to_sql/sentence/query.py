"""The facts of the SQL the builder needs: the outermost SELECT, whether it groups, its ORDER BY
keys and LIMIT, and the table it reads — parsed once with sqlglot."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError


@dataclass(frozen=True)
class Order:
    """An ORDER BY key: the output column it sorts by (its index) when it names one, else None."""

    index: int | None
    desc: bool
    expression: exp.Expression


@dataclass
class Query:
    tree: exp.Expression
    select: exp.Select
    grouped: bool
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    #: the table of the FROM clause when it is a plain table (not a subquery or a CTE)
    table: str | None = None
    distinct: bool = False

    @property
    def projections(self) -> list[exp.Expression]:
        return list(self.select.expressions)

    @property
    def has_star(self) -> bool:
        return any(
            isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.is_star) for p in self.projections
        )


def _unaliased(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Alias) else node


def _order_index(key: exp.Expression, select: exp.Select) -> int | None:
    projections = list(select.expressions)
    if isinstance(key, exp.Literal) and not key.is_string and key.name.isdigit():
        position = int(key.name) - 1
        return position if 0 <= position < len(projections) else None
    if isinstance(key, exp.Column) and not key.table:
        for i, p in enumerate(projections):
            if p.alias_or_name == key.name:
                return i
    for i, p in enumerate(projections):
        if _unaliased(p) == key:
            return i
    return None


def _limit(select: exp.Select) -> int | None:
    node = select.args.get("limit")
    value = node.expression if isinstance(node, exp.Limit) else None
    if isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit():
        return int(value.name)
    return None


def parse(sql: str, dialect: str = "postgres") -> Query | None:
    """The query's facts, or None when it is not one SELECT sqlglot can read (a UNION, …)."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (SqlglotError, ValueError, RecursionError):
        return None
    if isinstance(tree, exp.Subquery):
        tree = tree.unnest()
    if not isinstance(tree, exp.Select):
        return None
    source = tree.args.get("from_") or tree.args.get("from")
    table = None
    if isinstance(source, exp.From) and isinstance(source.this, exp.Table) and not tree.args.get("joins"):
        ctes = {c.alias_or_name for c in tree.args["with_"].expressions} if tree.args.get("with_") else set()
        if source.this.name not in ctes:
            table = source.this.name
    order_node = tree.args.get("order")
    order = [
        Order(_order_index(o.this, tree), bool(o.args.get("desc")), o.this)
        for o in (order_node.expressions if order_node else [])
    ]
    return Query(
        tree=tree,
        select=tree,
        grouped=tree.args.get("group") is not None,
        order=order,
        limit=_limit(tree),
        table=table,
        distinct=tree.args.get("distinct") is not None,
    )
