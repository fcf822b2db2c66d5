"""The metadata cache stores (local file, GCS against a real gcp-storage-emulator server) and the
engine-side CacheLoader."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gcp_storage_emulator.server import create_server
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from structlog.testing import capture_logs

from nlq_platform.config import Settings
from nlq_platform.metadata.document import build_document
from nlq_platform.metadata.loader import CacheLoader
from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.metadata.store import (
    CacheError,
    CacheInfo,
    CacheStore,
    FileStore,
    GCSStore,
    default_cache_uri,
    is_expired,
    store_from_uri,
)
from nlq_platform.text_to_sql.context import Context

GENERATED = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)


def make_document(
    *tables: str, n_examples: int = 2, generated_at: datetime = GENERATED, service: str = "payment-api"
) -> dict[str, Any]:
    tables = tables or ("logs",)
    snapshot = SchemaSnapshot(
        tables=tuple(
            Table(
                table_id=t,
                columns=(
                    Column("ts", "timestamp with time zone", description="이벤트 발생 시간"),
                    Column("service", "text"),
                ),
            )
            for t in tables
        )
    )
    examples = [
        {"question": f"질문 {i}: 총 이벤트 수는?", "sql": f"SELECT count(*) FROM {tables[0]} -- {i}"}
        for i in range(n_examples)
    ]
    catalog = {tables[0]: {"service": [{"value": service, "count": 3}]}}
    document = build_document(snapshot, catalog, examples, generated_at=generated_at)
    return json.loads(json.dumps(document))  # as read back: tuples become lists


# --- the local file store ------------------------------------------------------------------------


def test_file_store_round_trip(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "sub" / "metadata_cache.json")
    assert isinstance(store, CacheStore)
    assert store.read() is None
    assert store.version() is None
    assert store.info() == CacheInfo(exists=False, uri=store.uri)

    doc = make_document()
    store.write(doc)
    assert store.read() == doc
    raw = store.path.read_bytes().decode("utf-8")
    assert "이벤트 발생 시간" in raw  # ensure_ascii=False: Korean stays readable

    info = store.info()
    assert info.exists and info.uri == store.uri == store.path.as_uri()
    assert info.size == len(raw.encode("utf-8"))
    assert info.generated_at == GENERATED
    assert info.updated is not None and info.updated.tzinfo is not None
    assert info.metadata == {
        "generated_at": GENERATED.isoformat(),
        "schema_table": "logs",
        "examples_count": "2",
    }
    assert Context.from_cache_document(store.read()).values("service") == ["payment-api"]


def test_file_store_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FileStore(tmp_path / "metadata_cache.json")
    first = make_document()
    store.write(first)

    # A crash between writing the temp file and the rename leaves the old document untouched
    # and no temp file behind.
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk fell off")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk fell off"):
        store.write(make_document(n_examples=5))
    monkeypatch.undo()
    assert store.read() == first
    assert [p.name for p in tmp_path.iterdir()] == ["metadata_cache.json"]

    # Readers racing a writer only ever see a complete document.
    docs = [make_document(n_examples=n) for n in (1, 30)]
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(len(store.read()["examples"]))
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(200):
        store.write(docs[i % 2])
    stop.set()
    thread.join()
    assert not errors
    assert set(seen) <= {1, 2, 30} and seen
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metadata_cache.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"generated_at": "2024-', "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"x": "\xff\xfe"}', "not UTF-8"),
    ],
)
def test_file_store_corrupt_document(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "metadata_cache.json"
    path.write_bytes(content)
    store = FileStore(path)
    with pytest.raises(CacheError, match=message) as excinfo:
        store.read()
    assert str(path) in str(excinfo.value)
    info = store.info()  # info still answers: the file exists, its content is unusable
    assert info.exists and info.generated_at is None and info.metadata == {}


def test_file_store_version_changes_on_write(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "metadata_cache.json")
    store.write(make_document())
    v1 = store.version()
    assert v1 is not None and store.version() == v1  # stable while nothing changes
    store.write(make_document(service="auth-api"))  # same size, same mtime tick possible
    v2 = store.version()
    assert v2 != v1
    store.write(make_document(n_examples=4))
    assert store.version() not in (v1, v2)
    store.path.unlink()
    assert store.version() is None


# --- GCS against a real emulator -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gcs_emulator() -> Iterator[str]:
    """A real gcp-storage-emulator JSON API server (in memory), with STORAGE_EMULATOR_HOST set."""
    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    host = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STORAGE_EMULATOR_HOST", host)
        mp.setenv("GOOGLE_CLOUD_PROJECT", "nlq-test")
        yield host
    server.stop()


@pytest.fixture
def gcs_client(gcs_emulator: str) -> storage.Client:
    return storage.Client(project="nlq-test", credentials=AnonymousCredentials())


@pytest.fixture
def bucket(gcs_client: storage.Client) -> str:
    name = f"nlq-cache-{uuid.uuid4().hex[:12]}"
    gcs_client.create_bucket(name)
    return name


def test_gcs_store_round_trip(gcs_client: storage.Client, bucket: str) -> None:
    store = GCSStore(bucket, "cache/metadata_cache.json", gcs_client)
    assert isinstance(store, CacheStore)
    assert store.uri == f"gs://{bucket}/cache/metadata_cache.json"
    assert store.read() is None
    assert store.version() is None
    assert store.info() == CacheInfo(exists=False, uri=store.uri)

    doc = make_document("proj.ds.events_20210131", "proj.ds.users", n_examples=3)
    store.write(doc)
    assert store.read() == doc

    # what the seed's GCSCacheManager.save_cache left on the blob, seen by a fresh client
    blob = storage.Client().bucket(bucket).get_blob("cache/metadata_cache.json")
    assert blob.content_type == "application/json"
    assert blob.metadata == {
        "generated_at": GENERATED.isoformat(),
        "schema_table": "proj.ds.events_20210131,proj.ds.users",
        "examples_count": "3",
    }
    raw = blob.download_as_bytes()
    assert "이벤트 발생 시간" in raw.decode("utf-8")

    info = store.info()
    assert info.exists and info.size == len(raw)
    assert info.generated_at == GENERATED
    assert info.metadata == blob.metadata
    assert info.updated is not None and info.updated.tzinfo is not None


def test_gcs_store_version_is_the_generation(gcs_client: storage.Client, bucket: str) -> None:
    store = GCSStore(bucket, "metadata_cache.json", gcs_client)
    store.write(make_document())
    v1 = store.version()
    assert v1 == str(gcs_client.bucket(bucket).get_blob("metadata_cache.json").generation)
    assert store.version() == v1
    store.write(make_document(n_examples=5))
    v2 = store.version()
    assert v2 is not None and v2 != v1
    assert store.read()["examples"][4]["question"].startswith("질문 4")


def test_gcs_store_corrupt_document(gcs_client: storage.Client, bucket: str) -> None:
    gcs_client.bucket(bucket).blob("metadata_cache.json").upload_from_string(
        "not json", content_type="application/json"
    )
    store = GCSStore(bucket, "metadata_cache.json", gcs_client)
    with pytest.raises(CacheError, match=f"gs://{bucket}/metadata_cache.json is not valid JSON"):
        store.read()


# --- choosing a store ----------------------------------------------------------------------------


def test_store_from_uri_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a dir" / "metadata_cache.json"
    by_uri = store_from_uri(path.as_uri())  # file:///…/a%20dir/… is unquoted
    assert isinstance(by_uri, FileStore) and by_uri.path == path
    assert by_uri.uri == path.as_uri()
    assert store_from_uri(f"file://localhost{path}").path == path

    by_path = store_from_uri(str(path))
    assert isinstance(by_path, FileStore) and by_path.path == path

    monkeypatch.chdir(tmp_path)
    relative = store_from_uri("rel/metadata_cache.json")
    assert relative.path == tmp_path / "rel" / "metadata_cache.json"

    by_uri.write(make_document())
    assert by_path.read() == make_document()


def test_store_from_uri_gcs(gcs_client: storage.Client, bucket: str) -> None:
    store = store_from_uri(f"gs://{bucket}/path/metadata_cache.json", gcs_client=gcs_client)
    assert isinstance(store, GCSStore)
    assert (store.bucket_name, store.blob_name, store.client) == (
        bucket,
        "path/metadata_cache.json",
        gcs_client,
    )
    store.write(make_document())

    # without a client it creates google.cloud.storage.Client() (here: the emulator via the env)
    default = store_from_uri(f"gs://{bucket}/path/metadata_cache.json")
    assert isinstance(default, GCSStore) and default.client is not gcs_client
    assert default.read() == make_document()


@pytest.mark.parametrize(
    "uri",
    ["", "gs://bucket-only", "gs://bucket/", "gs:///x.json", "s3://b/x.json", "file://host/x.json"],
)
def test_store_from_uri_rejects(uri: str) -> None:
    with pytest.raises(ValueError):
        store_from_uri(uri, gcs_client=object())  # type: ignore[arg-type]


def test_default_cache_uri(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.cache_uri is None and settings.cache_max_age_hours == 24
    assert default_cache_uri(settings) == (tmp_path / "metadata_cache.json").as_uri()
    assert store_from_uri(default_cache_uri(settings)).path == tmp_path / "metadata_cache.json"
    assert default_cache_uri(Settings(home=tmp_path, cache_uri="gs://b/m.json")) == "gs://b/m.json"


def test_cache_uri_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLQ_CACHE_URI", "gs://nlq-metadata-cache/metadata_cache.json")
    monkeypatch.setenv("NLQ_CACHE_MAX_AGE_HOURS", "1.5")
    settings = Settings()
    assert default_cache_uri(settings) == "gs://nlq-metadata-cache/metadata_cache.json"
    assert settings.cache_max_age_hours == 1.5


# --- expiry --------------------------------------------------------------------------------------


def test_is_expired() -> None:
    now = GENERATED + timedelta(hours=10)
    assert is_expired(CacheInfo(exists=False, uri="x"), 24, now=now)
    fresh = CacheInfo(exists=True, uri="x", generated_at=GENERATED)
    assert not is_expired(fresh, 24, now=now)
    assert is_expired(fresh, 9.5, now=now)
    # generated_at from the blob metadata (naive timestamps count as UTC)
    by_meta = CacheInfo(exists=True, uri="x", metadata={"generated_at": "2024-01-15T17:00:00"})
    assert not is_expired(by_meta, 24, now=now) and is_expired(by_meta, 2, now=now)
    # else the update time, like the seed's blob.updated fallback
    by_updated = CacheInfo(exists=True, uri="x", updated=now - timedelta(hours=30))
    assert is_expired(by_updated, 24, now=now) and not is_expired(by_updated, 48, now=now)
    assert is_expired(CacheInfo(exists=True, uri="x"), 24, now=now)  # no timestamp at all
    assert not is_expired(fresh, 24, now=now.replace(tzinfo=None))


def test_is_expired_from_stores(tmp_path: Path, gcs_client: storage.Client, bucket: str) -> None:
    recent = make_document(generated_at=datetime.now(UTC) - timedelta(hours=2))
    for store in (FileStore(tmp_path / "m.json"), GCSStore(bucket, "m.json", gcs_client)):
        assert is_expired(store.info(), 24)
        store.write(recent)
        assert not is_expired(store.info(), 24)
        assert is_expired(store.info(), 1)
        store.write(make_document())  # generated 2024: expired although just written
        assert is_expired(store.info(), 24)


# --- the loader ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingStore:
    """Wraps a store, counting reads and version checks; can be switched to failing."""

    def __init__(self, inner: CacheStore) -> None:
        self.inner = inner
        self.uri = inner.uri
        self.reads = 0
        self.versions = 0
        self.broken: Exception | None = None

    def write(self, document: dict[str, Any]) -> None:
        self.inner.write(document)

    def read(self) -> dict[str, Any] | None:
        self.reads += 1
        if self.broken:
            raise self.broken
        return self.inner.read()

    def version(self) -> str | None:
        self.versions += 1
        if self.broken:
            raise self.broken
        return self.inner.version()

    def info(self) -> CacheInfo:
        return self.inner.info()


def test_loader_reuses_the_document_within_the_ttl(tmp_path: Path) -> None:
    store = CountingStore(FileStore(tmp_path / "m.json"))
    store.write(make_document())
    clock = FakeClock()
    loader = CacheLoader(store, ttl_s=3600, clock=clock, check_interval_s=5)

    doc = loader.document()
    assert doc == make_document() and store.reads == 1
    ctx = loader.context()
    assert isinstance(ctx, Context) and ctx.values("service") == ["payment-api"]
    assert loader.context() is ctx  # built once per document

    clock.now += 4  # within the check interval: no I/O at all
    assert loader.document() is doc and (store.reads, store.versions) == (1, 1)
    clock.now += 2  # a version check, unchanged: no read
    assert loader.document() is doc and (store.reads, store.versions) == (1, 2)
    clock.now += 3600  # TTL over: read again even though nothing changed
    assert loader.document() == doc and store.reads == 2


def test_loader_picks_up_a_changed_document_before_the_ttl(tmp_path: Path) -> None:
    store = CountingStore(FileStore(tmp_path / "m.json"))
    clock = FakeClock()
    loader = CacheLoader(store, ttl_s=3600, clock=clock, check_interval_s=5)
    assert loader.document() is None and loader.context() is None  # no cache yet

    store.write(make_document())  # Dagster writes the first cache
    clock.now += 5
    assert loader.document() == make_document()
    first_version = loader.version

    store.write(make_document(service="auth-api"))  # …and refreshes it
    clock.now += 1
    assert loader.context().values("service") == ["payment-api"]  # not checked yet
    clock.now += 5
    assert loader.context().values("service") == ["auth-api"]  # minutes before the TTL
    assert loader.version != first_version
    assert store.reads == 3


def test_loader_picks_up_a_new_gcs_generation(gcs_client: storage.Client, bucket: str) -> None:
    store = GCSStore(bucket, "metadata_cache.json", gcs_client)
    store.write(make_document())
    clock = FakeClock()
    loader = CacheLoader(store, clock=clock)
    assert loader.document()["examples"][0]["sql"].startswith("SELECT")
    store.write(make_document(n_examples=7))
    clock.now += 10
    assert len(loader.document()["examples"]) == 7


def test_loader_keeps_the_last_good_document(tmp_path: Path) -> None:
    store = CountingStore(FileStore(tmp_path / "m.json"))
    store.write(make_document())
    clock = FakeClock()
    loader = CacheLoader(store, ttl_s=60, clock=clock, check_interval_s=5)
    good = loader.document()
    assert good is not None

    store.broken = ConnectionError("GCS unreachable")
    clock.now += 120  # TTL over, store down
    with capture_logs() as logs:
        assert loader.document() is good
    assert logs[0]["log_level"] == "warning"
    assert "ConnectionError: GCS unreachable" in logs[0]["error"]
    attempts = store.versions + store.reads
    clock.now += 1  # a failing store is retried after the check interval, not on every call
    assert loader.document() is good and store.versions + store.reads == attempts

    store.broken = None
    (tmp_path / "m.json").write_text("{ corrupt")  # a bad document does not replace the good one
    clock.now += 120
    assert loader.document() is good
    assert loader.context().values("service") == ["payment-api"]

    store.write(make_document(service="auth-api"))  # once it is good again, it is picked up
    clock.now += 5
    assert loader.context().values("service") == ["auth-api"]


def test_loader_is_thread_safe(tmp_path: Path) -> None:
    store = CountingStore(FileStore(tmp_path / "m.json"))
    store.write(make_document())
    loader = CacheLoader(store, ttl_s=3600, check_interval_s=3600)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(loader.document())) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.reads == 1
    assert all(r is results[0] for r in results) and len(results) == 16
    assert json.dumps(results[0], ensure_ascii=False)
