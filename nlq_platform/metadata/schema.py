"""The schema snapshot: what SQL generation and the guard know about the tables.

One plain data structure shared by every producer (PostgreSQL introspection here, BigQuery and
the Dagster assets later) and every consumer (the guard, the engines, the app). It serialises to
the ``schema`` part of the seed's ``metadata_cache.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the database's type name: "timestamp with time zone", "log_level", "STRING" …
    mode: str = "NULLABLE"  # NULLABLE / REQUIRED / REPEATED (BigQuery's vocabulary)
    description: str = ""
    enum_values: tuple[str, ...] = ()  # labels of an enum type, in order


@dataclass(frozen=True)
class Table:
    table_id: str  # as written in SQL: "logs", or "project.dataset.events_20210131"
    columns: tuple[Column, ...]
    description: str = ""
    source: str = "postgres"  # postgres or bigquery

    def column(self, name: str) -> Column | None:
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class SchemaSnapshot:
    tables: tuple[Table, ...]
    dialect: str = "postgres"  # sqlglot dialect of the tables' database
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def table(self, name: str) -> Table | None:
        """Find a table by its id or by its last dotted part, case-insensitively."""
        lowered = name.lower()
        for t in self.tables:
            if t.table_id.lower() == lowered or t.table_id.lower().rsplit(".", 1)[-1] == lowered:
                return t
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"dialect": self.dialect, "tables": [asdict(t) for t in self.tables]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaSnapshot:
        tables = []
        for t in data.get("tables", []):
            columns = tuple(
                Column(**{**c, "enum_values": tuple(c.get("enum_values") or ())}) for c in t["columns"]
            )
            tables.append(
                Table(
                    table_id=t["table_id"],
                    columns=columns,
                    description=t.get("description", ""),
                    source=t.get("source", "postgres"),
                )
            )
        return cls(tables=tuple(tables), dialect=data.get("dialect", "postgres"))
