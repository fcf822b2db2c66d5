"""Where the metadata cache document lives: a local file or a GCS object, chosen by a URI.

The seed's ``GCSCacheManager`` wrote ``metadata_cache.json`` to a bucket and labelled the blob with
``generated_at``/``schema_table``/``examples_count``; :class:`GCSStore` does the same (in one
upload, so content and labels never disagree), and :class:`FileStore` is the local equivalent
(atomic temp-file + rename). Both offer a cheap :meth:`CacheStore.version` token so a reader can
notice a refreshed cache without downloading it.

``store_from_uri`` accepts ``file:///abs/path.json``, a plain path, or
``gs://bucket/path/metadata_cache.json``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from google.cloud import storage

    from nlq_platform.config import Settings

CACHE_FILE_NAME = "metadata_cache.json"
CONTENT_TYPE = "application/json"


class CacheError(Exception):
    """The cache document exists but cannot be used (not JSON, not an object, not UTF-8)."""


@dataclass
class CacheInfo:
    """What is known about the stored document without parsing it into a Context."""

    exists: bool
    uri: str
    size: int | None = None
    updated: datetime | None = None  # file mtime / blob update time (UTC)
    generated_at: datetime | None = None  # when the document was generated (UTC)
    metadata: dict[str, str] = field(default_factory=dict)  # generated_at, schema_table, examples_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "exists": self.exists,
            "uri": self.uri,
            "size": self.size,
            "updated": self.updated.isoformat() if self.updated else None,
            "generated_at": self.generated_at.isoformat() if self.generated_at else None,
            "metadata": dict(self.metadata),
        }


@runtime_checkable
class CacheStore(Protocol):
    uri: str

    def write(self, document: dict[str, Any]) -> None:
        """Store the document as UTF-8 JSON, replacing the previous one atomically."""
        ...

    def read(self) -> dict[str, Any] | None:
        """The stored document, None when there is none; :class:`CacheError` when corrupt."""
        ...

    def version(self) -> str | None:
        """A cheap token that changes whenever the document does; None when there is none."""
        ...

    def info(self) -> CacheInfo: ...


# --- helpers -------------------------------------------------------------------------------------


def _serialize(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def _parse(data: bytes, uri: str) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CacheError(f"metadata cache {uri} is not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CacheError(f"metadata cache {uri} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise CacheError(f"metadata cache {uri} is not a JSON object (got {type(document).__name__})")
    return document


def _parse_time(value: Any) -> datetime | None:
    """An ISO timestamp → aware datetime (naive ones are taken as UTC); None when unusable."""
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str) and value:
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def schema_tables(document: dict[str, Any]) -> list[str]:
    """The table ids of the document's schema (multi-table shape first, the seed's single table else)."""
    schema = document.get("schema") or {}
    tables = [t["table_id"] for t in schema.get("tables") or [] if isinstance(t, dict) and t.get("table_id")]
    if not tables and schema.get("table_id"):
        tables = [schema["table_id"]]
    return tables


def document_metadata(document: dict[str, Any]) -> dict[str, str]:
    """The seed's blob metadata: generated_at, schema_table (ids joined by ','), examples_count."""
    metadata = {
        "schema_table": ",".join(schema_tables(document)),
        "examples_count": str(len(document.get("examples") or [])),
    }
    if document.get("generated_at"):
        metadata = {"generated_at": str(document["generated_at"]), **metadata}
    return metadata


# --- local file ----------------------------------------------------------------------------------


class FileStore:
    """The document as a local JSON file, replaced atomically (temp file in the same dir + rename)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        self.uri = self.path.as_uri()

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    def write(self, document: dict[str, Any]) -> None:
        target = Path(os.path.realpath(self.path))  # a symlinked cache file stays a symlink
        target.parent.mkdir(parents=True, exist_ok=True)
        data = _serialize(document)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self) -> dict[str, Any] | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return _parse(data, self.uri)

    def version(self) -> str | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        # the inode too: every write renames a new file into place, even within one mtime tick
        return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"

    def info(self) -> CacheInfo:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return CacheInfo(exists=False, uri=self.uri)
        try:
            document = self.read() or {}
        except (CacheError, OSError):
            document = {}
        metadata = document_metadata(document) if document else {}
        return CacheInfo(
            exists=True,
            uri=self.uri,
            size=st.st_size,
            updated=datetime.fromtimestamp(st.st_mtime, UTC),
            generated_at=_parse_time(document.get("generated_at")),
            metadata=metadata,
        )


# --- Google Cloud Storage ------------------------------------------------------------------------


class GCSStore:
    """The document as a GCS object, labelled like the seed's ``GCSCacheManager.save_cache``."""

    def __init__(self, bucket: str, blob_name: str, client: storage.Client) -> None:
        if not bucket or not blob_name:
            raise ValueError("GCSStore needs a bucket and an object name")
        self.bucket_name = bucket
        self.blob_name = blob_name
        self.client = client
        self.bucket = client.bucket(bucket)
        self.uri = f"gs://{bucket}/{blob_name}"

    def __repr__(self) -> str:
        return f"GCSStore({self.uri!r})"

    def write(self, document: dict[str, Any]) -> None:
        blob = self.bucket.blob(self.blob_name)
        # Metadata goes with the upload (one request, one generation) rather than a later patch().
        blob.metadata = document_metadata(document)
        blob.upload_from_string(_serialize(document), content_type=CONTENT_TYPE)

    def read(self) -> dict[str, Any] | None:
        from google.api_core.exceptions import NotFound

        try:
            data = self.bucket.blob(self.blob_name).download_as_bytes()
        except NotFound:
            return None
        return _parse(data, self.uri)

    def version(self) -> str | None:
        blob = self.bucket.get_blob(self.blob_name)  # a metadata GET, no download
        return None if blob is None else str(blob.generation)

    def info(self) -> CacheInfo:
        blob = self.bucket.get_blob(self.blob_name)
        if blob is None:
            return CacheInfo(exists=False, uri=self.uri)
        metadata = dict(blob.metadata or {})
        return CacheInfo(
            exists=True,
            uri=self.uri,
            size=blob.size,
            updated=_parse_time(blob.updated),
            generated_at=_parse_time(metadata.get("generated_at")),
            metadata=metadata,
        )


# --- choosing a store ----------------------------------------------------------------------------


def store_from_uri(uri: str, *, gcs_client: storage.Client | None = None) -> CacheStore:
    """``file:///abs/path.json``, a plain path, or ``gs://bucket/path/metadata_cache.json``."""
    if not uri:
        raise ValueError("empty metadata cache URI")
    if uri.startswith("gs://"):
        bucket, _, blob_name = uri.removeprefix("gs://").partition("/")
        if not bucket or not blob_name or blob_name.endswith("/"):
            raise ValueError(f"GCS cache URI needs a bucket and an object name: {uri!r}")
        if gcs_client is None:
            from google.cloud import storage

            gcs_client = storage.Client()
        return GCSStore(bucket, blob_name, gcs_client)
    if uri.startswith("file:"):
        parsed = urlparse(uri)
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"file URI must be local (file:///abs/path): {uri!r}")
        path = unquote(parsed.path)
        if not path or not Path(path).is_absolute():
            raise ValueError(f"file URI needs an absolute path: {uri!r}")
        return FileStore(path)
    if "://" in uri:
        raise ValueError(f"unsupported metadata cache URI {uri!r} (use file://, gs:// or a path)")
    return FileStore(uri)


def default_cache_uri(settings: Settings) -> str:
    """``NLQ_CACHE_URI``, else ``file://{home}/metadata_cache.json``."""
    if settings.cache_uri:
        return settings.cache_uri
    return (Path(settings.home).expanduser().absolute() / CACHE_FILE_NAME).as_uri()


def is_expired(info: CacheInfo, max_age_hours: float, now: datetime | None = None) -> bool:
    """The seed's ``is_cache_expired``: missing, or older than ``max_age_hours`` by its
    ``generated_at`` (blob metadata or document), else by its update time."""
    if not info.exists:
        return True
    stamp = info.generated_at or _parse_time(info.metadata.get("generated_at")) or info.updated
    if stamp is None:
        return True
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now - stamp > timedelta(hours=max_age_hours)
