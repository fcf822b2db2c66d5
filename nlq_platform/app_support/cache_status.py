"""The metadata cache as the sidebar shows it: when generated, which tables, how many examples,
fresh or stale — and its example questions (the few-shot cache) for the sidebar's buttons."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nlq_platform.config import Settings
from nlq_platform.metadata.store import (
    CacheError,
    CacheStore,
    default_cache_uri,
    document_metadata,
    is_expired,
    store_from_uri,
)


@dataclass(frozen=True)
class ExampleQuestion:
    question: str
    sql: str
    table_id: str = "logs"


@dataclass
class CacheStatus:
    uri: str
    exists: bool = False
    generated_at: datetime | None = None
    tables: list[str] = field(default_factory=list)
    examples_count: int = 0
    fresh: bool = False
    max_age_hours: float = 24
    examples: list[ExampleQuestion] = field(default_factory=list)
    error: str | None = None

    @property
    def state(self) -> str:
        """'missing', 'unreadable', 'fresh' or 'stale'."""
        if self.error:
            return "unreadable"
        if not self.exists:
            return "missing"
        return "fresh" if self.fresh else "stale"

    def age_text(self, now: datetime | None = None) -> str:
        """'3 h ago'-style age of the document (empty when unknown)."""
        if self.generated_at is None:
            return ""
        seconds = max(0.0, ((now or datetime.now(UTC)) - self.generated_at).total_seconds())
        if seconds < 90:
            return f"{seconds:.0f} s"
        if seconds < 90 * 60:
            return f"{seconds / 60:.0f} min"
        if seconds < 48 * 3600:
            return f"{seconds / 3600:.1f} h"
        return f"{seconds / 86400:.1f} d"


def _examples(document: dict[str, Any]) -> list[ExampleQuestion]:
    found, seen = [], set()
    for item in document.get("examples") or []:
        if not isinstance(item, dict):
            continue
        question, sql = item.get("question"), item.get("sql")
        if isinstance(question, str) and isinstance(sql, str) and question.strip() and question not in seen:
            seen.add(question)
            found.append(ExampleQuestion(question.strip(), sql, str(item.get("table_id") or "logs")))
    return found


# The document is read again only when the store's cheap version token changes.
_documents: dict[str, tuple[str, dict[str, Any]]] = {}
_lock = threading.Lock()


def _document(store: CacheStore) -> dict[str, Any] | None:
    version = store.version()
    if version is None:
        return None
    with _lock:
        held = _documents.get(store.uri)
        if held and held[0] == version:
            return held[1]
    document = store.read()
    if document is None:
        return None
    with _lock:
        _documents[store.uri] = (version, document)
    return document


def cache_status(
    settings: Settings, store: CacheStore | None = None, now: datetime | None = None
) -> CacheStatus:
    """The cache's status; never raises (an unreachable or corrupt cache is ``error``)."""
    uri = store.uri if store is not None else default_cache_uri(settings)
    status = CacheStatus(uri=uri, max_age_hours=settings.cache_max_age_hours)
    try:
        store = store or store_from_uri(uri)
        info = store.info()
        status.exists = info.exists
        if not info.exists:
            return status
        document = _document(store) or {}
    except CacheError as exc:
        status.error = str(exc)
        return status
    except Exception as exc:  # GCS credentials, network: the sidebar says so, the app keeps working
        status.error = f"cannot read the metadata cache: {type(exc).__name__}: {exc}"
        return status
    metadata = {**document_metadata(document), **info.metadata} if document else dict(info.metadata)
    status.generated_at = info.generated_at
    status.tables = [t for t in metadata.get("schema_table", "").split(",") if t]
    status.examples = _examples(document)
    try:
        status.examples_count = int(metadata.get("examples_count", len(status.examples)))
    except ValueError:
        status.examples_count = len(status.examples)
    status.fresh = not is_expired(info, settings.cache_max_age_hours, now)
    return status
