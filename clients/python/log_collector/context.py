"""Request context on :mod:`contextvars`: fields every record logged inside it carries.

``with log_context(trace_id=..., user_id=...):`` works across threads started with a copied
context and across ``await`` (each asyncio task has its own context), so concurrent requests
never see each other's trace ids.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from log_collector._fields import COLUMN_FIELDS


class _Context:
    """One immutable layer: all fields, split once into columns and metadata."""

    __slots__ = ("columns", "fields", "metadata")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.columns = {k: v for k, v in fields.items() if k in COLUMN_FIELDS and v is not None}
        meta = {k: v for k, v in fields.items() if k not in COLUMN_FIELDS and k != "metadata"}
        explicit = fields.get("metadata")
        if isinstance(explicit, dict):
            meta.update(explicit)
        self.metadata = meta or None


_CURRENT: ContextVar[_Context | None] = ContextVar("log_collector_context", default=None)


def bind_context(**fields: Any) -> Token[_Context | None]:
    """Add fields to the current context; returns a token for :func:`reset_context`."""
    parent = _CURRENT.get()
    merged = {**parent.fields, **fields} if parent is not None else fields
    return _CURRENT.set(_Context(merged))


def reset_context(token: Token[_Context | None]) -> None:
    _CURRENT.reset(token)


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Records logged inside carry ``fields`` (nested contexts merge, inner wins)."""
    token = bind_context(**fields)
    try:
        yield get_context()
    finally:
        try:
            _CURRENT.reset(token)
        except ValueError:  # exited in another Context (e.g. a generator resumed elsewhere)
            _CURRENT.set(None)


def get_context() -> dict[str, Any]:
    """A copy of the fields currently bound."""
    current = _CURRENT.get()
    return dict(current.fields) if current is not None else {}


def new_trace_id() -> str:
    """A random W3C trace id: 32 lowercase hex digits."""
    return os.urandom(16).hex()


def new_span_id() -> str:
    return os.urandom(8).hex()


def traceparent(trace_id: str | None = None) -> str | None:
    """A W3C ``traceparent`` header for an outgoing call in the current trace (None outside one)."""
    trace_id = trace_id or get_context().get("trace_id")
    if not trace_id:
        return None
    return f"00-{trace_id}-{new_span_id()}-01"


_HEX = frozenset("0123456789abcdef")


def parse_traceparent(header: str | None) -> str | None:
    """The trace id of a valid W3C ``traceparent`` header, else None."""
    if not header:
        return None
    parts = header.strip().lower().split("-")
    if len(parts) < 4:
        return None
    version, trace_id, parent_id, flags = parts[:4]
    if len(version) != 2 or version == "ff" or not set(version) <= _HEX:
        return None
    if version == "00" and len(parts) != 4:
        return None
    if len(trace_id) != 32 or not set(trace_id) <= _HEX or trace_id == "0" * 32:
        return None
    if len(parent_id) != 16 or not set(parent_id) <= _HEX or parent_id == "0" * 16:
        return None
    if len(flags) != 2 or not set(flags) <= _HEX:
        return None
    return trace_id
