"""All configuration in one place: environment variables with the ``NLQ_`` prefix.

Every part of the platform (CLI, ingest service, later Dagster and Streamlit) reads its settings
through :func:`get_settings`, so a variable documented in the README means the same thing everywhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Settings read from ``NLQ_*`` environment variables (see README, "Configuration")."""

    model_config = SettingsConfigDict(env_prefix="NLQ_", extra="ignore")

    @field_validator(
        "database_url", "ingest_database_url", "reader_database_url", "app_database_url", mode="before"
    )
    @classmethod
    def _empty_dsn_is_unset(cls, value: object) -> object:
        """``NLQ_DATABASE_URL=`` (exported but empty) means "no external server", not a DSN of ""."""
        return None if isinstance(value, str) and not value.strip() else value

    # --- where state lives -------------------------------------------------------------------
    home: Path = Field(default=REPO_ROOT / ".nlq", description="State directory (cluster, secrets, cache).")

    # --- PostgreSQL ----------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="Owner DSN of an existing server; when set, `nlq db up` starts nothing.",
    )
    pg_port: int = Field(default=54320, description="Port of the local cluster under .nlq/pg.")
    pg_bin: Path | None = Field(default=None, description="Directory holding initdb/pg_ctl.")
    pg_database: str = Field(default="nlq", description="Database name in the local cluster.")
    ingest_database_url: str | None = Field(
        default=None, description="DSN of the insert-only role (default: derived from the owner DSN)."
    )
    reader_database_url: str | None = Field(
        default=None, description="DSN of the read-only role nlq_reader (default: derived)."
    )
    app_database_url: str | None = Field(
        default=None, description="DSN of the app's role nlq_app, which writes feedback (default: derived)."
    )
    ingest_db_password: str | None = None
    reader_db_password: str | None = None
    app_db_password: str | None = None

    # --- ingest service ------------------------------------------------------------------------
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8000
    ingest_keys: str = Field(default="", description="Comma-separated key=service pairs; service may be *.")
    ingest_auth: bool = Field(default=True, description="Set to false to switch API-key auth off.")
    ingest_max_body_bytes: int = 16 * 1024 * 1024
    ingest_max_batch: int = 10_000
    ingest_pool_min: int = 1
    ingest_pool_max: int = 4
    ingest_pool_timeout_s: float = Field(
        default=2.0, description="Longest wait for a pooled connection before answering 503."
    )
    ingest_db_timeout_s: float = Field(default=15.0, description="Longest COPY/connect before 503.")
    ingest_retry_after_s: int = 2
    ingest_cors_origins: str = Field(
        default="*",
        description="Comma-separated origins browsers may post logs from (CORS); * for any, empty for none.",
    )
    ingest_workers: int = 1

    # --- Text-to-SQL ----------------------------------------------------------------------------
    engine: str = Field(
        default="auto", description="auto (Claude when ANTHROPIC_API_KEY is set), offline, anthropic"
    )
    query_timeout_ms: int = Field(default=5000, description="statement_timeout of every analyst query.")
    query_limit: int = Field(default=1000, description="LIMIT the guard adds when a query has none.")
    context_ttl_s: int = Field(
        default=3600, description="How long a loaded context (schema, catalog) is reused."
    )

    # --- metadata cache ---
    # How long the engine reuses a loaded cache document is ``context_ttl_s`` above.
    cache_uri: str | None = Field(
        default=None,
        description="Where the metadata cache document lives: file:///abs/path.json, a plain path, or "
        "gs://bucket/path/metadata_cache.json (default: file://{home}/metadata_cache.json).",
    )
    cache_max_age_hours: float = Field(
        default=24, description="A cache document older than this is expired and gets regenerated."
    )

    # --- the nlq_eval asset's checks ---
    eval_threshold: float = Field(
        default=1.0,
        ge=0,
        description="Strict EX the nlq_eval check requires on the 38 scenarios (above 1: never met).",
    )
    eval_max_wrong_rate: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Largest share of confidently wrong answers nlq_eval accepts in any set and language.",
    )

    # --- log partitions, retention and the archive (nlq_platform/db/partitions.py, archive/) ---
    retention_days: int = Field(
        default=30, ge=1, description="Daily partitions of logs older than this are archived and dropped."
    )
    partitions_ahead_days: int = Field(default=7, ge=1, description="Daily partitions created ahead of time.")
    archive_uri: str | None = Field(
        default=None,
        description="Where finished days are archived as Parquet: file:///abs/dir or gs://bucket/prefix "
        "(default: file://{home}/archive).",
    )
    archive_start_date: str = Field(
        default="2026-01-01",
        description="First day of the logs_archive asset's daily partitions (backfills).",
    )
    bigquery_logs_table: str | None = Field(
        default=None, description="project.dataset.table each archived day is loaded into (BigQuery)."
    )

    # --- logging -------------------------------------------------------------------------------
    log_level: str = "INFO"
    log_format: str = Field(default="console", description="console or json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
