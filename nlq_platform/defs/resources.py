"""Resources shared by the concerns, configured from the platform's settings (definitions.py)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery as bq

from nlq_platform.config import Settings, get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.metadata.alerts import Notifier
from nlq_platform.metadata.store import CacheStore, default_cache_uri, store_from_uri


class NlqDatabase(dg.ConfigurableResource):
    """The logs database. Unset fields fall back to the platform's NLQ_* settings (local cluster)."""

    database_url: str | None = None
    reader_password: str | None = None
    ingest_password: str | None = None
    tables: str = "logs"  # NLQ_TABLES: comma-separated PostgreSQL tables to describe
    home: str | None = None  # NLQ_HOME (state directory), for tests and other deployments

    def settings(self) -> Settings:
        overrides = {
            "home": Path(self.home) if self.home else None,
            "database_url": self.database_url,
            "reader_db_password": self.reader_password,
            "ingest_db_password": self.ingest_password,
        }
        base = get_settings()
        return base.model_copy(update={k: v for k, v in overrides.items() if v})

    def dsns(self) -> dsn_mod.Dsns:
        return dsn_mod.resolve(self.settings())

    def table_names(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.tables.split(",") if t.strip())


async def connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=10)


class BigQuerySource(dg.ConfigurableResource):
    """BigQuery tables to describe (NLQ_BIGQUERY_TABLES), through dagster-gcp's BigQueryResource."""

    tables: str = ""
    bigquery: BigQueryResource | None = None
    #: NLQ_BIGQUERY_ENDPOINT: a BigQuery-compatible endpoint (an emulator) instead of Google's
    api_endpoint: str | None = None

    def table_ids(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.tables.split(",") if t.strip())

    @contextmanager
    def client(self) -> Iterator[bq.Client]:
        """The client of dagster-gcp's BigQueryResource, or one for the configured endpoint."""
        if self.api_endpoint:
            project = (self.bigquery.project if self.bigquery else None) or "nlq"
            client = bq.Client(
                project=project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.api_endpoint),
            )
            try:
                yield client
            finally:
                client.close()
            return
        if self.bigquery is None:
            raise dg.Failure(
                "NLQ_BIGQUERY_TABLES is set but no BigQuery project (NLQ_GCP_PROJECT) is configured"
            )
        with self.bigquery.get_client() as client:
            yield client


class MetadataCache(dg.ConfigurableResource):
    """Where metadata_cache.json lives (NLQ_CACHE_URI): a file (default) or gs:// via GCSResource."""

    uri: str | None = None
    gcs: GCSResource | None = None
    max_age_hours: float | None = None  # default: NLQ_CACHE_MAX_AGE_HOURS (24)

    def store(self, settings: Settings) -> CacheStore:
        uri = self.uri or default_cache_uri(settings)
        client = self.gcs.get_client() if uri.startswith("gs://") and self.gcs is not None else None
        return store_from_uri(uri, gcs_client=client)


class AlertNotifier(dg.ConfigurableResource):
    """Run-failure alerts: a structured log line always, a webhook when NLQ_ALERT_WEBHOOK is set."""

    webhook_url: str | None = None

    def notifier(self) -> Notifier:
        return Notifier(webhook_url=self.webhook_url)
