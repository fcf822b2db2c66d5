"""The DSNs of the platform: owner (migrations), ingest (insert-only), reader (read-only) and app
(the analyst app's feedback writer).

The ingest service, the query side and the app never connect as the owner: their DSNs are the
owner's with the user and password swapped for their own role, unless given explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from nlq_platform.config import Settings
from nlq_platform.db import secrets

OWNER_USER = "nlq"
INGEST_ROLE = "nlq_ingest"
READER_ROLE = "nlq_reader"
APP_ROLE = "nlq_app"  # migration 0007: SELECT/INSERT on nlq_feedback only


@dataclass(frozen=True)
class Dsns:
    owner: str
    ingest: str
    reader: str
    app: str
    ingest_password: str
    reader_password: str
    app_password: str
    external: bool


def with_credentials(dsn: str, user: str, password: str) -> str:
    """Return ``dsn`` with its user and password replaced."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_database(dsn: str, database: str) -> str:
    """Return ``dsn`` pointing at another database of the same server."""
    parts = urlsplit(dsn)
    return urlunsplit(
        (parts.scheme, parts.netloc, "/" + quote(database, safe=""), parts.query, parts.fragment)
    )


def redact(dsn: str) -> str:
    """The DSN with its password masked, for logs and messages."""
    parts = urlsplit(dsn)
    if not parts.password:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def local_owner_dsn(settings: Settings, password: str) -> str:
    return with_credentials(
        f"postgresql://127.0.0.1:{settings.pg_port}/{settings.pg_database}", OWNER_USER, password
    )


def resolve(settings: Settings) -> Dsns:
    """Work out every DSN from the settings (``NLQ_DATABASE_URL`` or the local cluster)."""
    generated = secrets.load_or_create(settings.home)
    ingest_password = settings.ingest_db_password or generated["ingest"]
    reader_password = settings.reader_db_password or generated["reader"]
    app_password = settings.app_db_password or generated["app"]
    external = settings.database_url is not None
    owner = settings.database_url or local_owner_dsn(settings, generated["owner"])
    return Dsns(
        owner=owner,
        ingest=settings.ingest_database_url or with_credentials(owner, INGEST_ROLE, ingest_password),
        reader=settings.reader_database_url or with_credentials(owner, READER_ROLE, reader_password),
        app=settings.app_database_url or with_credentials(owner, APP_ROLE, app_password),
        ingest_password=ingest_password,
        reader_password=reader_password,
        app_password=app_password,
        external=external,
    )
