"""All configuration in one place: ``NLQ_*`` and ``ANTHROPIC_*`` environment variables.

Every part of the platform (CLI, ingest service, Dagster, Streamlit) reads its settings through
:func:`get_settings` (or :func:`load_settings` for a fresh read), so a variable documented in the
README means the same thing everywhere. The README's configuration table is generated from the
fields below (``python -m nlq_platform.config_docs --write``; a test keeps them equal), and a bad
value stops at start with one line that names the variable and what it may be
(:class:`SettingsError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "NLQ_"

Engine = Literal["auto", "offline", "anthropic"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["console", "json"]


class SettingsError(ValueError):
    """A setting has a value it cannot take; ``str()`` is one line naming the variable."""


def _shown(default: str) -> dict[str, Any]:
    """The default as the README shows it, when the real one is computed or machine-specific."""
    return {"shown_default": default}


class Settings(BaseSettings):
    """Settings read from ``NLQ_*`` (and ``ANTHROPIC_API_KEY``) variables; see README, "Configuration"."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """An exported but empty variable (``NLQ_DATABASE_URL=``) means unset: the default.

        Plain text settings keep an empty value where it means something (``NLQ_INGEST_KEYS=``,
        ``NLQ_INGEST_CORS_ORIGINS=`` for none), except the model name."""
        if isinstance(value, str) and not value.strip():
            field = cls.model_fields[info.field_name or ""]
            if field.annotation is not str or info.field_name == "anthropic_model":
                raise PydanticUseDefault()
        return value

    @field_validator("log_level", "log_format", "engine", mode="before")
    @classmethod
    def _case_insensitive_choice(cls, value: object) -> object:
        """``NLQ_LOG_LEVEL=debug`` and ``NLQ_ENGINE=Offline`` mean what they say."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        if value.upper() == "WARN":
            return "WARNING"
        return value.upper() if value.upper() in get_args(LogLevel) else value.lower()

    # --- where state lives -------------------------------------------------------------------
    home: Path = Field(
        default=REPO_ROOT / ".nlq",
        description="state directory: cluster, secrets, demo key, cache, logs",
        json_schema_extra=_shown("`.nlq`"),
    )

    # --- PostgreSQL ----------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="owner DSN of an existing PostgreSQL ≥ 15; then nothing local is started",
    )
    pg_port: int = Field(default=54320, ge=1, le=65535, description="port of the local cluster")
    pg_bin: Path | None = Field(
        default=None,
        description="directory with `initdb` / `pg_ctl`",
        json_schema_extra=_shown("Debian's newest ≥ 15"),
    )
    pg_database: str = Field(default="nlq", description="database name in the local cluster")
    ingest_database_url: str | None = Field(
        default=None,
        description="DSN of the insert-only role `nlq_ingest` (default: owner DSN with that role's "
        "user and password)",
        json_schema_extra=_shown("derived"),
    )
    reader_database_url: str | None = Field(
        default=None,
        description="DSN of the read-only role `nlq_reader` (default: owner DSN with that role's "
        "user and password)",
        json_schema_extra=_shown("derived"),
    )
    app_database_url: str | None = Field(
        default=None,
        description="DSN of the app's role `nlq_app`, which writes 👍/👎 feedback (INSERT/SELECT on "
        "`nlq_feedback` only, nothing on `logs`; default: owner DSN with that role's user and password)",
        json_schema_extra=_shown("derived"),
    )
    ingest_db_password: str | None = Field(
        default=None,
        description="`nlq_ingest`'s password, which `nlq db migrate` sets",
        json_schema_extra=_shown("generated"),
    )
    reader_db_password: str | None = Field(
        default=None,
        description="`nlq_reader`'s password, which `nlq db migrate` sets",
        json_schema_extra=_shown("generated"),
    )
    app_db_password: str | None = Field(
        default=None,
        description="`nlq_app`'s password, which `nlq db migrate` sets",
        json_schema_extra=_shown("generated"),
    )

    # --- ingest service ------------------------------------------------------------------------
    ingest_host: str = Field(default="127.0.0.1", description="bind address of the ingest service")
    ingest_port: int = Field(default=8000, ge=1, le=65535, description="port of the ingest service")
    ingest_keys: str = Field(default="", description="API keys: `key1=payment-api,key2=*` (`*`: any service)")
    ingest_auth: bool = Field(default=True, description="`false` switches API-key auth off (explicitly only)")
    ingest_max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1, description="body limit (also applied after gunzip) → 413"
    )
    ingest_max_batch: int = Field(default=10_000, ge=1, description="records per batch → 413")
    ingest_pool_min: int = Field(default=1, ge=1, description="asyncpg pool: fewest connections")
    ingest_pool_max: int = Field(default=4, ge=1, description="asyncpg pool: most connections")
    ingest_pool_timeout_s: float = Field(
        default=2.0, gt=0, description="longest wait for a pooled connection before 503"
    )
    ingest_db_timeout_s: float = Field(default=15.0, gt=0, description="longest connect / COPY before 503")
    ingest_retry_after_s: int = Field(default=2, ge=0, description="`Retry-After` on 503")
    ingest_cors_origins: str = Field(
        default="*",
        description="origins browsers may post logs from (CORS; comma-separated, empty for none). For "
        "`navigator.sendBeacon`, which cannot set headers, `POST /logs` also takes a `text/plain` JSON "
        "body with `?api_key=` and `?idempotency_key=` — use it for beacons only, since URLs end up in "
        "access logs",
    )
    ingest_workers: int = Field(
        default=1,
        ge=1,
        description="uvicorn worker processes (more than 1: Prometheus multiprocess mode)",
    )
    demo_ingest_key: str | None = Field(
        default=None,
        description="the API key `make demo` and `nlq demo traffic` use; `make demo` prints it",
        json_schema_extra=_shown("generated into `.nlq/ingest.key`"),
    )

    # --- Text-to-SQL ----------------------------------------------------------------------------
    engine: Engine = Field(
        default="auto",
        description="`auto` (Claude when `ANTHROPIC_API_KEY` is set), `offline`, `anthropic`",
    )
    query_timeout_ms: int = Field(
        default=5000, ge=1, description="`statement_timeout` of every question's query"
    )
    query_limit: int = Field(default=1000, ge=1, description="the LIMIT the guard adds when a query has none")
    context_ttl_s: int = Field(
        default=3600,
        ge=0,
        description="how long a loaded context (schema, catalog, examples) is reused",
    )
    anthropic_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ANTHROPIC_API_KEY", "anthropic_api_key"),
        description="enables the Claude engine",
    )
    anthropic_model: str = Field(default="claude-sonnet-4-5", description="Claude model")
    anthropic_base_url: str | None = Field(
        default=None,
        description="Messages API endpoint (a gateway or a local server)",
        json_schema_extra=_shown("SDK default"),
    )
    anthropic_timeout_s: float = Field(
        default=30.0, gt=0, allow_inf_nan=False, description="per-request timeout of the Claude engine"
    )
    anthropic_max_retries: int = Field(default=2, ge=0, description="SDK retries of the Claude engine")
    anthropic_send_rows: bool = Field(
        default=False,
        description="`true` lets Claude write the answer sentence of its answers from the question, the "
        "reading, the SQL and the first 20 rows, which are then sent to the Messages API; `false`: no "
        "row leaves the platform and the sentence is built locally",
    )
    few_shot_k: int = Field(default=5, ge=0, description="few-shot examples per Claude prompt")

    # --- System A (Dagster) --------------------------------------------------------------------
    tables: str = Field(default="logs", description="PostgreSQL tables System A describes (comma-separated)")
    bigquery_tables: str = Field(
        default="",
        description="BigQuery tables System A describes (`project.dataset.table`, comma-separated)",
    )
    gcp_project: str | None = Field(
        default=None, description="GCP project of dagster-gcp's BigQuery and GCS resources"
    )
    bigquery_endpoint: str | None = Field(
        default=None,
        description="a BigQuery-compatible endpoint (an emulator)",
        json_schema_extra=_shown("Google's"),
    )
    alert_webhook: str | None = Field(default=None, description="JSON webhook for run-failure alerts")
    dagster_pg_url: str | None = Field(
        default=None,
        description="dagster-postgres `postgres_url` of the Dagster instance (database `dagster` of "
        "the platform's server), which `dagster.yaml` reads; `DAGSTER_HOME` is `.nlq/dagster`",
        json_schema_extra=_shown("written to `.env` by `nlq db up`"),
    )

    # --- metadata cache ---
    # How long the engine reuses a loaded cache document is ``context_ttl_s`` above.
    cache_uri: str | None = Field(
        default=None,
        description="where the metadata cache lives: `file://…`, a plain path, or `gs://bucket/path`",
        json_schema_extra=_shown("`file://.nlq/metadata_cache.json`"),
    )
    cache_max_age_hours: float = Field(
        default=24, gt=0, description="freshness limit of the cache (check and policy)"
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
    log_level: LogLevel = Field(
        default="INFO",
        description="`DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL` (any case; `WARN` is `WARNING`), "
        "for every process: structlog and the stdlib loggers",
    )
    log_format: LogFormat = Field(
        default="console",
        description="`console` (key=value lines) or `json` (JSON lines only, stdlib loggers too)",
    )
    debug: bool = Field(default=False, description="`nlq` shows a traceback instead of a one-line error")


def env_name(field: str) -> str:
    """The variable a field is read from (``engine`` → ``NLQ_ENGINE``)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return ENV_PREFIX + field.upper()


def _field_of(loc: object) -> str | None:
    for field in Settings.model_fields:
        if loc == field or loc == env_name(field):
            return field
    return None


def _one_line(exc: ValidationError) -> str:
    """The first error as ``NLQ_X='bad' is not valid: <why>``."""
    error = exc.errors(include_url=False)[0]
    loc = error["loc"][0] if error["loc"] else ""
    field = _field_of(loc)
    name = env_name(field) if field else str(loc)
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error":
        why = f"expected one of {str(ctx.get('expected', '')).replace(' or ', ', ')}"
    else:
        msg = str(error["msg"])
        why = msg[:1].lower() + msg[1:]
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{name}={error.get('input')!r} is not valid: {why}{extra}"


class _FromMapping(Settings):
    """Settings from the values passed in alone (no process environment)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Fresh settings from the process environment, or from ``env`` alone.

    Raises :class:`SettingsError` (one line naming the variable) when a value is not valid."""
    try:
        if env is None:
            return Settings()
        lowered = {k.lower(): v for k, v in env.items()}
        values = {
            f: lowered[env_name(f).lower()] for f in Settings.model_fields if env_name(f).lower() in lowered
        }
        read = _FromMapping(**values)
        return Settings.model_construct(**{f: getattr(read, f) for f in Settings.model_fields})
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (:class:`SettingsError` if invalid)."""
    return load_settings()
