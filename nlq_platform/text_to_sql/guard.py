"""The SQL guard: every SQL statement passes here before it reaches the database.

Engines (LLM or template) and analysts both produce SQL, and neither is trusted. The guard works
on the sqlglot AST, never on strings: it accepts exactly one read-only query over the snapshot's
tables and columns, refuses dangerous functions, adds the soft-delete filter (``deleted = FALSE``)
wherever a table that has one is read without it, and bounds the result with a LIMIT. The SQL it
returns is regenerated from the checked AST (without comments), so what runs is what was checked.

The database role is read-only as well; the guard is the first line, not the only one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import TokenType

from nlq_platform.metadata.schema import SchemaSnapshot, Table

MAX_LIMIT = 100_000  # an explicit LIMIT above this is capped: no analyst reads more rows
SOFT_DELETE_COLUMN = "deleted"

# Functions that sleep, read or write server files, reach other servers, change settings, signal
# backends, take locks, touch sequences or run SQL given as a string (which would bypass every
# check here). Names are compared lower-cased.
DENIED_FUNCTIONS = frozenset(
    {
        "current_setting",
        "set_config",
        "copy",
        "loread",
        "lowrite",
        "nextval",
        "setval",
        "currval",
        "lastval",
        "ts_stat",
        "ts_rewrite",
        "query_to_xml",
        "query_to_xmlschema",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "table_to_xml",
        "table_to_xmlschema",
        "table_to_xml_and_xmlschema",
        "schema_to_xml",
        "schema_to_xmlschema",
        "schema_to_xml_and_xmlschema",
        "database_to_xml",
        "database_to_xmlschema",
        "database_to_xml_and_xmlschema",
    }
)
# pg_sleep*, pg_read_file, pg_terminate_backend, pg_advisory_lock, pg_notify …; lo_import …; dblink*.
DENIED_FUNCTION_PREFIXES = ("pg_", "lo_", "dblink")

# Statement (or clause) nodes that write, change the schema, or leave SQL altogether; refused
# anywhere in the tree, so a data-modifying CTE is caught like a top-level DELETE.
_FORBIDDEN_NODES: tuple[type[exp.Expr], ...] = tuple(
    node
    for name in (
        "DML",  # INSERT, UPDATE, DELETE, MERGE, COPY
        "DDL",
        "Create",
        "Drop",
        "Alter",
        "TruncateTable",
        "Command",  # anything sqlglot could not parse: SET, DO, CALL, EXPLAIN, VACUUM …
        "Grant",
        "Revoke",
        "Set",
        "Transaction",
        "Commit",
        "Rollback",
        "Use",
        "Describe",
        "Analyze",
        "Pragma",
        "Kill",
        "LoadData",
        "Cache",
        "Uncache",
        "Refresh",
        "Returning",
    )
    if isinstance(node := getattr(exp, name, None), type)
)
_STATEMENT_NAMES: dict[str, str] = {"TruncateTable": "TRUNCATE", "LoadData": "LOAD DATA"}


class GuardError(ValueError):
    """A refused query; str(exc) is a clear reason for an analyst (e.g. "only SELECT queries are
    allowed; found DELETE")."""


@dataclass(frozen=True)
class GuardedQuery:
    sql: str  # the rewritten SQL to execute (target dialect)
    tables: tuple[str, ...]  # real tables referenced (snapshot table ids, sorted)
    limit_added: bool
    deleted_filter_added: bool


def guard(
    sql: str, schema: SchemaSnapshot, *, dialect: str | None = None, default_limit: int = 1000
) -> GuardedQuery:
    """Check ``sql`` against ``schema`` and return the SQL to run, or raise GuardError."""
    try:
        return _guard(sql, schema, dialect or schema.dialect or "postgres", default_limit)
    except RecursionError as exc:  # sqlglot recurses per nesting level
        raise GuardError("the SQL is too deeply nested to check") from exc


def _guard(sql: str, schema: SchemaSnapshot, dialect: str, default_limit: int) -> GuardedQuery:
    root = _parse_single(sql, dialect)
    if isinstance(root, exp.Subquery) and not root.alias:  # "(SELECT …)"
        root = root.unnest()
    _check_nodes(root, sql, dialect)
    try:
        scopes = traverse_scope(root)
        real = _check_tables(root, scopes, schema)
        _Columns(real, dialect).check(scopes)
        deleted_added = _add_soft_delete_filters(scopes, real)
    except SqlglotError as exc:  # e.g. a duplicated subquery alias
        raise GuardError(f"could not analyse the query: {exc}") from exc
    limit_added = _bound_limit(root, default_limit)
    out = root.sql(dialect=dialect, comments=False)
    # Cheap insurance against a generator quirk: the output must still be a single statement.
    if any(tok.token_type == TokenType.SEMICOLON for tok in sqlglot.tokenize(out, read=dialect)):
        raise GuardError("internal error: the rewritten SQL is not a single statement")
    tables = tuple(sorted({t.table_id for t in real.values()}))
    return GuardedQuery(out, tables, limit_added, deleted_added)


# --- statement shape ---------------------------------------------------------------------------


def _parse_single(sql: str, dialect: str) -> exp.Expr:
    """Exactly one non-empty statement; a second one behind ';' or a comment is refused."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" (line {first['line']}, column {first['col']})" if first.get("line") else ""
        raise GuardError(f"could not parse the SQL: {first.get('description', exc)}{where}") from exc
    except (TokenError, SqlglotError) as exc:
        raise GuardError(f"could not parse the SQL: {exc}") from exc
    if not statements:
        raise GuardError("the SQL is empty")
    if len(statements) > 1:
        raise GuardError(f"only one SQL statement is allowed; found {len(statements)}")
    return statements[0]


def _statement_name(node: exp.Expr, sql: str, dialect: str) -> str:
    """A short name for the refused statement, for the error message."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, exp.Create):
        return f"CREATE {node.args.get('kind') or ''}".strip()
    if isinstance(node, exp.Query | exp.Subquery):
        return "SELECT"
    name = type(node).__name__
    if isinstance(node, _FORBIDDEN_NODES):
        return _STATEMENT_NAMES.get(name, name.upper())
    try:  # e.g. LISTEN x parses as an alias; name the leading keyword instead
        tokens = sqlglot.tokenize(sql, read=dialect)
    except SqlglotError:
        tokens = []
    return tokens[0].text.upper() if tokens else name.upper()


def _check_nodes(root: exp.Expr, sql: str, dialect: str) -> None:
    """One walk: statement kinds, INTO, locking clauses, functions and FROM sources."""
    if not isinstance(root, exp.Select | exp.SetOperation):
        raise GuardError(f"only SELECT queries are allowed; found {_statement_name(root, sql, dialect)}")
    for node in root.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise GuardError(f"only SELECT queries are allowed; found {_statement_name(node, sql, dialect)}")
        if isinstance(node, exp.Into):
            raise GuardError("SELECT ... INTO creates a table; only plain SELECT queries are allowed")
        if isinstance(node, exp.Lock):
            raise GuardError("locking clauses (FOR UPDATE / FOR SHARE) are not allowed")
        if isinstance(node, exp.Func):
            _check_function(node)
        elif isinstance(node, exp.Operator):  # OPERATOR(schema.op) may name any function
            raise GuardError("OPERATOR(...) syntax is not allowed")
        elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
            raise GuardError(f"schema-qualified function calls are not allowed: {node.sql(dialect=dialect)}")
        elif isinstance(node, exp.From | exp.Join):
            _check_source(node.this, dialect)
        elif isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            _check_source(node, dialect)


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        return node.name.lower()
    return node.sql_name().lower()


def _check_function(node: exp.Func) -> None:
    name = _function_name(node)
    if name in DENIED_FUNCTIONS or name.startswith(DENIED_FUNCTION_PREFIXES):
        raise GuardError(f"function {name}() is not allowed")


def _check_source(source: exp.Expr, dialect: str) -> None:
    """FROM/JOIN may read tables, subqueries and VALUES; table functions (generate_series,
    dblink, unnest …) are refused since they reach data outside the snapshot."""
    inner = source.this if isinstance(source, exp.Lateral) else source
    if isinstance(inner, exp.Subquery | exp.Values):
        return
    if (
        isinstance(inner, exp.Table)
        and isinstance(inner.this, exp.Identifier)
        and not inner.args.get("rows_from")
    ):
        return
    raise GuardError(f"table functions are not allowed in FROM: {inner.sql(dialect=dialect)}")


# --- tables -------------------------------------------------------------------------------------


def _table_ref(table: exp.Table) -> list[str]:
    return [p.lower() for part in table.parts for p in part.name.split(".")]


def _lookup(table: exp.Table, schema: SchemaSnapshot) -> Table | None:
    """The snapshot table named by ``table``: its id or a dotted suffix of it, case-insensitively;
    ``public.<name>`` too when the id has no schema part."""
    ref = _table_ref(table)
    for t in schema.tables:
        tid = t.table_id.lower().split(".")
        if len(ref) <= len(tid) and tid[-len(ref) :] == ref:
            return t
        if len(tid) == 1 and ref == ["public", *tid]:
            return t
    return None


def _check_tables(root: exp.Expr, scopes: list[Scope], schema: SchemaSnapshot) -> dict[int, Table]:
    """Map every real table node (by id) to its snapshot table; CTE references are skipped and
    anything else (other schemas, system catalogs, unknown names) is refused."""
    real: dict[int, Table] = {}
    seen: set[int] = set()
    for scope in scopes:
        for table in scope.tables:
            seen.add(id(table))
            source = scope.sources.get(table.alias_or_name)
            if isinstance(source, Scope):
                continue  # a CTE
            if source is not table:
                raise GuardError(
                    f"the name '{table.alias_or_name}' is used for two tables; give each its own alias"
                )
            name = ".".join(_table_ref(table))
            known = _lookup(table, schema)
            if known is None:
                known_ids = [t.table_id for t in schema.tables]
                close = difflib.get_close_matches(name, known_ids, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise GuardError(f"table '{name}' is not allowed; known tables: {', '.join(known_ids)}{hint}")
            real[id(table)] = known
    for table in root.find_all(exp.Table):
        if id(table) not in seen:
            raise GuardError(f"unsupported table reference: {table.sql()}")
    return real


# --- columns ------------------------------------------------------------------------------------


class _Columns:
    """Resolves every column reference per sqlglot scope: a column of a FROM item (table, CTE,
    subquery, VALUES) of its scope or an enclosing one (correlated subqueries), or a SELECT
    alias of its own scope (``GROUP BY time_bucket``, ``ORDER BY error_count``). Column names
    follow the dialect's identifier rules (in PostgreSQL ``"Service"`` is not ``service``); a
    FROM item whose columns cannot be known (``VALUES`` without names) accepts any name."""

    def __init__(self, real: dict[int, Table], dialect: str) -> None:
        self.real = real
        self.dialect = Dialect.get_or_raise(dialect)
        self._outputs: dict[int, list[str] | None] = {}
        self._sources: dict[int, dict[str, frozenset[str] | None]] = {}

    def name(self, node: exp.Expr | None) -> str:
        """An identifier's name as the database resolves it (PostgreSQL: unquoted → lower)."""
        if not isinstance(node, exp.Identifier):
            return node.name if node is not None else ""
        copy = exp.Identifier(this=node.this, quoted=node.quoted)
        return self.dialect.normalize_identifier(copy).name

    def check(self, scopes: list[Scope]) -> None:
        for scope in scopes:
            expr = scope.expression
            if isinstance(expr, exp.SetOperation):  # ORDER BY of a UNION: its output names
                outputs = self.outputs(scope)
                for col in _own_columns(scope):
                    if outputs is not None and self.name(col.this) not in outputs:
                        raise GuardError(_unknown_column(col.name, outputs))
            elif isinstance(expr, exp.Select):
                aliases = {
                    self.name(p.args.get("alias")) for p in expr.expressions if isinstance(p, exp.Alias)
                }
                for col in _own_columns(scope):
                    self.resolve(scope, col, aliases)

    def resolve(self, scope: Scope, col: exp.Column, aliases: set[str]) -> None:
        name, table = self.name(col.this), col.table.lower()
        if not table and name in aliases:
            return
        candidates = set(aliases)
        current: Scope | None = scope
        while current is not None:
            sources = self.sources(current)
            if table:
                if table in sources:
                    cols = sources[table]
                    if isinstance(col.this, exp.Star) or cols is None or name in cols:
                        return
                    raise GuardError(_unknown_column(f"{col.table}.{col.name}", cols, name))
            else:
                hits = [alias for alias, cols in sources.items() if cols is not None and name in cols]
                if len(hits) > 1:
                    raise GuardError(
                        f"column '{col.name}' is ambiguous (in {', '.join(hits)}); "
                        "prefix it with a table alias"
                    )
                if hits or any(cols is None for cols in sources.values()):
                    return
                candidates |= {c for cols in sources.values() if cols for c in cols}
            current = current.parent
        if table:
            raise GuardError(f"unknown table or alias '{col.table}' in {col.sql()}")
        raise GuardError(_unknown_column(col.name, candidates))

    def sources(self, scope: Scope) -> dict[str, frozenset[str] | None]:
        """Column names of each FROM item of ``scope``, by lower-cased alias."""
        key = id(scope)
        if key not in self._sources:
            self._sources[key] = {
                alias.lower(): _frozen(self.source_columns(node, source))
                for alias, (node, source) in scope.selected_sources.items()
            }
        return self._sources[key]

    def source_columns(self, node: exp.Expr, source: exp.Table | Scope) -> list[str] | None:
        if isinstance(source, Scope):
            base = self.outputs(source)
        elif id(source) in self.real:
            base = [
                self.name(exp.Identifier(this=c.name, quoted=True)) for c in self.real[id(source)].columns
            ]
        else:
            base = None
        return self.renamed(node.args.get("alias"), base)

    def outputs(self, scope: Scope) -> list[str] | None:
        """Output column names of a CTE / subquery / UNION / VALUES scope; None if unknowable."""
        key = id(scope)
        if key in self._outputs:
            return self._outputs[key]
        expr = scope.expression
        result: list[str] | None = None
        if isinstance(expr, exp.SetOperation) and scope.set_operation_scopes:
            result = self.outputs(scope.set_operation_scopes[0])
        elif isinstance(expr, exp.Select):
            result = []
            for proj in expr.expressions:
                if isinstance(proj, exp.Star) or (
                    isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)
                ):
                    wanted = proj.table.lower() if isinstance(proj, exp.Column) else ""
                    for alias, (node, source) in scope.selected_sources.items():
                        if wanted and alias.lower() != wanted:
                            continue
                        cols = self.source_columns(node, source)
                        if cols is None:
                            result = None
                            break
                        result.extend(cols)
                    if result is None:
                        break
                elif isinstance(proj, exp.Alias):
                    result.append(self.name(proj.args.get("alias")))
                elif isinstance(proj, exp.Column):
                    result.append(self.name(proj.this))
                elif isinstance(proj, exp.Func):  # PostgreSQL names it after the function
                    result.append(_function_name(proj))
        parent = expr.parent
        if isinstance(parent, exp.CTE | exp.Subquery):  # WITH c(a, b) AS … / (…) AS s(a, b)
            result = self.renamed(parent.args.get("alias"), result)
        elif isinstance(expr, exp.Values):
            result = self.renamed(expr.args.get("alias"), None)
        self._outputs[key] = result
        return result

    def renamed(self, alias: exp.Expr | None, base: list[str] | None) -> list[str] | None:
        """Apply a column alias list (``AS t(a, b)``) to the first columns of ``base``."""
        names = [self.name(c) for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        if not names:
            return base
        return names + (base[len(names) :] if base else [])


def _own_columns(scope: Scope) -> list[exp.Column]:
    return [node for node in scope.walk() if type(node) is exp.Column]


def _frozen(cols: list[str] | None) -> frozenset[str] | None:
    return None if cols is None else frozenset(cols)


def _unknown_column(shown: str, candidates: Iterable[str], name: str | None = None) -> str:
    close = difflib.get_close_matches((name or shown).lower(), sorted(candidates), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown column '{shown}'{hint}"


# --- soft delete --------------------------------------------------------------------------------


def _deleted_false(alias: str | None) -> exp.Expr:
    return exp.EQ(this=exp.column(SOFT_DELETE_COLUMN, table=alias), expression=exp.false())


def _conditions(select: exp.Select) -> Iterator[exp.Expr]:
    """The scope's own predicates: WHERE and every JOIN ... ON."""
    if where := select.args.get("where"):
        yield where
    for join in select.args.get("joins") or []:
        if on := join.args.get("on"):
            yield on


def _constrains_deleted(select: exp.Select, alias: str) -> bool:
    """True if a predicate of this scope mentions the alias's deleted column (``deleted =
    FALSE``, ``NOT l.deleted``, ``deleted = TRUE`` …): the analyst already decided. An
    unqualified ``deleted`` is this table's: the column check refused it if ambiguous."""
    for condition in _conditions(select):
        for col in condition.find_all(exp.Column):
            if col.name.lower() != SOFT_DELETE_COLUMN or col.find_ancestor(exp.Select) is not select:
                continue
            if not col.table or col.table.lower() == alias.lower():
                return True
    return False


def _wrap(table: exp.Table) -> None:
    """Replace ``logs AS l`` with ``(SELECT * FROM logs WHERE deleted = FALSE) AS l``: correct on
    either side of any join, used where a WHERE/ON predicate would change the join's meaning."""
    alias = table.args.get("alias") or exp.TableAlias(this=table.this.copy())
    inner = table.copy()
    inner.set("alias", None)
    sub = exp.select("*").from_(inner).where(_deleted_false(None))
    table.replace(exp.Subquery(this=sub, alias=alias.copy()))


def _and(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """``left AND right``, parenthesising only an OR (AND binds tighter)."""
    if isinstance(left, exp.Connector) and not isinstance(left, exp.And):
        left = exp.Paren(this=left)
    return exp.And(this=left, expression=right)


def _add_to_where(select: exp.Select, condition: exp.Expr) -> None:
    where = select.args.get("where")
    if where is None:
        select.set("where", exp.Where(this=condition))
    else:
        where.set("this", _and(where.this, condition))


def _add_to_on(join: exp.Join, table: exp.Table, condition: exp.Expr) -> None:
    on = join.args.get("on")
    if on is None:  # USING / NATURAL: no ON to extend
        _wrap(table)
    else:
        join.set("on", _and(on, condition))


def _inject(select: exp.Select, table: exp.Table, condition: exp.Expr) -> None:
    """AND the filter where it keeps the join's meaning: WHERE for inner tables, the ON of the
    outer join for the nullable side of LEFT/RIGHT joins, a filtered subquery for FULL joins."""
    joins: list[exp.Join] = list(select.args.get("joins") or [])
    parent = table.parent
    if isinstance(parent, exp.Join):
        position = next((i for i, j in enumerate(joins) if j is parent), None)
        if position is None:  # a nested join tree
            _wrap(table)
            return
    elif isinstance(parent, exp.From) and parent.parent is select:
        position = -1
    else:
        _wrap(table)
        return
    side = (joins[position].side or "").upper() if position >= 0 else ""
    if side == "FULL":
        _wrap(table)
        return
    if side == "LEFT":
        _add_to_on(joins[position], table, condition)
        return
    later = [j for j in joins[position + 1 :] if (j.side or "").upper() in ("RIGHT", "FULL")]
    if not later:
        _add_to_where(select, condition)
    elif (later[0].side or "").upper() == "FULL":
        _wrap(table)
    else:
        _add_to_on(later[0], table, condition)


def _add_soft_delete_filters(scopes: list[Scope], real: dict[int, Table]) -> bool:
    """For each read of a table with a ``deleted`` column, in every SELECT scope (main query,
    CTEs, subqueries, UNION branches, joins), add ``deleted = FALSE`` unless the scope already
    constrains it."""
    added = False
    for scope in scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        selected = scope.selected_sources
        for alias, (_node, source) in list(selected.items()):
            if not isinstance(source, exp.Table) or id(source) not in real:
                continue
            if real[id(source)].column(SOFT_DELETE_COLUMN) is None:
                continue
            if _constrains_deleted(select, alias):
                continue
            qualified = source.alias_or_name if len(selected) > 1 else None
            _inject(select, source, _deleted_false(qualified))
            added = True
    return added


# --- limit --------------------------------------------------------------------------------------


def _bound_limit(root: exp.Expr, default_limit: int) -> bool:
    """Add LIMIT default_limit to the outermost query if it has none; cap explicit LIMITs at
    MAX_LIMIT. Returns True if a LIMIT was added."""
    assert isinstance(root, exp.Query)
    limit = root.args.get("limit")
    if isinstance(limit, exp.Limit):
        value = limit.expression
    elif isinstance(limit, exp.Fetch):
        value = limit.args.get("count")
        if value is None:  # FETCH FIRST ROW ONLY
            return False
    else:
        value = None
    if value is not None and (isinstance(value, exp.Null) or value.name.upper() == "ALL"):
        root.set("limit", None)  # LIMIT ALL / LIMIT NULL mean no limit
        value = None
    if value is None:
        root.set("limit", exp.Limit(expression=exp.Literal.number(default_limit)))
        return True
    if not (isinstance(value, exp.Literal) and value.is_int):
        raise GuardError(f"LIMIT must be a whole number; found {value.sql()}")
    if int(value.name) > MAX_LIMIT:
        value.replace(exp.Literal.number(MAX_LIMIT))
    return False
