"""The msgspec fast path must build exactly the rows of the per-record path whenever it accepts
a batch, and must decline (None) whatever the per-record path would treat specially."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.records import generate
from ingest_service import enums
from ingest_service.fast_decode import decode_rows
from ingest_service.records import RecordError, normalise

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def comparable(rows: list[tuple] | None) -> list[tuple] | None:
    """Metadata compared as JSON values: the fast path keeps the client's JSON text."""
    if rows is None:
        return None
    return [(*row[:-1], None if row[-1] is None else orjson.loads(row[-1])) for row in rows]


def slow_rows(body: bytes, bound: str | None = None) -> list[tuple] | None:
    doc = orjson.loads(body)
    records = doc["logs"] if isinstance(doc, dict) else doc
    try:
        return [normalise(r, NOW, bound) for r in records]
    except RecordError:
        return None


def test_realistic_batches_take_the_fast_path_with_identical_rows() -> None:
    records = list(generate(3000))
    body = orjson.dumps(records)
    fast = decode_rows(body, NOW, None)
    assert fast is not None
    assert comparable(fast) == comparable(slow_rows(body))
    assert comparable(decode_rows(orjson.dumps({"logs": records[:10]}), NOW, None)) == comparable(
        slow_rows(body)[:10]
    )


def test_anything_special_goes_to_the_per_record_path() -> None:
    base = {"message": "m", "service": "s", "log_type": "BACKEND"}
    for special in (
        {"level": "warning"},  # alias
        {"extra": 1},  # unknown field → metadata
        {"user_id": ""},  # empty string → NULL
        {"message": "a\x00b"},  # NUL → U+FFFD
        {"trace_id": "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"},  # dashed UUID
        {"user_id": 42},  # number → text
        {"level": None},  # explicit null → default
        {"created_at": "1763719200000"},
        {"path": "x" * 501},  # too long: reported by index
    ):
        assert decode_rows(orjson.dumps([base, {**base, **special}]), NOW, None) is None, special
    assert decode_rows(orjson.dumps([base]), NOW, "other") is None  # service binding
    assert decode_rows(orjson.dumps([{"message": "m", "log_type": "BACKEND"}]), NOW, "s")[0][3] == "s"
    assert decode_rows(b"[1]", NOW, None) is None
    assert decode_rows(b"not json", NOW, None) is None


texts = st.one_of(st.none(), st.text(max_size=40), st.integers(-5, 5))
timestamps = st.one_of(
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(datetime.isoformat),
)
stacks = st.sampled_from(
    [
        'Traceback (most recent call last):\n  File "/app/a.py", line 3, in f\nE: x',
        "TypeError: x\n    at render (http://localhost:5173/src/App.svelte:4:2)",
        "no frames here",
    ]
)
# Records a well-behaved client sends: the fast path should take them.
canonical = st.fixed_dictionaries(
    {
        "message": st.text(min_size=1, max_size=20),
        "log_type": st.sampled_from(enums.SOURCE_TYPES),
        "service": st.sampled_from(["payment-api", "web-app"]),
    },
    optional={
        "level": st.sampled_from(enums.LOG_LEVELS),
        "environment": st.sampled_from(enums.ENVIRONMENTS),
        "method": st.one_of(st.sampled_from(enums.HTTP_METHODS), st.none()),
        "created_at": timestamps,
        "trace_id": st.one_of(st.none(), st.text(min_size=1, max_size=32)),
        "user_id": st.one_of(st.none(), st.text(min_size=1, max_size=20)),
        "path": st.one_of(st.none(), st.text(min_size=1, max_size=500)),
        "stack_trace": stacks,
        "function_name": st.one_of(st.none(), st.text(min_size=1, max_size=30)),
        "duration_ms": st.one_of(
            st.none(), st.floats(0, 9_999_999, allow_nan=False), st.integers(0, 10**6), st.just("12.5")
        ),
        "deleted": st.booleans(),
        "metadata": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), texts, max_size=3)),
    },
)
# Anything goes: wrong types, aliases, unknown fields, out-of-range values.
messy = st.fixed_dictionaries(
    {"message": st.one_of(st.text(max_size=20), st.none())},
    optional={
        "service": st.one_of(st.sampled_from(["payment-api", "web-app", ""]), texts),
        "log_type": st.one_of(st.sampled_from(enums.SOURCE_TYPES), st.sampled_from(["backend", "x"])),
        "level": st.one_of(st.sampled_from(enums.LOG_LEVELS), st.sampled_from(["warning", "bad"]), st.none()),
        "environment": st.one_of(st.sampled_from(enums.ENVIRONMENTS), st.just("prod")),
        "method": st.one_of(st.sampled_from(enums.HTTP_METHODS), st.none(), st.just("get")),
        "created_at": st.one_of(st.none(), timestamps, st.text(max_size=30)),
        "trace_id": texts,
        "user_id": texts,
        "path": st.one_of(texts, st.text(min_size=495, max_size=505)),
        "stack_trace": st.one_of(texts, stacks),
        "function_name": texts,
        "duration_ms": st.one_of(st.none(), st.floats(-1, 1e8, allow_nan=False), st.integers(-1, 10**8)),
        "deleted": st.one_of(st.booleans(), st.none()),
        "metadata": st.one_of(
            st.none(), st.integers(-5, 5), st.dictionaries(st.text(max_size=5), texts, max_size=3)
        ),
        "unknown": texts,
    },
)


def test_canonical_records_take_the_fast_path() -> None:
    accepted = 0

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.lists(canonical, min_size=1, max_size=4))
    def run(records: list[dict]) -> None:
        nonlocal accepted
        accepted += decode_rows(orjson.dumps(records), NOW, None) is not None

    run()
    assert accepted >= 100


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(canonical, messy), min_size=1, max_size=4), st.sampled_from([None, "payment-api"]))
def test_fast_path_agrees_with_per_record_path(records: list[dict], bound: str | None) -> None:
    body = orjson.dumps(records)
    fast = decode_rows(body, NOW, bound)
    if fast is not None:
        assert comparable(fast) == comparable(slow_rows(body, bound))
