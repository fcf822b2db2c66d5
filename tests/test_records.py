"""Record normalisation, unit by unit (pure Python, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from ingest_service import body, enums
from ingest_service.records import COLUMNS, RecordError, ServiceNotAllowed, normalise, parse_timestamp

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BASE = {"message": "m", "service": "svc", "log_type": "BACKEND"}


def row(**fields: object) -> dict[str, object]:
    return dict(zip(COLUMNS, normalise({**BASE, **fields}, NOW), strict=True))


@pytest.mark.parametrize(
    ("raw", "level"),
    [("warning", "WARN"), ("Warn", "WARN"), ("critical", "FATAL"), ("err", "ERROR"), ("debug", "DEBUG"),
     (" info ", "INFO"), ("notice", "INFO"), ("TRACE", "TRACE"), ("fatal", "FATAL")],
)  # fmt: skip
def test_level_aliases(raw: str, level: str) -> None:
    assert row(level=raw)["level"] == level


@pytest.mark.parametrize(
    ("raw", "env"),
    [("prod", "production"), ("PRODUCTION", "production"), ("dev", "development"), ("stage", "staging"),
     ("stg", "staging"), ("qa", "test"), ("local", "local")],
)  # fmt: skip
def test_environment_aliases(raw: str, env: str) -> None:
    assert row(environment=raw)["environment"] == env


def test_log_type_and_method_aliases() -> None:
    assert row(log_type="browser")["log_type"] == "FRONTEND"
    assert row(log_type="job")["log_type"] == "WORKER"
    assert row(method="patch")["method"] == "PATCH"
    with pytest.raises(RecordError, match="method must be one of"):
        row(method="FETCH")


def test_defaults() -> None:
    r = row()
    assert (r["level"], r["environment"], r["service_version"], r["deleted"]) == (
        "INFO", "development", "v0.0.0-dev", False,
    )  # fmt: skip
    assert r["created_at"] == NOW and r["metadata"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-21T10:00:00Z", "2026-11-21T10:00:00+00:00"),
        ("2026-11-21T19:00:00+09:00", "2026-11-21T10:00:00+00:00"),
        ("2026-11-21 10:00:00", "2026-11-21T10:00:00+00:00"),
        (1763719200000, "2025-11-21T10:00:00+00:00"),
        ("1763719200000", "2025-11-21T10:00:00+00:00"),
        (1763719200, "2025-11-21T10:00:00+00:00"),  # seconds, recognised by magnitude
        (1763719200123.5, "2025-11-21T10:00:00.123500+00:00"),
    ],
)
def test_timestamps(value: object, expected: str) -> None:
    assert parse_timestamp(value, NOW).isoformat() == expected


@pytest.mark.parametrize("value", ["not a date", True, [1], 1e30, float("nan"), {"a": 1}])
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(RecordError, match="created_at"):
        parse_timestamp(value, NOW)


def test_required_fields() -> None:
    for missing in ("message", "service", "log_type"):
        raw = {k: v for k, v in BASE.items() if k != missing}
        with pytest.raises(RecordError, match=f"{missing} is required"):
            normalise(raw, NOW)


def test_lengths_are_checked_in_characters() -> None:
    assert row(service="가" * 100)["service"] == "가" * 100
    with pytest.raises(RecordError, match="service is longer than 100"):
        row(service="가" * 101)
    with pytest.raises(RecordError, match="trace_id is longer than 32"):
        row(trace_id="a" * 33)


def test_dashed_uuid_trace_id_becomes_w3c() -> None:
    assert (
        row(trace_id="4bf92f35-77b3-4da6-a3ce-929d0e0e4736")["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    )


def test_unknown_fields_go_to_metadata_and_explicit_metadata_wins() -> None:
    r = row(browser="firefox", region="kr", metadata={"region": "us", "cart": 3})
    assert orjson.loads(r["metadata"]) == {"browser": "firefox", "region": "us", "cart": 3}


def test_nul_characters_are_replaced_not_fatal() -> None:
    r = row(message="a\x00b", metadata={"k\x00": "v\x00"})
    assert r["message"] == "a\ufffdb"
    assert orjson.loads(r["metadata"]) == {"k\ufffd": "v\ufffd"}


def test_numbers_and_types() -> None:
    assert row(duration_ms="12.5")["duration_ms"] == 12.5
    assert row(user_id=42)["user_id"] == "42"
    for bad in ({"duration_ms": True}, {"duration_ms": 1e8}, {"message": 5}, {"deleted": "yes"},
                {"metadata": [1]}, {"user_id": {"id": 1}}):  # fmt: skip
        with pytest.raises(RecordError):
            row(**bad)


def test_bound_service() -> None:
    assert normalise({"message": "m", "log_type": "BACKEND"}, NOW, "payment-api")[3] == "payment-api"
    with pytest.raises(ServiceNotAllowed):
        normalise({**BASE, "service": "other"}, NOW, "payment-api")


def test_enum_tables_cover_the_schema() -> None:
    assert set(enums.LEVEL_ALIASES.values()) == set(enums.LOG_LEVELS)
    assert set(enums.ENVIRONMENT_ALIASES.values()) == set(enums.ENVIRONMENTS)


def test_body_shapes() -> None:
    assert body.parse(b'[{"a":1}]', "application/json", 10).records == [{"a": 1}]
    assert body.parse(b'{"logs":[{"a":1}]}', "application/json", 10).records == [{"a": 1}]
    assert body.parse(b'{"message":"m"}', "application/json", 10).records == [{"message": "m"}]
    nd = body.parse(b'{"a":1}\n\n[oops\n{"b":2}\n', "application/x-ndjson; charset=utf-8", 10)
    assert nd.records[0] == {"a": 1} and nd.records[2] == {"b": 2} and 1 in nd.line_errors
    with pytest.raises(body.BodyError) as err:
        body.parse(b"[1,2,3]", "application/json", 2)
    assert err.value.status == 413
