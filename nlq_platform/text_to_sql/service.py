"""The one entry point the CLI, Dagster and Streamlit call: question (or SQL) in, answer out.

question → context (metadata cache, else the live database) → engine → guard → executed as
``nlq_reader`` in a READ ONLY transaction → rows and a short answer. Every failure becomes
``Answer.error`` in words; no exception reaches the caller for a bad question or query.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from nlq_platform.archive.route import answer_from_archive
from nlq_platform.config import Settings, load_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.metadata.loader import CacheLoader
from nlq_platform.metadata.postgres import fetch_snapshot, fetch_value_catalog
from nlq_platform.metadata.store import default_cache_uri, store_from_uri
from nlq_platform.text_to_sql.answer import answer_text, checked_written_answer
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.conversation import Conversation, Turn
from nlq_platform.text_to_sql.engine import Engine, InvalidSQL, NotUnderstood, answer_check
from nlq_platform.text_to_sql.executor import ExecutionError, fetch_readonly
from nlq_platform.text_to_sql.guard import GuardError, guard
from nlq_platform.text_to_sql.suggestions import suggest


@dataclass
class Answer:
    question: str
    engine: str
    sql: str | None = None
    #: the engine's reading of the question (see Generation.reading)
    reading: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    answer: str = ""
    error: str | None = None
    #: when refused: up to three close questions the engine can answer
    suggestions: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object (and the app's): plain JSON types only."""
        data = asdict(self)
        data.pop("details")
        data["rows"] = [[_plain(v) for v in row] for row in self.rows]
        data["elapsed_ms"] = round(self.elapsed_ms, 2)
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def error_text(exc: BaseException) -> str:
    """Why a question got no answer, in words for the analyst."""
    if isinstance(exc, NotUnderstood):
        text = str(exc)
        return text if text.startswith("question not understood") else f"question not understood: {text}"
    if isinstance(exc, InvalidSQL):
        return f"could not produce a valid query: {exc}"
    if isinstance(exc, ExecutionError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _failed(answer: Answer, exc: BaseException, started: float) -> Answer:
    answer.error = error_text(exc)
    answer.elapsed_ms = (time.perf_counter() - started) * 1000
    return answer


def turn_of(answer: Answer) -> Turn:
    """What a conversation keeps of an answer (rows as plain JSON values)."""
    plain = answer.to_json()
    return Turn(
        question=answer.question,
        reading=answer.reading,
        sql=answer.sql,
        plan=answer.details.get("plan"),
        columns=list(answer.columns),
        rows=plain["rows"],
        error=answer.error,
    )


def choose_engine(name: str, settings: Settings | None = None) -> Engine:
    """``auto``: Claude when ANTHROPIC_API_KEY is set, otherwise the offline engine.

    ``settings`` default: the environment's, read afresh."""
    settings = settings if settings is not None else load_settings()
    if name == "auto":
        name = "anthropic" if settings.anthropic_api_key else "offline"
    if name == "offline":
        from nlq_platform.text_to_sql.offline.engine import OfflineEngine

        return OfflineEngine()
    if name == "anthropic":
        from nlq_platform.text_to_sql.anthropic_engine import AnthropicEngine, AnthropicSettings

        return AnthropicEngine(AnthropicSettings.from_settings(settings))
    raise ValueError(f"unknown engine {name!r} (use auto, offline or anthropic)")


async def live_context(conn: asyncpg.Connection, tables: tuple[str, ...] = ("logs",)) -> Context:
    """The context straight from the database, for when no metadata cache exists."""
    snapshot = await fetch_snapshot(conn, tables)
    catalog: dict[str, list[str]] = {}
    for table in snapshot.tables:
        for column, values in (await fetch_value_catalog(conn, table)).items():
            catalog[column] = [v["value"] for v in values]
    return Context(schema=snapshot, catalog=catalog)


class TextToSQL:
    """Answers questions and runs analyst SQL against one database (reader role)."""

    def __init__(self, settings: Settings, engine: str | None = None, dsn: str | None = None) -> None:
        self.settings = settings
        self.engine_name = engine or settings.engine
        self._dsn = dsn or dsn_mod.resolve(settings).reader
        self._engine: Engine | None = None
        self._conn: asyncpg.Connection | None = None
        self._context: Context | None = None
        self._context_at = 0.0
        self._loader: CacheLoader | None = None

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn, timeout=10)
        return self._conn

    async def aclose(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()

    async def context(self) -> Context:
        """The metadata cache document when there is one, else the live database (TTL-cached)."""
        fresh = time.monotonic() - self._context_at < self.settings.context_ttl_s
        if self._context is not None and fresh:
            return self._context
        cached = await asyncio.to_thread(self._cache_loader().context)
        if cached is not None and cached.schema.tables:
            return cached  # the loader has its own TTL and picks up a refreshed cache
        self._context = await live_context(await self._connection())
        self._context_at = time.monotonic()
        return self._context

    def _cache_loader(self) -> CacheLoader:
        if self._loader is None:
            store = store_from_uri(default_cache_uri(self.settings))
            self._loader = CacheLoader(store, ttl_s=self.settings.context_ttl_s)
        return self._loader

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = choose_engine(self.engine_name, self.settings)
        return self._engine

    async def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """Answer ``question``; within a ``conversation`` it may follow up on the earlier turns,
        and its turn is recorded there (answered or refused)."""
        answer = await self._ask(question, conversation.history() if conversation is not None else None)
        if conversation is not None:
            conversation.record(turn_of(answer))
        return answer

    async def _ask(self, question: str, history: tuple[Turn, ...] | None) -> Answer:
        started = time.perf_counter()
        answer = Answer(question=question, engine=self.engine_name)
        context: Context | None = None
        try:
            context = await self.context()
            engine = self.engine()
            answer.engine = engine.name
            loop = asyncio.get_running_loop()

            def validate(sql: str) -> None:
                future = asyncio.run_coroutine_threadsafe(self._validate(sql, context), loop)
                future.result(timeout=self.settings.query_timeout_ms / 1000 + 10)

            generation = await asyncio.to_thread(engine.generate, question, context, validate, history)
            answer.details = generation.details
            answer.reading = generation.reading
            return await self._execute(generation.sql, answer, context, started)
        except NotUnderstood as exc:  # refused: say why, and offer questions that can be answered
            if context is not None:
                answer.suggestions = await asyncio.to_thread(self._suggestions, question, context)
            return _failed(answer, exc, started)
        except Exception as exc:  # an analyst sees a sentence, never a traceback
            return _failed(answer, exc, started)

    def _suggestions(self, question: str, context: Context) -> list[str]:
        """Closest questions the engine understands (checked by the engine, when it can tell
        without the network: :func:`~nlq_platform.text_to_sql.engine.answer_check`)."""
        answerable = answer_check(self.engine(), context)
        try:
            return suggest(question, context, answerable) if answerable else suggest(question, context)
        except Exception:  # suggestions are a courtesy: never the reason an answer fails
            return []

    async def _sentence(self, answer: Answer, sql: str, context: Context) -> str:
        """The answer in words. Claude's, from the first rows, when Claude answered and
        NLQ_ANTHROPIC_SEND_ROWS allows sending rows — kept only when every number in it is one
        the rows sent show; otherwise (the default: no row leaves the platform), or when that
        call fails, the deterministic sentence (:func:`answer_text`)."""
        write = getattr(self._engine, "write_answer", None)
        if (
            write is not None
            and answer.engine == "anthropic"
            and self.settings.anthropic_send_rows
            and answer.rows
        ):
            try:
                written = await asyncio.to_thread(
                    write, answer.question, answer.reading, sql, answer.columns, answer.rows
                )
                text, why = checked_written_answer(
                    written.text, answer.question, sql, answer.rows[: written.rows_sent], len(answer.rows)
                )
            except Exception as exc:  # the sentence must never cost the analyst the answer
                text, why = None, error_text(exc)
            answer.details["sentence"] = {"by": "anthropic"} if text else {"by": "builder", "why": why}
            if text:
                return text
        return answer_text(
            answer.question,
            sql,
            answer.columns,
            answer.rows,
            answer.details.get("plan"),
            context.schema.dialect or "postgres",
        )

    async def run_sql(self, sql: str, question: str = "") -> Answer:
        started = time.perf_counter()
        answer = Answer(question=question, engine="sql")
        try:
            return await self._execute(sql, answer, await self.context(), started)
        except Exception as exc:
            return _failed(answer, exc, started)

    async def _validate(self, sql: str, context: Context) -> None:
        try:
            guarded = guard(sql, context.schema, default_limit=self.settings.query_limit)
            await fetch_readonly(
                await self._connection(), guarded.sql, self.settings.query_timeout_ms, explain_only=True
            )
        except (GuardError, ExecutionError) as exc:
            raise InvalidSQL(str(exc)) from exc

    async def _execute(self, sql: str, answer: Answer, context: Context, started: float) -> Answer:
        try:
            guarded = guard(sql, context.schema, default_limit=self.settings.query_limit)
        except GuardError as exc:
            answer.sql = sql
            answer.error = f"query refused: {exc}"
            answer.elapsed_ms = (time.perf_counter() - started) * 1000
            return answer
        answer.sql = guarded.sql
        conn = await self._connection()
        # A window older than NLQ_RETENTION_DAYS is answered from the archive (DuckDB).
        result = await answer_from_archive(self.settings, conn, guarded.sql)
        if result is None:
            result = await fetch_readonly(conn, guarded.sql, self.settings.query_timeout_ms)
        else:
            answer.details["source"] = "archive"
        answer.columns, answer.rows = result.columns, result.rows
        answer.answer = await self._sentence(answer, guarded.sql, context)
        answer.elapsed_ms = (time.perf_counter() - started) * 1000
        return answer
