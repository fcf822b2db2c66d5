"""JSON encoding of batches: orjson when installed, the standard library otherwise.

Metadata is whatever the application passed, so anything JSON does not know (datetime, UUID,
Decimal, sets, arbitrary objects) is turned into something it does rather than failing the batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

try:  # pragma: no branch
    import orjson
except ImportError:  # pragma: no cover - the package works without it
    orjson = None  # type: ignore[assignment]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON: null (what orjson writes) instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


if orjson is not None:
    _OPTIONS = orjson.OPT_NON_STR_KEYS

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value, default=_default, option=_OPTIONS)

else:  # pragma: no cover

    def dumps(value: Any) -> bytes:
        return json.dumps(
            value, default=_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()


def dumps_lenient(value: Any) -> bytes:
    """For the one record orjson refused (e.g. an int beyond 64 bits): the standard library."""
    return json.dumps(
        _finite(value), default=_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
