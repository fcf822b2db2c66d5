"""Turning a request body into a list of wire records: JSON array, ``{"logs": [...]}`` or NDJSON,
optionally gzip-compressed, within the configured size limits.

Any content type other than NDJSON is read as JSON, ``text/plain`` included on purpose: it is
what ``navigator.sendBeacon`` sends for a string or text Blob, and a body type a browser may post
cross-origin without a CORS preflight (which a beacon cannot make).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


class BodyError(Exception):
    """The whole body is unusable; ``status`` is the HTTP answer (400 or 413)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ParsedBody:
    records: list[Any]
    #: index → error for NDJSON lines that were not JSON (their neighbours still count)
    line_errors: dict[int, str] = field(default_factory=dict)


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress with a hard output limit, so a small gzip bomb cannot exhaust memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BodyError(400, f"body is not valid gzip: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise BodyError(413, f"decompressed body exceeds {limit} bytes")
    if not inflater.eof:
        raise BodyError(400, "gzip body is truncated")
    return out


def _parse_ndjson(data: bytes) -> ParsedBody:
    records: list[Any] = []
    errors: dict[int, str] = {}
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            records.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            errors[len(records)] = f"line is not valid JSON: {exc}"
            records.append(None)
    return ParsedBody(records, errors)


def _parse_json(data: bytes) -> ParsedBody:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BodyError(400, f"body is not valid JSON: {exc}") from exc
    if isinstance(doc, dict):
        if "logs" in doc:
            doc = doc["logs"]
            if not isinstance(doc, list):
                raise BodyError(400, '"logs" must be an array of log records')
        else:  # a single record
            doc = [doc]
    if not isinstance(doc, list):
        raise BodyError(400, 'body must be an array of log records or {"logs": [...]}')
    return ParsedBody(doc)


def inflate(data: bytes, content_encoding: str, max_bytes: int) -> bytes:
    """Undo ``Content-Encoding`` (gzip or none) within the size limit."""
    encoding = content_encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return gunzip(data, max_bytes)
    if encoding not in ("", "identity"):
        raise BodyError(400, f"unsupported Content-Encoding {content_encoding!r} (use gzip)")
    return data


def is_ndjson(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in NDJSON_TYPES


def parse(data: bytes, content_type: str, max_records: int) -> ParsedBody:
    """Split an (inflated) body into wire records; :class:`BodyError` when it is no batch at all."""
    parsed = _parse_ndjson(data) if is_ndjson(content_type) else _parse_json(data)
    check_batch_size(len(parsed.records), max_records)
    return parsed


def check_batch_size(count: int, max_records: int) -> None:
    if count > max_records:
        raise BodyError(413, f"batch has {count} records; the limit is {max_records}")
