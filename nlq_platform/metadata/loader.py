"""The engine side of the metadata cache: the seed's ``CacheLoader``, improved.

The seed re-downloaded ``metadata_cache.json`` once an hour. This loader keeps that TTL as a safety
net but also asks the store for its cheap :meth:`~nlq_platform.metadata.store.CacheStore.version`
(file stat / blob generation) at most every ``check_interval_s`` seconds, so a cache refreshed by
Dagster is picked up within seconds, without a restart and without downloading it on every
question. A store that cannot be read (network, corrupt document) never takes the last good
document away: the failure is logged and retried after ``check_interval_s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

from nlq_platform.metadata.store import CacheStore
from nlq_platform.text_to_sql.context import Context

log = structlog.get_logger(__name__)


class CacheLoader:
    def __init__(
        self,
        store: CacheStore,
        ttl_s: float = 3600,
        clock: Callable[[], float] = time.monotonic,
        check_interval_s: float = 5.0,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.check_interval_s = check_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._document: dict[str, Any] | None = None
        self._context: Context | None = None
        self._version: str | None = None
        self._loaded_at: float | None = None  # last successful read
        self._checked_at: float | None = None  # last time the store was asked anything

    def __repr__(self) -> str:
        return f"CacheLoader({self.store!r}, ttl_s={self.ttl_s})"

    def document(self) -> dict[str, Any] | None:
        """The parsed cache document (None while there is none), re-read when needed."""
        with self._lock:
            self._refresh()
            return self._document

    def context(self) -> Context | None:
        """:meth:`document` as a :class:`Context` (built once per document)."""
        with self._lock:
            self._refresh()
            return self._context

    @property
    def version(self) -> str | None:
        """The store version of the document currently held."""
        return self._version

    def invalidate(self) -> None:
        """Make the next call read the store again (the held document stays until then)."""
        with self._lock:
            self._loaded_at = None
            self._checked_at = None

    # --- internals (called with the lock held) -------------------------------------------------

    def _refresh(self) -> None:
        now = self._clock()
        gap = min(self.check_interval_s, self.ttl_s)
        if self._checked_at is not None and now - self._checked_at < gap:
            return  # asked recently: no I/O at all
        self._checked_at = now
        try:
            if self._loaded_at is None or now - self._loaded_at >= self.ttl_s:
                self._load(now, reason="ttl" if self._loaded_at is not None else "first")
                return
            version = self.store.version()
            if version != self._version:
                self._load(now, reason="changed", version=version)
        except Exception as exc:
            log.warning(
                "metadata cache read failed; keeping the last good document",
                uri=self.store.uri,
                error=f"{type(exc).__name__}: {exc}",
                have_document=self._document is not None,
            )

    def _load(self, now: float, reason: str, version: str | None = None) -> None:
        # The version is taken before the read: a write in between makes the next check re-read,
        # never the other way round (a new document hidden behind an old version).
        if version is None:
            version = self.store.version()
        document = self.store.read()
        context = Context.from_cache_document(document) if document is not None else None
        if document is None and self._document is not None:
            log.info("metadata cache document is gone", uri=self.store.uri)
        elif document is not None and version != self._version:
            # the first load is start-up progress (DEBUG: `nlq ask --json` keeps stderr empty);
            # a reload in a long-running process (the app) is news
            (log.debug if reason == "first" else log.info)(
                "metadata cache loaded",
                uri=self.store.uri,
                reason=reason,
                version=version,
                generated_at=document.get("generated_at"),
            )
        self._document, self._context, self._version = document, context, version
        self._loaded_at = now
