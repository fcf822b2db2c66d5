"""Where the archive goes (NLQ_ARCHIVE_URI) and the BigQuery table it is loaded into."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_gcp import BigQueryResource, GCSResource
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery as bq

from nlq_platform.archive.store import ArchiveStore, archive_from_uri, default_archive_uri


class LogsArchive(dg.ConfigurableResource):
    """NLQ_ARCHIVE_URI (file:// default, gs:// through dagster-gcp's GCSResource) and, when
    NLQ_BIGQUERY_LOGS_TABLE is set, the table each day is loaded into (BigQueryResource)."""

    uri: str | None = None  # default: file://{NLQ_HOME}/archive
    gcs: GCSResource | None = None
    bigquery_table: str | None = None  # project.dataset.table
    bigquery: BigQueryResource | None = None
    #: NLQ_BIGQUERY_ENDPOINT: a BigQuery-compatible endpoint instead of Google's
    bigquery_endpoint: str | None = None

    def resolved_uri(self, home: Path) -> str:
        return self.uri or default_archive_uri(home)

    def store(self, home: Path) -> ArchiveStore:
        uri = self.resolved_uri(home)
        client = self.gcs.get_client() if uri.startswith("gs://") and self.gcs is not None else None
        return archive_from_uri(uri, gcs_client=client)

    @contextmanager
    def bigquery_client(self) -> Iterator[bq.Client]:
        if self.bigquery_endpoint:
            project = (self.bigquery.project if self.bigquery else None) or (
                self.bigquery_table or "nlq"
            ).split(".")[0]
            client = bq.Client(
                project=project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=self.bigquery_endpoint),
            )
            try:
                yield client
            finally:
                client.close()
            return
        if self.bigquery is None:
            raise dg.Failure(
                "NLQ_BIGQUERY_LOGS_TABLE is set but no BigQuery project (NLQ_GCP_PROJECT) is configured"
            )
        with self.bigquery.get_client() as client:
            yield client
