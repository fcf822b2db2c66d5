"""The execution-accuracy evaluation: every scenario, in each language, through the engine.

For each question the engine writes SQL exactly as :meth:`TextToSQL.ask` has it do (the service's
context and engine, the same validator: guard + EXPLAIN), timed on its own — the context is
loaded once beforehand and the validator's database time is subtracted. The SQL then passes the
guard, and the gold SQL (through the guard too: it only gains a LIMIT) and the predicted SQL run
in ONE read-only REPEATABLE READ transaction as ``nlq_reader``, so both see the same ``NOW()``
and the same snapshot, under ``statement_timeout``. The two results are compared by
:mod:`nlq_platform.evaluation.scoring`.

One reader connection serves the whole run (validation and execution); the service opens its
own only to read the live schema when there is no metadata cache document.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.evaluation import scoring
from nlq_platform.evaluation.report import EvalReport, ItemResult
from nlq_platform.evaluation.scenarios import SCENARIOS_PATH, Scenario, load_conversations, load_scenarios
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.conversation import Turn
from nlq_platform.text_to_sql.engine import Engine, Generation, InvalidSQL, NotUnderstood
from nlq_platform.text_to_sql.executor import ExecutionError, QueryResult, fetch_readonly
from nlq_platform.text_to_sql.guard import GuardError, guard
from nlq_platform.text_to_sql.service import TextToSQL

LANGUAGES = ("ko", "en")
#: the dataset is anchored to its load time; its last-hour answers hold for about this long
FRESH_FOR = timedelta(minutes=10)

Progress = Callable[[ItemResult], None]


class EvalError(Exception):
    """Something kept the evaluation from running (database unreachable or lost, no data,
    unknown engine); the message is meant for the person running it."""


class _ConnectionLost(Exception):
    pass


#: failures of the connection rather than of a query
_CONNECTION_ERRORS = (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError, _ConnectionLost)


@dataclass
class PairResult:
    """Gold and predicted results of one transaction; a query's error, in words, instead of its
    result when the database refused it (after a gold error the predicted query does not run)."""

    gold: QueryResult | None
    gold_error: str | None
    predicted: QueryResult | None
    predicted_error: str | None
    elapsed_ms: float


def _query_error(exc: BaseException, timeout_ms: int) -> str:
    if isinstance(exc, asyncpg.QueryCanceledError):
        return f"cancelled after {timeout_ms / 1000:g} s (statement_timeout)"
    if isinstance(exc, asyncpg.PostgresError):
        return f"the database refused the query: {type(exc).__name__}: {exc}"
    return f"the query failed: {type(exc).__name__}: {exc}"


async def _fetch(
    conn: asyncpg.Connection, sql: str, timeout_ms: int
) -> tuple[QueryResult | None, str | None]:
    started = time.perf_counter()
    try:
        statement = await conn.prepare(sql)
        records = await statement.fetch()
        columns = [a.name for a in statement.get_attributes()]
    except _CONNECTION_ERRORS:
        raise
    except Exception as exc:
        if conn.is_closed():
            raise _ConnectionLost(str(exc)) from exc
        return None, _query_error(exc, timeout_ms)
    return QueryResult(columns, [tuple(r) for r in records], (time.perf_counter() - started) * 1000), None


async def fetch_pair(
    conn: asyncpg.Connection, gold_sql: str, predicted_sql: str | None, timeout_ms: int
) -> PairResult:
    """Run ``gold_sql`` then ``predicted_sql`` (if any) in one READ ONLY, REPEATABLE READ
    transaction with ``statement_timeout`` (as whatever role ``conn`` is: nlq_reader). The
    transaction is always rolled back. Query errors are returned; connection errors raised."""
    started = time.perf_counter()
    transaction = conn.transaction(isolation="repeatable_read", readonly=True)
    await transaction.start()
    try:
        await conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        gold, gold_error = await _fetch(conn, gold_sql, timeout_ms)
        predicted, predicted_error = None, None
        if gold_error is None and predicted_sql is not None:
            predicted, predicted_error = await _fetch(conn, predicted_sql, timeout_ms)
    finally:
        if not conn.is_closed():
            await transaction.rollback()
    return PairResult(gold, gold_error, predicted, predicted_error, (time.perf_counter() - started) * 1000)


@dataclass
class _Generated:
    generation: Generation | None
    error: BaseException | None
    generation_ms: float
    validation_ms: float


class _Run:
    def __init__(
        self,
        settings: Settings,
        scenarios: list[Scenario],
        engine: str | Engine | None,
        langs: tuple[str, ...],
        dsn: str,
        progress: Progress | None,
    ) -> None:
        self.settings = settings
        self.scenarios = scenarios
        self.langs = langs
        self.dsn = dsn
        self.progress = progress
        self.timeout_ms = settings.query_timeout_ms
        self.service = TextToSQL(settings, engine=engine if isinstance(engine, str) else None, dsn=dsn)
        self.given_engine = None if isinstance(engine, str) else engine
        self.conn: asyncpg.Connection | None = None
        self.context: Context | None = None
        self.engine: Engine | None = None
        self.warnings: list[str] = []

    # --- connection -------------------------------------------------------------------------------
    async def connect(self) -> asyncpg.Connection:
        if self.conn is not None and not self.conn.is_closed():
            return self.conn
        try:
            self.conn = await asyncpg.connect(self.dsn, timeout=10)
        except Exception as exc:
            raise EvalError(
                f"cannot connect to {dsn_mod.redact(self.dsn)}: {type(exc).__name__}: {exc} "
                "(is the database up and seeded? nlq eval seed)"
            ) from exc
        return self.conn

    async def close(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            await self.conn.close()
        await self.service.aclose()

    # --- setup -------------------------------------------------------------------------------------
    async def prepare(self) -> None:
        conn = await self.connect()
        await self.check_dataset(conn)
        try:
            self.context = await self.service.context()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise EvalError(f"cannot load the schema context: {type(exc).__name__}: {exc}") from exc
        if self.given_engine is not None:
            self.engine = self.given_engine
        else:
            try:
                self.engine = self.service.engine()
            except ValueError as exc:
                raise EvalError(str(exc)) from exc

    async def check_dataset(self, conn: asyncpg.Connection) -> None:
        try:
            async with conn.transaction(readonly=True):
                row = await conn.fetchrow(
                    "SELECT COUNT(*) AS n, MAX(created_at) AS newest, NOW() AS now FROM logs"
                )
        except asyncpg.PostgresError as exc:
            raise EvalError(f"cannot read the logs table: {exc} (nlq eval seed loads it)") from exc
        if not row["n"]:
            raise EvalError("the logs table is empty: load the evaluation dataset first (nlq eval seed)")
        age = row["now"] - row["newest"]
        if age > FRESH_FOR:
            self.warnings.append(
                f"the newest log is {_age(age)} old: the evaluation dataset is anchored to its load time "
                f"and last-hour answers drift after about {_age(FRESH_FOR)}; reload it just before "
                "evaluating (nlq eval seed)"
            )

    # --- one question ----------------------------------------------------------------------------
    async def validate(self, sql: str) -> None:
        """The validator TextToSQL.ask gives the engine: guard, then EXPLAIN as nlq_reader."""
        assert self.context is not None
        try:
            guarded = guard(sql, self.context.schema, default_limit=self.settings.query_limit)
            await fetch_readonly(await self.connect(), guarded.sql, self.timeout_ms, explain_only=True)
        except (GuardError, ExecutionError) as exc:
            raise InvalidSQL(str(exc)) from exc

    async def converse(self, questions: tuple[str, ...]) -> tuple[Turn, ...]:
        """Ask a conversation's earlier turns in order, each executed (its rows are what "the
        first one" binds to), and return them as the history of the turn that is scored."""
        history: list[Turn] = []
        for question in questions:
            generated = await self.generate(question, tuple(history))
            if generated.generation is None:
                history.append(Turn(question, error=str(generated.error)))
                continue
            gen = generated.generation
            turn = Turn(question, gen.reading, gen.sql, gen.details.get("plan"))
            try:
                assert self.context is not None
                executed = guard(gen.sql, self.context.schema, default_limit=self.settings.query_limit).sql
                result = await fetch_readonly(await self.connect(), executed, self.timeout_ms)
                turn.sql, turn.columns = executed, result.columns
                turn.rows = [list(r) for r in result.rows[:20]]
            except (GuardError, ExecutionError) as exc:
                turn.error = str(exc)
            history.append(turn)
        return tuple(history)

    async def generate(self, question: str, history: tuple[Turn, ...] | None = None) -> _Generated:
        """engine.generate in a worker thread (as in TextToSQL.ask), timed there; the time spent
        in the validator (database work) is measured apart and left out."""
        assert self.engine is not None and self.context is not None
        engine, context = self.engine, self.context
        loop = asyncio.get_running_loop()
        validation_s = 0.0

        def validate(sql: str) -> None:
            nonlocal validation_s
            started = time.perf_counter()
            try:
                future = asyncio.run_coroutine_threadsafe(self.validate(sql), loop)
                future.result(timeout=self.timeout_ms / 1000 + 10)
            finally:
                validation_s += time.perf_counter() - started

        def work() -> tuple[Generation | None, BaseException | None, float]:
            started = time.perf_counter()
            try:
                generation = engine.generate(question, context, validate, history)
            except Exception as exc:
                return None, exc, time.perf_counter() - started
            return generation, None, time.perf_counter() - started

        generation, error, total_s = await asyncio.to_thread(work)
        return _Generated(generation, error, max(total_s - validation_s, 0.0) * 1000, validation_s * 1000)

    async def run_pair(self, gold_sql: str, predicted_sql: str | None) -> PairResult:
        """fetch_pair, reconnecting once if the connection was lost."""
        for attempt in (1, 2):
            try:
                return await fetch_pair(await self.connect(), gold_sql, predicted_sql, self.timeout_ms)
            except _CONNECTION_ERRORS as exc:
                if attempt == 2:
                    raise EvalError(f"lost the database connection: {type(exc).__name__}: {exc}") from exc
                if self.conn is not None:
                    self.conn.terminate()
                self.conn = None
        raise AssertionError("unreachable")

    async def evaluate(
        self, scenario: Scenario, lang: str, gold_sql: str | None, gold_problem: str | None
    ) -> ItemResult:
        question = scenario.question if lang == "ko" else scenario.question_en
        earlier = scenario.earlier if lang == "ko" else scenario.earlier_en
        item = ItemResult(
            scenario_id=scenario.id,
            category=scenario.category,
            lang=lang,
            question=question,
            ordered=scenario.order,
            gold_sql=scenario.sql,
        )
        history = await self.converse(earlier) if earlier else None
        generated = await self.generate(question, history)
        item.generation_ms, item.validation_ms = generated.generation_ms, generated.validation_ms
        if not scenario.answerable:
            return _judge_refusal(item, generated)
        executed: str | None = None
        if generated.generation is not None:
            item.predicted_sql = generated.generation.sql
            item.engine_details = generated.generation.details
            try:
                assert self.context is not None
                executed = guard(
                    generated.generation.sql, self.context.schema, default_limit=self.settings.query_limit
                ).sql
                item.executed_sql = executed
            except GuardError as exc:
                item.outcome, item.error = "guard_refused", str(exc)
        elif isinstance(generated.error, NotUnderstood):
            item.outcome, item.error = "not_understood", str(generated.error)
        elif isinstance(generated.error, InvalidSQL):
            item.outcome, item.error = "invalid_sql", str(generated.error)
        else:
            item.outcome, item.error = "engine_error", f"{type(generated.error).__name__}: {generated.error}"

        if gold_sql is None:
            item.outcome, item.error = "gold_error", f"gold query refused by the guard: {gold_problem}"
            return item
        pair = await self.run_pair(gold_sql, executed)
        item.execution_ms = pair.elapsed_ms
        if pair.gold is None:
            item.outcome, item.error = "gold_error", f"gold query failed: {pair.gold_error}"
            return item
        gold = pair.gold
        item.gold_columns, item.gold_row_count = gold.columns, len(gold.rows)
        if executed is None:
            return item
        if pair.predicted is None:
            item.outcome, item.error = "execution_error", pair.predicted_error
            return item
        predicted = pair.predicted
        item.predicted_columns, item.predicted_row_count = predicted.columns, len(predicted.rows)
        comparison = scoring.compare(
            gold.columns, gold.rows, predicted.columns, predicted.rows, ordered=scenario.order
        )
        item.strict, item.subset = comparison.strict, comparison.subset
        if comparison.strict:
            item.outcome = "correct"
            return item
        item.outcome = "extra_columns" if comparison.subset else "wrong_result"
        item.diff = scoring.explain(
            gold.columns,
            gold.rows,
            predicted.columns,
            predicted.rows,
            ordered=scenario.order,
            comparison=comparison,
        )
        return item

    async def run(self) -> list[ItemResult]:
        await self.prepare()
        assert self.context is not None
        items: list[ItemResult] = []
        for scenario in self.scenarios:
            if not scenario.answerable:
                for lang in self.langs:
                    items.append(await self.evaluate(scenario, lang, None, None))
                    if self.progress is not None:
                        self.progress(items[-1])
                continue
            try:
                gold_sql: str | None = guard(
                    scenario.sql, self.context.schema, default_limit=self.settings.query_limit
                ).sql
                problem = None
            except GuardError as exc:
                gold_sql, problem = None, str(exc)
            for lang in self.langs:
                item = await self.evaluate(scenario, lang, gold_sql, problem)
                items.append(item)
                if self.progress is not None:
                    self.progress(item)
            if any(i.scenario_id == scenario.id and i.gold_row_count == 0 for i in items):
                self.warnings.append(
                    f"{scenario.id}: the gold query returned no rows (is the evaluation dataset loaded "
                    "and fresh? nlq eval seed)"
                )
        return items


#: a refusal names what it did not understand: a quoted word or phrase of the question
_NAMED = re.compile(r'"[^"]+"')


def _judge_refusal(item: ItemResult, generated: _Generated) -> ItemResult:
    """A question the data cannot answer: refusing it, naming the words, is the right answer."""
    if generated.generation is not None:
        item.outcome = "answered_unanswerable"
        item.predicted_sql = generated.generation.sql
        item.error = "answered a question the data cannot answer"
    elif isinstance(generated.error, NotUnderstood | InvalidSQL):
        item.error = str(generated.error)
        item.outcome = "refused_ok" if _NAMED.search(item.error) else "refused_vague"
        item.strict = item.subset = item.outcome == "refused_ok"
    else:
        item.outcome, item.error = "engine_error", f"{type(generated.error).__name__}: {generated.error}"
    return item


def _age(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


async def arun_eval(
    settings: Settings,
    scenarios_path: Path | None = None,
    engine: str | Engine | None = None,
    langs: Iterable[str] = LANGUAGES,
    *,
    dsn: str | None = None,
    progress: Progress | None = None,
    conversations: bool = False,
) -> EvalReport:
    """Evaluate ``engine`` (a name — auto, offline, anthropic — or an :class:`Engine`; default
    the settings' engine) on the scenarios in each of ``langs`` against the database of
    ``settings`` (as nlq_reader, or ``dsn``). Raises :class:`EvalError` (or ScenarioError) when
    the run cannot happen; a question's failure is in the report, never raised."""
    langs = tuple(langs)
    unknown = [lang for lang in langs if lang not in LANGUAGES]
    if unknown or not langs:
        raise EvalError(f"languages must be among {', '.join(LANGUAGES)} (got {', '.join(langs) or 'none'})")
    path = scenarios_path or SCENARIOS_PATH
    scenarios = load_conversations(path) if conversations else load_scenarios(path)
    reader_dsn = dsn or dsn_mod.resolve(settings).reader
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    run = _Run(settings, scenarios, engine, langs, reader_dsn, progress)
    try:
        items = await run.run()
    finally:
        await run.close()
    assert run.engine is not None
    return EvalReport(
        engine=run.engine.name,
        scenarios_path=str(path),
        languages=list(langs),
        started_at=started_at,
        elapsed_s=time.perf_counter() - started,
        items=items,
        warnings=run.warnings,
        database=dsn_mod.redact(reader_dsn),
        query_timeout_ms=settings.query_timeout_ms,
        query_limit=settings.query_limit,
    )


def run_eval(
    settings: Settings,
    scenarios_path: Path | None = None,
    engine: str | Engine | None = None,
    langs: Iterable[str] = LANGUAGES,
    *,
    dsn: str | None = None,
    progress: Progress | None = None,
    conversations: bool = False,
) -> EvalReport:
    """:func:`arun_eval` for synchronous callers (the CLI, the Dagster asset)."""
    return asyncio.run(
        arun_eval(
            settings, scenarios_path, engine, langs, dsn=dsn, progress=progress, conversations=conversations
        )
    )
