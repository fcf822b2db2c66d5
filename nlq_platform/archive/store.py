"""Where archived days live (NLQ_ARCHIVE_URI): a directory, or a GCS bucket prefix.

Layout, the same in both: ``{root}/logs/date=YYYY-MM-DD/logs.parquet`` (Hive-style, so BigQuery
external tables, Spark and DuckDB all read it). A day is written under a temporary name and then
renamed (file) or uploaded in one request (GCS), so a reader never sees half a day.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from google.cloud import storage

_DAY_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})/logs\.parquet$")


class ArchiveError(Exception):
    """The archive location is unusable; the message says why."""


def relative_path(day: date) -> str:
    return f"logs/date={day.isoformat()}/logs.parquet"


def _days(names: list[str]) -> list[date]:
    found = {datetime.strptime(m.group(1), "%Y-%m-%d").date() for n in names if (m := _DAY_DIR.search(n))}
    return sorted(found)


class ArchiveStore(Protocol):
    uri: str

    def put(self, day: date, local: Path) -> str:
        """Store the Parquet file ``local`` as ``day``; returns its URI."""
        ...

    def days(self) -> list[date]:
        """The archived days, oldest first."""
        ...

    def local_root(self, cache: Path, days: Collection[date] | None = None) -> Path:
        """A local directory with the archive's files (GCS: ``days``, or all, downloaded into
        ``cache``)."""
        ...


class FileArchive:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = root.as_uri()

    def put(self, day: date, local: Path) -> str:
        target = self.root / relative_path(day)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".parquet.tmp")
        shutil.copyfile(local, tmp)
        os.replace(tmp, target)
        return target.as_uri()

    def days(self) -> list[date]:
        return _days([str(p) for p in self.root.glob("logs/date=*/logs.parquet")])

    def local_root(self, cache: Path, days: Collection[date] | None = None) -> Path:
        return self.root


class GCSArchive:
    def __init__(self, bucket: str, prefix: str, client: storage.Client) -> None:
        self.bucket = client.bucket(bucket)
        self.prefix = prefix.strip("/")
        self.uri = f"gs://{bucket}/{self.prefix}".rstrip("/")

    def _name(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def put(self, day: date, local: Path) -> str:
        name = self._name(relative_path(day))
        blob = self.bucket.blob(name)
        blob.metadata = {"day": day.isoformat()}
        blob.upload_from_filename(str(local), content_type="application/vnd.apache.parquet")
        return f"gs://{self.bucket.name}/{name}"

    def _blobs(self) -> list[storage.Blob]:
        return [b for b in self.bucket.list_blobs(prefix=self._name("logs/")) if _DAY_DIR.search(b.name)]

    def days(self) -> list[date]:
        return _days([b.name for b in self._blobs()])

    def local_root(self, cache: Path, days: Collection[date] | None = None) -> Path:
        """Download the days (``days``, or all) not yet in ``cache`` or changed since (the GCS
        generation)."""
        wanted = None if days is None else {d.isoformat() for d in days}
        for blob in self._blobs():
            m = _DAY_DIR.search(blob.name)
            if wanted is not None and (m is None or m.group(1) not in wanted):
                continue
            rel = blob.name[len(self._name("")) :].lstrip("/")
            target = cache / rel
            stamp = target.with_suffix(".generation")
            if target.exists() and stamp.exists() and stamp.read_text() == str(blob.generation):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            blob.download_to_filename(str(target))
            stamp.write_text(str(blob.generation))
        return cache


def archive_from_uri(uri: str, *, gcs_client: storage.Client | None = None) -> ArchiveStore:
    """``file:///abs/dir``, a plain path, or ``gs://bucket/prefix``."""
    parts = urlsplit(uri)
    if parts.scheme == "gs":
        if not parts.netloc:
            raise ArchiveError(f"NLQ_ARCHIVE_URI {uri!r} names no bucket")
        return GCSArchive(parts.netloc, parts.path, gcs_client or storage.Client())
    if parts.scheme in ("file", ""):
        path = Path(parts.path if parts.scheme == "file" else uri).expanduser()
        return FileArchive(path.resolve())
    raise ArchiveError(f"NLQ_ARCHIVE_URI {uri!r}: use file:///dir or gs://bucket/prefix")


def default_archive_uri(home: Path) -> str:
    return (home / "archive").resolve().as_uri()
