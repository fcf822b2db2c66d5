"""What an engine knows when it writes SQL: schema, value catalog and few-shot examples.

Built from the metadata cache document (Dagster writes it) or, when there is none, straight from
the live database — the same shape either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nlq_platform.metadata.schema import SchemaSnapshot


@dataclass(frozen=True)
class Example:
    question: str
    sql: str
    table_id: str = "logs"


@dataclass
class Context:
    schema: SchemaSnapshot
    #: column → most frequent values, e.g. {"service": ["payment-api", ...]}
    catalog: dict[str, list[str]] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    generated_at: str | None = None

    def values(self, column: str) -> list[str]:
        return self.catalog.get(column, [])

    @classmethod
    def from_cache_document(cls, doc: dict[str, Any]) -> Context:
        """The seed's metadata_cache.json (plus catalog) → Context."""
        catalog: dict[str, list[str]] = {}
        for key, entry in (doc.get("catalog") or {}).items():
            # {table_id: {column: [{value, count}]}}, or a single table's {column: [...]}
            columns = entry if isinstance(entry, dict) else {key: entry}
            for column, values in columns.items():
                merged = catalog.setdefault(column, [])
                for v in values:
                    value = v["value"] if isinstance(v, dict) else v
                    if value not in merged:
                        merged.append(value)
        examples = [
            Example(question=e["question"], sql=e["sql"], table_id=e.get("table_id", "logs"))
            for e in doc.get("examples") or []
        ]
        return cls(
            schema=SchemaSnapshot.from_dict(doc.get("schema") or {}),
            catalog=catalog,
            examples=examples,
            generated_at=doc.get("generated_at"),
        )
