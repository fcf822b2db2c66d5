"""What the rows of a count are, when the count's alias does not say (``COUNT(*) AS count``): the
query's conditions do — ``level = 'ERROR'`` counts errors, ``error_type = 'TimeoutError'`` counts
TimeoutErrors, a plain ``FROM logs`` counts logs."""

from __future__ import annotations

from sqlglot import exp

from nlq_platform.text_to_sql.sentence.query import Query
from nlq_platform.text_to_sql.sentence.vocab import ERRORS, LOGS, ROWS, Term, fallback_term
from nlq_platform.text_to_sql.sentence.window import conjuncts

_ERROR_LEVELS = frozenset({"ERROR", "FATAL", "CRITICAL"})


def _literal_values(node: exp.Expression) -> list[str] | None:
    if isinstance(node, exp.Literal) and node.is_string:
        return [node.name]
    return None


def _equals(condition: exp.Expression, column: str) -> list[str] | None:
    """The string values ``column`` is held to (``= 'x'`` or ``IN ('x', 'y')``), or None."""
    if isinstance(condition, exp.EQ):
        for a, b in ((condition.this, condition.expression), (condition.expression, condition.this)):
            if isinstance(a, exp.Column) and a.name == column:
                return _literal_values(b)
    if (
        isinstance(condition, exp.In)
        and isinstance(condition.this, exp.Column)
        and condition.this.name == column
    ):
        values = [v.name for v in condition.expressions if isinstance(v, exp.Literal) and v.is_string]
        return values or None
    return None


def _not_null(condition: exp.Expression, column: str) -> bool:
    if isinstance(condition, exp.Not) and isinstance(condition.this, exp.Is):
        target = condition.this.this
        return isinstance(target, exp.Column) and target.name == column
    return False


def _where(query: Query) -> exp.Expression | None:
    where = query.select.args.get("where")
    if where is not None:
        return where.this
    for node in query.tree.find_all(exp.Where, bfs=True):
        if isinstance(node.parent, exp.Select):
            return node.this
    return None


def subject(query: Query | None) -> Term:
    """The noun for a row of the result's counts."""
    if query is None:
        return LOGS
    default = LOGS if query.table in (None, "logs") else ROWS
    source = query.select.args.get("from_")
    if isinstance(source, exp.From) and isinstance(source.this, exp.Subquery) and source.this.alias:
        default = fallback_term(source.this.alias, counted=True)
    condition = _where(query)
    if condition is None:
        return default
    level: list[str] | None = None
    for c in conjuncts(condition):
        if (types := _equals(c, "error_type")) is not None:
            if len(types) == 1:
                name = types[0]
                return Term(name, name + "s", name, "건")
            return ERRORS
        if _not_null(c, "error_type"):
            return ERRORS
        level = level or _equals(c, "level")
    if level:
        upper = [v.upper() for v in level]
        if all(v in _ERROR_LEVELS for v in upper) and "ERROR" in upper:
            return ERRORS
        if len(upper) == 1:
            return Term(f"{upper[0]} 로그", f"{upper[0]} logs", f"{upper[0]} log", "건")
    return default
