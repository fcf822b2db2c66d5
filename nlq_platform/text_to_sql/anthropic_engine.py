"""The Anthropic engine: Claude writes the SQL, forced through one tool call, repaired on errors.

One request carries the schema (as DDL with the COMMENT descriptions and enum labels), value hints
from the catalog and the few-shot examples most similar to the question; the model must answer by
calling the ``submit_sql`` tool. When a validator refuses the SQL (guard, EXPLAIN), its reason goes
back to the model as an ``is_error`` tool result and the model tries again — at most
``max_repairs`` times.

Rate limits (429) and server errors (5xx, 529 overloaded) are retried by the SDK itself
(``max_retries``, honouring ``Retry-After``); whatever still fails — and timeouts, connection and
authentication errors — surfaces as :class:`EngineUnavailable` with a message fit for a user.

With ``NLQ_ANTHROPIC_SEND_ROWS`` on (default off), :meth:`AnthropicEngine.write_answer` also
asks Claude for the answer sentence, from the question, the reading, the SQL and the first
:data:`SENTENCE_ROWS` rows; off, no row is ever sent and the service builds the sentence locally.

The ``anthropic`` package is imported lazily (it takes seconds to import) and the client is built
on the first :meth:`AnthropicEngine.generate`, so importing this module never touches the network.

Settings (environment):

=============================  =====================  ================================================
``ANTHROPIC_API_KEY``          (required)             API key
``NLQ_ANTHROPIC_MODEL``        ``claude-sonnet-4-5``  model id
``NLQ_ANTHROPIC_BASE_URL``     SDK default            API base URL (proxy, gateway, test server)
``NLQ_ANTHROPIC_TIMEOUT_S``    ``30``                 timeout of one HTTP attempt, seconds
``NLQ_ANTHROPIC_MAX_RETRIES``  ``2``                  SDK retries on 408/409/429/5xx/timeouts
``NLQ_FEW_SHOT_K``             ``5``                  few-shot examples per prompt
``NLQ_ANTHROPIC_SEND_ROWS``    ``false``              Claude writes the answer sentence from the rows
=============================  =====================  ================================================
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nlq_platform.config import Settings, SettingsError, load_settings
from nlq_platform.metadata.schema import SchemaSnapshot, Table
from nlq_platform.text_to_sql.context import Context, Example
from nlq_platform.text_to_sql.conversation import Turn
from nlq_platform.text_to_sql.engine import Generation, InvalidSQL, NotUnderstood, Validator
from nlq_platform.text_to_sql.similarity import most_similar

if TYPE_CHECKING:  # importing anthropic costs seconds; only the type checker pays for it here
    from anthropic import Anthropic

DEFAULT_MODEL: str = Settings.model_fields["anthropic_model"].default
TOOL_NAME = "submit_sql"
#: values per catalog column shown to the model
MAX_HINT_VALUES = 20
MAX_HINT_VALUE_CHARS = 80
#: rows sent for the answer sentence (NLQ_ANTHROPIC_SEND_ROWS), and the longest cell text sent
SENTENCE_ROWS = 20
MAX_SENTENCE_CELL_CHARS = 200

SUBMIT_SQL_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": (
        "Submit the one read-only SQL query that answers the user's question, with a short "
        "explanation and the reading: how the question was understood. If the question cannot be "
        "answered from the schema, set cannot_answer to true, leave sql empty, list the words of the "
        "question the schema has nothing for in not_understood and say in the explanation what is missing."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "sql": {"type": "string", "description": "A single SELECT statement (no trailing semicolon)."},
            "explanation": {
                "type": "string",
                "description": "One or two sentences, in the language of the question, on what the query does.",
            },
            "reading": {
                "type": "string",
                "description": "One sentence, in the language of the question, naming every condition "
                "of the query and every default taken, separated by ' · ' (e.g. 'errors = level ERROR · "
                "service = payment-api · last 1 hour (default for incident questions) · per 5 minutes').",
            },
            "cannot_answer": {
                "type": "boolean",
                "description": "true when the schema cannot answer the question.",
            },
            "not_understood": {
                "type": "array",
                "items": {"type": "string"},
                "description": "With cannot_answer: the words of the question, as written, that the "
                "schema has nothing for (e.g. ['CPU usage']).",
            },
        },
        "required": ["sql", "explanation"],
    },
}


# --- errors and settings ---------------------------------------------------------------------------


class EngineUnavailable(Exception):
    """The model could not be asked: missing key, network, timeout, rate limit, outage …

    ``str(err)`` is a sentence for the user; ``retryable`` says whether trying again later may help.
    """

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retryable = retryable


class EngineNotConfigured(EngineUnavailable):
    """The engine's settings are missing or invalid (e.g. no ANTHROPIC_API_KEY)."""


@dataclass(frozen=True)
class AnthropicSettings:
    """The Claude engine's part of the platform's settings (:mod:`nlq_platform.config`)."""

    api_key: str | None = None
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 2
    few_shot_k: int = 5
    #: NLQ_ANTHROPIC_SEND_ROWS: may rows be sent, for Claude to write the answer sentence?
    send_rows: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AnthropicSettings:
        return cls(
            api_key=(settings.anthropic_api_key or "").strip() or None,
            model=settings.anthropic_model.strip() or DEFAULT_MODEL,
            base_url=(settings.anthropic_base_url or "").strip() or None,
            timeout_s=settings.anthropic_timeout_s,
            max_retries=settings.anthropic_max_retries,
            few_shot_k=settings.few_shot_k,
            send_rows=settings.anthropic_send_rows,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnthropicSettings:
        """From the process environment (read afresh), or from ``env`` alone."""
        try:
            return cls.from_settings(load_settings(env))
        except SettingsError as exc:
            raise EngineNotConfigured(str(exc)) from None


# --- few-shot selection ----------------------------------------------------------------------------

# --- prompt ----------------------------------------------------------------------------------------


def _sql_literal(value: str) -> str:
    value = value if len(value) <= MAX_HINT_VALUE_CHARS else value[: MAX_HINT_VALUE_CHARS - 1] + "…"
    return "'" + value.replace("'", "''") + "'"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_table(table: Table, dialect: str) -> str:
    """A table as commented DDL: types, NOT NULL, enum labels, descriptions."""
    name = f"`{table.table_id}`" if dialect == "bigquery" else table.table_id
    head = f"CREATE TABLE {name} ("
    if table.description:
        head += f"  -- {_one_line(table.description)}"
    lines = [head]
    for i, col in enumerate(table.columns):
        definition = f"  {col.name} {col.type}"
        if col.mode == "REQUIRED":
            definition += " NOT NULL"
        if i < len(table.columns) - 1:
            definition += ","
        notes = []
        if col.enum_values:
            notes.append("enum: " + ", ".join(_sql_literal(v) for v in col.enum_values))
        if col.description:
            notes.append(_one_line(col.description))
        if notes:
            definition += "  -- " + "; ".join(notes)
        lines.append(definition)
    lines.append(");")
    return "\n".join(lines)


def render_value_hints(catalog: Mapping[str, Sequence[str]], limit: int = MAX_HINT_VALUES) -> str:
    lines = []
    for column, values in catalog.items():
        shown = [str(v) for v in list(values)[:limit]]
        if not shown:
            continue
        label = "message starts (match with LIKE 'start:%')" if column == "message_template" else column
        line = f"- {label}: " + ", ".join(_sql_literal(v) for v in shown)
        if len(values) > limit:
            line += f", … ({len(values) - limit} more)"
        lines.append(line)
    return "\n".join(lines)


def _dialect_rules(schema: SchemaSnapshot) -> list[str]:
    columns = {c.name.lower(): c for t in schema.tables for c in t.columns}
    time_col = next((c.name for c in columns.values() if "timestamp" in c.type.lower()), "created_at")
    if schema.dialect == "bigquery":
        return [
            "Write BigQuery Standard SQL: exactly one read-only SELECT (WITH … SELECT is fine). "
            "Never INSERT, UPDATE, DELETE, MERGE, DDL or several statements.",
            "Quote table ids in backticks, exactly as in the schema.",
            f"Relative time windows: {time_col} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR).",
        ]
    rules = [
        "Write PostgreSQL SQL: exactly one read-only SELECT (WITH … SELECT is fine). "
        "Never INSERT, UPDATE, DELETE, MERGE, DDL or several statements.",
    ]
    if "deleted" in columns:
        rules.append("Rows with deleted = TRUE are soft-deleted: always filter deleted = FALSE.")
    rules.append(
        f"Relative time windows use NOW() - INTERVAL, e.g. {time_col} >= NOW() - INTERVAL '1 hour'; "
        f"'today' is {time_col} >= date_trunc('day', NOW())."
    )
    if any(c.enum_values for c in columns.values()):
        rules.append("Enum columns accept only their listed labels, spelled exactly (e.g. level = 'ERROR').")
    if any(c.type.lower() == "jsonb" for c in columns.values()):
        rules.append("JSONB columns are read with ->> (text) or -> (json).")
    return rules


def build_system_prompt(context: Context, examples: Sequence[Example]) -> list[dict[str, Any]]:
    """The system prompt as text blocks: the stable part (cached) first, the examples after."""
    schema = context.schema
    dialect_name = "BigQuery" if schema.dialect == "bigquery" else "PostgreSQL"
    rules = [
        *_dialect_rules(schema),
        "Use only the tables and columns of the schema below.",
        "Spell values as in the value hints; for a value not listed, match it with ILIKE.",
        "Give computed columns short aliases; for lists of rows add ORDER BY and a LIMIT (100 unless "
        "the question says otherwise).",
        "Write the explanation in the language of the question (Korean question → Korean explanation).",
        "Fill reading with one sentence in the language of the question that names every condition and "
        "every default you took (a window nobody asked for, an ordering, a limit).",
        f"If the schema cannot answer the question, call {TOOL_NAME} with cannot_answer = true, an empty "
        "sql, the question's words the schema has nothing for in not_understood, and an explanation of "
        "what is missing. Never guess tables or columns, and never answer a different question.",
        f"Always answer by calling the {TOOL_NAME} tool.",
    ]
    parts = [
        f"You translate questions about application logs into one {dialect_name} query.",
        "Rules:\n" + "\n".join(f"- {r}" for r in rules),
        "Schema:\n" + "\n\n".join(render_table(t, schema.dialect) for t in schema.tables),
    ]
    hints = render_value_hints(context.catalog)
    if hints:
        parts.append("Value hints (most frequent values per column):\n" + hints)
    blocks: list[dict[str, Any]] = [
        {"type": "text", "text": "\n\n".join(parts), "cache_control": {"type": "ephemeral"}}
    ]
    if examples:
        rendered = "\n".join(
            f"<example>\n<question>{e.question}</question>\n<sql>{e.sql.strip()}</sql>\n</example>"
            for e in examples
        )
        blocks.append(
            {"type": "text", "text": "Examples of questions and their SQL on this schema:\n" + rendered}
        )
    return blocks


def _examples_for(context: Context, question: str, k: int) -> list[Example]:
    on_schema = [e for e in context.examples if context.schema.table(e.table_id) is not None]
    return most_similar(question, on_schema or context.examples, k)


# --- the engine ------------------------------------------------------------------------------------


def _clean_sql(sql: str) -> str:
    sql = sql.strip()
    fenced = re.fullmatch(r"```(?:sql)?\s*(.*?)\s*```", sql, re.DOTALL | re.IGNORECASE)
    if fenced:
        sql = fenced.group(1)
    return sql.strip().rstrip(";").strip()


def _block_param(block: Any) -> dict[str, Any] | None:
    """A response content block as a request content block (for the repair turn)."""
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return None


#: earlier turns sent with a follow-up: enough for "그럼 staging은?", not the whole session
HISTORY_TURNS = 3


def question_message(question: str, history: Sequence[Turn] | None = None) -> str:
    """The user message: the question, after the conversation's last answered turns (question,
    reading, SQL — never their rows) so that a follow-up can be read as a change to them. The
    model still returns one complete query, which goes through the same guard."""
    earlier = [t for t in history or () if t.answered][-HISTORY_TURNS:]
    if not earlier:
        return f"Question: {question}"
    lines = ["Earlier in this conversation (oldest first):"]
    for n, turn in enumerate(earlier, 1):
        lines += [f"{n}. Question: {turn.question}", f"   Reading: {turn.reading}", f"   SQL: {turn.sql}"]
    lines += [
        "",
        "Question (it may follow up on the turns above — keep what it does not change, "
        f"and return one complete query): {question}",
    ]
    return "\n".join(lines)


SENTENCE_SYSTEM = """You write the answer to an analyst's question about application logs: one or \
two sentences, from the result of the query that answered it.
Rules:
- Write in the language of the question (Korean question → Korean answer).
- Say only what the rows say. Every number you write must be a value in the rows (rounding is \
fine), the number of rows, or a number of the question; never compute totals, shares, \
differences, averages or rates of your own.
- When only the first rows are shown, say nothing about the others.
- Times are UTC: write them as in the rows (24-hour clock).
- Name things in words: no column aliases, no SQL, no markdown, no lists, no preamble. Reply with \
the sentences only."""


@dataclass(frozen=True)
class WrittenAnswer:
    """Claude's answer sentence, and how many of the rows (the first ones) it was written from."""

    text: str
    rows_sent: int


def _cell(value: Any) -> Any:
    """A cell as JSON, long text cut."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=str)
    value = str(value)
    cut = MAX_SENTENCE_CELL_CHARS
    return value if len(value) <= cut else value[: cut - 1] + "…"


def sentence_message(
    question: str, reading: str, sql: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, int]:
    """The user message for the answer sentence — the question, the reading, the SQL and the
    first :data:`SENTENCE_ROWS` rows as JSON lines — and how many rows it carries."""
    sent = list(rows[:SENTENCE_ROWS])
    shown = "all" if len(sent) == len(rows) else f"the first {len(sent)}"
    lines = [f"Question: {question}"]
    if reading:
        lines.append(f"Reading: {reading}")
    lines += [
        f"SQL: {sql}",
        f"Columns: {json.dumps(list(columns), ensure_ascii=False)}",
        f"Rows ({len(rows)} in total; {shown} shown, one JSON array a line):",
        *(json.dumps([_cell(v) for v in row], ensure_ascii=False) for row in sent),
        "",
        "Write the answer.",
    ]
    return "\n".join(lines), len(sent)


class AnthropicEngine:
    """Text-to-SQL with Claude: forced ``submit_sql`` tool call, validator-driven repair."""

    name = "anthropic"

    def __init__(
        self,
        settings: AnthropicSettings | None = None,
        *,
        client: Anthropic | None = None,
        max_repairs: int = 2,
        max_tokens: int = 1024,
    ) -> None:
        self.settings = settings if settings is not None else AnthropicSettings.from_env()
        self.max_repairs = max_repairs
        self.max_tokens = max_tokens
        self._client = client
        self._lock = threading.Lock()

    # -- client ------------------------------------------------------------------------------------

    def _get_client(self) -> Anthropic:
        with self._lock:
            if self._client is None:
                if not self.settings.api_key:
                    raise EngineNotConfigured(
                        "The Anthropic engine needs an API key: set ANTHROPIC_API_KEY "
                        "(or use the offline engine)."
                    )
                from anthropic import Anthropic

                self._client = Anthropic(
                    api_key=self.settings.api_key,
                    base_url=self.settings.base_url,
                    max_retries=self.settings.max_retries,
                    timeout=self.settings.timeout_s,
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _create(self, system: list[dict[str, Any]], messages: list[dict[str, Any]]) -> Any:
        client = self._get_client()
        import anthropic

        try:
            return client.messages.create(
                model=self.settings.model,
                max_tokens=self.max_tokens,
                system=system,  # type: ignore[arg-type]
                messages=messages,  # type: ignore[arg-type]
                tools=[SUBMIT_SQL_TOOL],  # type: ignore[list-item]
                tool_choice={"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
            )
        except anthropic.AnthropicError as err:
            raise self._unavailable(err) from err

    def _unavailable(self, err: Exception) -> EngineUnavailable:
        import anthropic

        s = self.settings
        retried = " (after retrying)" if s.max_retries > 0 else ""
        where = s.base_url or "api.anthropic.com"
        if isinstance(err, anthropic.APITimeoutError):
            return EngineUnavailable(
                f"The Anthropic API did not answer within {s.timeout_s:g} s{retried}. "
                "Try again, or raise NLQ_ANTHROPIC_TIMEOUT_S.",
                retryable=True,
            )
        if isinstance(err, anthropic.APIConnectionError):
            return EngineUnavailable(
                f"Cannot reach the Anthropic API at {where}{retried}. "
                "Check the network connection or NLQ_ANTHROPIC_BASE_URL.",
                retryable=True,
            )
        if isinstance(err, anthropic.APIStatusError):
            code = err.status_code
            if code == 401:
                message = "The Anthropic API rejected the API key (HTTP 401). Check ANTHROPIC_API_KEY."
            elif code == 403:
                message = f"The API key may not use model {s.model!r} (HTTP 403)."
            elif code == 404:
                message = (
                    f"The Anthropic API at {where} does not know model {s.model!r} (HTTP 404). "
                    "Check NLQ_ANTHROPIC_MODEL and NLQ_ANTHROPIC_BASE_URL."
                )
            elif code == 429:
                message = (
                    f"The Anthropic API is rate-limiting requests (HTTP 429){retried}. Try again in a minute."
                )
            elif code == 529:
                message = f"The Anthropic API is overloaded (HTTP 529){retried}. Try again shortly."
            elif code >= 500:
                message = f"The Anthropic API is failing (HTTP {code}){retried}. Try again shortly."
            else:
                detail = _one_line(err.api_message or "")[:200]
                message = f"The Anthropic API refused the request (HTTP {code})" + (
                    f": {detail}" if detail else "."
                )
            return EngineUnavailable(
                message, status_code=code, retryable=code in (408, 409, 429) or code >= 500
            )
        return EngineUnavailable(f"The Anthropic API call failed ({type(err).__name__}).")

    # -- generation --------------------------------------------------------------------------------

    def generate(
        self,
        question: str,
        context: Context,
        validate: Validator | None = None,
        history: Sequence[Turn] | None = None,
    ) -> Generation:
        examples = _examples_for(context, question, self.settings.few_shot_k)
        system = build_system_prompt(context, examples)
        messages: list[dict[str, Any]] = [{"role": "user", "content": question_message(question, history)}]
        attempts: list[dict[str, Any]] = []
        usage: Counter[str] = Counter()
        details: dict[str, Any] = {
            "model": self.settings.model,
            "attempts": attempts,
            "explanation": "",
            "usage": usage,
            "examples": [e.question for e in examples],
        }
        last_error = ""
        for _ in range(1 + max(0, self.max_repairs)):
            response = self._create(system, messages)
            details["model"] = getattr(response, "model", None) or self.settings.model
            _add_usage(usage, response)
            details["usage"] = dict(usage)

            tool_uses = [b for b in response.content if b.type == "tool_use"]
            call = next((b for b in tool_uses if b.name == TOOL_NAME), None)
            if call is None:
                if response.stop_reason == "refusal":
                    raise NotUnderstood("The model declined to answer this question.")
                raise NotUnderstood(f"The model returned no SQL (stop reason: {response.stop_reason}).")
            tool_input = call.input if isinstance(call.input, dict) else {}
            explanation = str(tool_input.get("explanation") or "").strip()
            raw_sql = tool_input.get("sql")
            sql = _clean_sql(raw_sql) if isinstance(raw_sql, str) else ""
            if tool_input.get("cannot_answer") is True:
                raise NotUnderstood(refusal_message(tool_input.get("not_understood"), explanation))

            error: str | None = None
            if not sql:
                error = f"{TOOL_NAME} was called without a query in 'sql'."
            elif validate is not None:
                try:
                    validate(sql)
                except InvalidSQL as err:
                    error = str(err) or type(err).__name__
            attempts.append({"sql": sql, "explanation": explanation, "error": error})
            details["explanation"] = explanation
            if error is None:
                reading = str(tool_input.get("reading") or "").strip() or explanation
                return Generation(sql=sql, engine=self.name, details=details, reading=reading)

            last_error = error
            messages.append(
                {"role": "assistant", "content": [p for b in response.content if (p := _block_param(b))]}
            )
            messages.append({"role": "user", "content": _tool_results(tool_uses, call.id, error)})

        failure = InvalidSQL(last_error)
        failure.details = details  # type: ignore[attr-defined]
        raise failure

    # -- the answer in words -----------------------------------------------------------------------

    def write_answer(
        self,
        question: str,
        reading: str,
        sql: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> WrittenAnswer:
        """Claude's answer sentence from the first :data:`SENTENCE_ROWS` rows — only when
        ``send_rows`` (NLQ_ANTHROPIC_SEND_ROWS) allows it; otherwise nothing is sent and this
        raises :class:`PermissionError`. Raises :class:`EngineUnavailable` when the call fails
        and :class:`NotUnderstood` when the reply holds no text. The caller checks the sentence
        (numbers, language) before showing it."""
        if not self.settings.send_rows:
            raise PermissionError(
                "rows may not be sent to the Anthropic API (NLQ_ANTHROPIC_SEND_ROWS is off)"
            )
        message, sent = sentence_message(question, reading, sql, columns, rows)
        client = self._get_client()
        import anthropic

        try:
            response = client.messages.create(
                model=self.settings.model,
                max_tokens=400,
                system=SENTENCE_SYSTEM,
                messages=[{"role": "user", "content": message}],
            )
        except anthropic.AnthropicError as err:
            raise self._unavailable(err) from err
        text = " ".join(b.text for b in response.content if b.type == "text").strip()
        if not text:
            raise NotUnderstood(f"The model wrote no sentence (stop reason: {response.stop_reason}).")
        return WrittenAnswer(text=" ".join(text.split()), rows_sent=sent)


def refusal_message(words: object, explanation: str) -> str:
    """The refusal contract both engines keep: ``question not understood: "w" — why``, naming the
    words the schema has nothing for (the model's list), then the model's explanation."""
    named = [w.strip() for w in words if isinstance(w, str) and w.strip()] if isinstance(words, list) else []
    why = explanation or "the question cannot be answered from this schema"
    if not named:
        return f"question not understood — {why}"
    return "question not understood: " + "; ".join(f'"{w}"' for w in named) + f" — {why}"


def _tool_results(tool_uses: Iterable[Any], failed_id: str, error: str) -> list[dict[str, Any]]:
    """One tool_result per tool_use (the API requires it); the failed call carries the error."""
    results = []
    for block in tool_uses:
        if block.id == failed_id:
            text = f"The query was rejected: {error}\nFix the SQL and call {TOOL_NAME} again."
        else:
            text = f"Ignored: answer with a single {TOOL_NAME} call."
        results.append({"type": "tool_result", "tool_use_id": block.id, "is_error": True, "content": text})
    return results


def _add_usage(total: Counter[str], response: Any) -> None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return
    total["requests"] += 1
    for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        value = getattr(usage, key, None)
        if isinstance(value, int):
            total[key] += value


__all__ = [
    "SENTENCE_ROWS",
    "SUBMIT_SQL_TOOL",
    "AnthropicEngine",
    "AnthropicSettings",
    "EngineNotConfigured",
    "EngineUnavailable",
    "WrittenAnswer",
    "build_system_prompt",
    "most_similar",
    "render_table",
    "render_value_hints",
]
