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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

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
    dialect = dialect or schema.dialect or "postgres"
    root = _parse_single(sql, dialect)
    if isinstance(root, exp.Subquery) and not root.alias:  # "(SELECT …)"
        root = root.unnest()
    _check_nodes(root, sql, dialect)
    try:
        scopes = traverse_scope(root)
    except SqlglotError as exc:
        raise GuardError(f"could not analyse the query: {exc}") from exc
    real = _check_tables(root, scopes, schema)
    _check_columns(root, real, schema, dialect)
    deleted_added = _add_soft_delete_filters(scopes, real)
    limit_added = _bound_limit(root, default_limit)
    out = root.sql(dialect=dialect, comments=False)
    # What we hand on must itself be one read-only query; re-parse it so a generator quirk can
    # never turn a checked AST into something else.
    if not isinstance(_parse_single(out, dialect), exp.Query):
        raise GuardError("internal error: the rewritten SQL is not a single query")
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
            name = ".".join(_table_ref(table))
            known = _lookup(table, schema)
            if source is not table or known is None:
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


@lru_cache(maxsize=16)
def _mapping(schema: SchemaSnapshot) -> dict[str, dict[str, str]]:
    """sqlglot schema mapping keyed by a stand-in name per snapshot table (ids may be dotted)."""
    return {f"__t{i}": {c.name: "TEXT" for c in t.columns} for i, t in enumerate(schema.tables)}


def _check_columns(root: exp.Expr, real: dict[int, Table], schema: SchemaSnapshot, dialect: str) -> None:
    """Every column must resolve (table column, CTE/subquery output, or SELECT alias). sqlglot's
    qualify does the resolving, on a copy whose real tables are renamed to stand-ins."""
    copy = root.copy()
    index = {id(t): i for i, t in enumerate(schema.tables)}
    pairs = [
        (orig, node)
        for orig, node in zip(root.walk(), copy.walk(), strict=True)
        if isinstance(node, exp.Table) and id(orig) in real
    ]
    for orig, node in pairs:  # rename after walking: renaming changes the copy's shape
        if True:
            if not node.args.get("alias"):
                node.set("alias", exp.TableAlias(this=node.this.copy()))
            node.set("this", exp.to_identifier(f"__t{index[id(real[id(orig)])]}"))
            node.set("db", None)
            node.set("catalog", None)
    try:
        qualify(
            copy,
            dialect=dialect,
            schema=_mapping(schema),
            validate_qualify_columns=True,
            quote_identifiers=False,
            identify=False,
        )
    except Exception as exc:  # fail closed: whatever qualify cannot resolve is refused
        raise GuardError(_column_message(str(exc), root, real)) from exc


def _column_message(msg: str, root: exp.Expr, real: dict[int, Table]) -> str:
    msg = msg.splitlines()[0] if msg else msg
    candidates = {c.name for t in real.values() for c in t.columns}
    candidates |= {a.alias for a in root.find_all(exp.Alias) if a.alias}
    if m := re.search(r"Ambiguous column '([^']+)'", msg):
        return f"column '{m[1]}' is ambiguous; prefix it with a table alias"
    if m := re.search(r"Unknown table: (\S+)", msg):
        return f"unknown table or alias '{m[1]}' in a column reference"
    m = re.search(r"Column '([^']+)' could not be resolved", msg) or re.search(
        r"Unknown (?:output )?column: (\S+)", msg
    )
    if m:
        close = difflib.get_close_matches(m[1].lower(), sorted(candidates), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown column '{m[1]}'{hint}"
    return f"could not resolve the query's columns: {msg}"


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
    unqualified ``deleted`` is this table's, since qualify refused it if ambiguous."""
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


def _add_to_on(join: exp.Join, table: exp.Table, condition: exp.Expr) -> None:
    if join.args.get("on") is None:  # USING / NATURAL: no ON to extend
        _wrap(table)
    else:
        join.set("on", exp.and_(join.args["on"], condition, copy=False))


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
        select.where(condition, copy=False)
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
        root.limit(default_limit, copy=False)
        return True
    if not (isinstance(value, exp.Literal) and value.is_int):
        raise GuardError(f"LIMIT must be a whole number; found {value.sql()}")
    if int(value.name) > MAX_LIMIT:
        value.replace(exp.Literal.number(MAX_LIMIT))
    return False
