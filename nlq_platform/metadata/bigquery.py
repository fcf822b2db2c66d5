"""Reading a schema snapshot from BigQuery (the seed's ``SchemaFetcher``), and a cheap change check.

Plain functions over a ``google.cloud.bigquery.Client`` — the Dagster assets pass the one from
dagster-gcp's ``BigQueryResource.get_client()``.

Nested fields. ``tables.get`` returns RECORD (STRUCT) columns with their sub-fields nested; the
snapshot flattens them to dotted paths in depth-first order, keeping the RECORD itself too::

    event_params                         RECORD   REPEATED
    event_params.key                     STRING   NULLABLE  … [inside REPEATED event_params: UNNEST]
    event_params.value                   RECORD   NULLABLE  … [inside REPEATED event_params: UNNEST]
    event_params.value.string_value      STRING   NULLABLE  … [inside REPEATED event_params: UNNEST]
    device.web_info.browser              STRING   NULLABLE

Type and mode stay exactly as BigQuery reports them (legacy names: INTEGER, FLOAT, RECORD …; a
child of a REPEATED record keeps its own mode, usually NULLABLE). A child of a REPEATED record can
only be read through ``UNNEST`` (``FROM t, UNNEST(t.event_params) AS p WHERE p.key = …``), never as
``t.event_params.key``; that fact is appended to its description as
``[inside REPEATED <ancestor>[, <ancestor>…]: UNNEST]`` so the prompt's DDL carries it, rather than
bent into the mode (which would make the column look like an array of its own).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from google.api_core.exceptions import NotFound
from google.cloud.bigquery import QueryJobConfig, ScalarQueryParameter, SchemaField, TableReference

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table

if TYPE_CHECKING:
    from google.cloud.bigquery import Client

#: The per-table column listing; project and dataset are identifiers (not parameterisable), the
#: table name is a query parameter.
COLUMNS_SQL = (
    "SELECT column_name, data_type, ordinal_position "
    "FROM `{project}.{dataset}.INFORMATION_SCHEMA.COLUMNS` "
    "WHERE table_name = @t ORDER BY ordinal_position"
)

_PROJECT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")  # also "example.com:my-project"
_DATASET_RE = re.compile(r"^[A-Za-z0-9_]+$")


class BigQueryTableNotFoundError(ValueError):
    """The table (or its dataset/project) does not exist or is not visible to the credentials."""

    def __init__(self, table_id: str, detail: str = "") -> None:
        self.table_id = table_id
        message = f"BigQuery table {table_id!r} not found"
        super().__init__(f"{message}: {detail}" if detail else message)


def _detail(exc: NotFound) -> str:
    """BigQuery's own message ("Not found: Table p:d.t"), without the client's request URL."""
    errors = exc.errors or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return str(first.get("message") or exc.message)


def _reference(client: Client, table_id: str) -> TableReference:
    return TableReference.from_string(table_id, default_project=client.project)


def _full_id(ref: TableReference) -> str:
    return f"{ref.project}.{ref.dataset_id}.{ref.table_id}"


def _flatten(
    fields: Sequence[SchemaField], prefix: str = "", repeated: tuple[str, ...] = ()
) -> Iterator[Column]:
    for field in fields:
        path = f"{prefix}{field.name}"
        description = field.description or ""
        if repeated:
            note = f"[inside REPEATED {', '.join(repeated)}: UNNEST]"
            description = f"{description} {note}" if description else note
        yield Column(name=path, type=field.field_type, mode=field.mode or "NULLABLE", description=description)
        if field.fields:
            below = (*repeated, path) if field.mode == "REPEATED" else repeated
            yield from _flatten(field.fields, f"{path}.", below)


def fetch_bigquery_table(client: Client, table_id: str) -> Table:
    """``tables.get`` → a :class:`Table` whose id is the full ``project.dataset.table``."""
    ref = _reference(client, table_id)
    try:
        bq_table = client.get_table(ref)
    except NotFound as exc:
        raise BigQueryTableNotFoundError(_full_id(ref), _detail(exc)) from exc
    return Table(
        table_id=_full_id(bq_table.reference),
        columns=tuple(_flatten(bq_table.schema)),
        description=bq_table.description or "",
        source="bigquery",
    )


def fetch_bigquery_snapshot(client: Client, table_ids: Iterable[str]) -> SchemaSnapshot:
    """All ``table_ids``; a missing one raises :class:`BigQueryTableNotFoundError`."""
    return SchemaSnapshot(
        tables=tuple(fetch_bigquery_table(client, t) for t in table_ids), dialect="bigquery"
    )


def bigquery_columns_fingerprint(client: Client, table_id: str, *, location: str | None = None) -> str:
    """A hash of the table's top-level ``INFORMATION_SCHEMA.COLUMNS`` rows (name, type, position).

    One metadata query instead of ``tables.get``: cheap enough for a sensor. Nested changes show up
    too, because a RECORD's ``data_type`` spells out its whole ``STRUCT<…>``.
    """
    ref = _reference(client, table_id)
    if not _PROJECT_RE.match(ref.project) or not _DATASET_RE.match(ref.dataset_id):
        raise ValueError(f"not a plain BigQuery table id: {table_id!r}")
    sql = COLUMNS_SQL.format(project=ref.project, dataset=ref.dataset_id)
    config = QueryJobConfig(query_parameters=[ScalarQueryParameter("t", "STRING", ref.table_id)])
    try:
        rows = client.query_and_wait(sql, job_config=config, location=location, project=client.project)
        listing = [[r["column_name"], r["data_type"], int(r["ordinal_position"])] for r in rows]
    except NotFound as exc:  # the dataset (or project) is gone
        raise BigQueryTableNotFoundError(_full_id(ref), _detail(exc)) from exc
    if not listing:
        raise BigQueryTableNotFoundError(_full_id(ref), "no columns in INFORMATION_SCHEMA.COLUMNS")
    canonical = json.dumps(listing, separators=(",", ":"))
    return hashlib.sha256(f"{_full_id(ref)}\n{canonical}".encode()).hexdigest()[:16]
