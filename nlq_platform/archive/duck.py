"""DuckDB over the archive: the same guarded SQL, transpiled from PostgreSQL by sqlglot.

The view ``logs`` has PostgreSQL's column names and comparable types: enum columns are DuckDB
ENUMs with the same labels in the same order (``ORDER BY level`` sorts alike), ``metadata`` is
JSON (``metadata->>'browser'`` works after transpilation), ``created_at`` a TIMESTAMPTZ in a UTC
session, as the database sees it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nlq_platform.archive.schema import ARCHIVE_SCHEMA, ENUM_COLUMNS, ENUMS, LOG_COLUMNS, LOG_FIELDS
from nlq_platform.archive.store import relative_path


class ArchiveQueryError(Exception):
    """The archive could not answer; the message is meant for the analyst."""


@dataclass
class ArchiveResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    elapsed_ms: float
    sql: str  # the DuckDB SQL actually run
    files: int


def to_duckdb(sql: str) -> str:
    """Transpile guarded PostgreSQL to DuckDB SQL.

    One semantic difference is bridged first: PostgreSQL's ``percentile_cont`` interpolates in
    double precision whatever the input type, DuckDB's keeps a DECIMAL input's scale, so the
    ordered argument is cast to DOUBLE as PostgreSQL does implicitly.
    """
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
        for group in tree.find_all(exp.WithinGroup):
            if isinstance(group.this, exp.PercentileCont) and isinstance(group.expression, exp.Order):
                for ordered in group.expression.expressions:
                    ordered.set("this", exp.cast(ordered.this, exp.DataType.Type.DOUBLE))
        return tree.sql(dialect="duckdb")
    except SqlglotError as exc:
        raise ArchiveQueryError(f"could not translate the query for the archive: {exc}") from exc


def _projection() -> str:
    cols = []
    for c in LOG_COLUMNS:
        if c in ENUM_COLUMNS:
            cols.append(f"CAST({c} AS {ENUM_COLUMNS[c]}) AS {c}")
        elif c == "metadata":
            cols.append("CAST(metadata AS JSON) AS metadata")
        elif c == "created_at":
            cols.append("CAST(created_at AS TIMESTAMPTZ) AS created_at")
        else:
            cols.append(c)
    return ", ".join(cols)


def _duck_type(field: pa.Field) -> str:
    t = field.type
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    return {"int64": "BIGINT", "bool": "BOOLEAN", "double": "DOUBLE"}.get(str(t), "VARCHAR")


def _read_csv(path: Path) -> str:
    """DuckDB's reader for PostgreSQL's ``COPY … (FORMAT csv)``: an unquoted empty field is NULL,
    a quoted one an empty string, booleans t/f, times with their offset."""
    columns = ", ".join(f"'{f.name}': '{_duck_type(f)}'" for f in LOG_FIELDS)
    quoted = str(path).replace("'", "''")
    return (
        f"read_csv('{quoted}', header = false, auto_detect = false, allow_quoted_nulls = false, "
        f"delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})"
    )


def connect(
    root: Path, *, extra: Sequence[pa.Table | Path] = (), days: Sequence[date] | None = None
) -> tuple[duckdb.DuckDBPyConnection, int]:
    """An in-memory DuckDB whose view ``logs`` reads the archived days under ``root``.

    ``days``: only these days' files (a query's window); None: every archived day. ``extra`` are
    rows not archived yet added to the view: Arrow tables in the archive schema, or CSV files of
    the 21 columns as PostgreSQL's COPY writes them. Returns the
    connection and the number of Parquet files behind the view.
    """
    if days is None:
        files = sorted(str(p) for p in root.glob("logs/date=*/logs.parquet"))
    else:
        files = [str(root / relative_path(d)) for d in sorted(days) if (root / relative_path(d)).exists()]
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for name, labels in ENUMS.items():
        values = ", ".join("'" + v + "'" for v in labels)
        con.execute(f"CREATE TYPE {name} AS ENUM ({values})")
    sources = []
    if files:
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        sources.append(f"SELECT {_projection()} FROM read_parquet([{listed}], hive_partitioning = false)")
    for i, more in enumerate(extra):
        if isinstance(more, Path):  # PostgreSQL's CSV of the 21 columns (route.copy_unarchived)
            sources.append(f"SELECT {_projection()} FROM {_read_csv(more)}")
        else:
            con.register(f"_extra_{i}", more.select(list(LOG_COLUMNS)))
            sources.append(f"SELECT {_projection()} FROM _extra_{i}")
    if not sources:
        con.register("_empty", ARCHIVE_SCHEMA.empty_table().select(list(LOG_COLUMNS)))
        sources.append(f"SELECT {_projection()} FROM _empty")
    con.execute("CREATE VIEW logs AS " + " UNION ALL ".join(sources))
    return con, len(files)


def run(
    root: Path, guarded_sql: str, *, extra: Sequence[pa.Table | Path] = (), days: Sequence[date] | None = None
) -> ArchiveResult:
    """Run already-guarded PostgreSQL ``guarded_sql`` over the archive under ``root`` (``days``:
    only those days' files)."""
    duck_sql = to_duckdb(guarded_sql)
    started = time.perf_counter()
    con, files = connect(root, extra=extra, days=days)
    try:
        cursor = con.execute(duck_sql)
        columns = [d[0] for d in cursor.description or []]
        rows = [tuple(r) for r in cursor.fetchall()]
    except duckdb.Error as exc:
        raise ArchiveQueryError(f"the archive refused the query: {exc}") from exc
    finally:
        con.close()
    return ArchiveResult(columns, rows, (time.perf_counter() - started) * 1000, duck_sql, files)
