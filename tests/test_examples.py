"""Few-shot examples: the offline synthesiser, validation on a real seeded database, dedupe,
Claude through the real SDK against a local Messages API server, and accepted feedback."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import asyncpg
import pytest
import sqlglot

from nlq_platform.db.dsn import with_credentials
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.metadata.examples import (
    EXAMPLES_TOOL_NAME,
    Example,
    build_examples,
    build_examples_for,
    dedupe_examples,
    generate_examples_with_claude,
    load_accepted_feedback,
    normalize_sql,
    question_similarity,
    synthesize_examples,
    validate_examples,
)
from nlq_platform.metadata.postgres import MESSAGE_MIN_COUNT, fetch_table, fetch_value_catalog
from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.text_to_sql.anthropic_engine import (
    AnthropicSettings,
    EngineNotConfigured,
    EngineUnavailable,
)
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.executor import ExecutionError, fetch_readonly
from nlq_platform.text_to_sql.guard import guard
from nlq_platform.text_to_sql.offline.engine import OfflineEngine
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

T = TypeVar("T")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

ORDERS_DDL = """
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');
CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    ordered_at TIMESTAMPTZ NOT NULL,
    status order_status NOT NULL,
    country VARCHAR(2),
    customer_id BIGINT,
    amount NUMERIC(12, 2),
    item_count INTEGER
);
COMMENT ON TABLE orders IS '주문 테이블';
COMMENT ON COLUMN orders.ordered_at IS '주문 시각';
COMMENT ON COLUMN orders.status IS '주문 상태';
COMMENT ON COLUMN orders.country IS '배송 국가 코드';
COMMENT ON COLUMN orders.customer_id IS '고객 ID';
COMMENT ON COLUMN orders.amount IS '주문 금액 (원)';
INSERT INTO orders (ordered_at, status, country, customer_id, amount, item_count)
SELECT NOW() - g * INTERVAL '7 minutes',
       (ARRAY['paid', 'shipped', 'cancelled', 'pending'])[1 + g % 4]::order_status,
       (ARRAY['KR', 'US', 'JP'])[1 + g % 3],
       1 + g % 37,
       10 + (g % 200) * 1.5,
       1 + g % 5
FROM generate_series(0, 2000) AS g;
GRANT SELECT ON orders TO nlq_reader;
"""


def run(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Seeded:
    owner_dsn: str
    reader_dsn: str
    logs: Table
    orders: Table
    catalog: dict[str, dict[str, list[dict[str, Any]]]]  # the value_catalog asset's shape

    @property
    def schema(self) -> SchemaSnapshot:
        return SchemaSnapshot(tables=(self.logs, self.orders))


@pytest.fixture(scope="module")
def seeded(pg: TestPostgres) -> Seeded:
    """Own database: migrated, loaded with the evaluation dataset, plus a small ``orders`` table."""
    owner = pg.create_database("nlq_examples")
    asyncio.run(migrate(owner, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(load(owner))
    reader = with_credentials(owner, "nlq_reader", READER_PASSWORD)

    async def setup() -> Seeded:
        conn = await asyncpg.connect(owner)
        try:
            await conn.execute(ORDERS_DDL)
        finally:
            await conn.close()
        conn = await asyncpg.connect(reader)
        try:
            logs = await fetch_table(conn, "logs")
            orders = await fetch_table(conn, "orders")
            assert logs is not None and orders is not None
            catalog = {
                "logs": await fetch_value_catalog(conn, logs),
                "orders": await fetch_value_catalog(conn, orders, columns=("status", "country")),
            }
        finally:
            await conn.close()
        return Seeded(owner, reader, logs, orders, catalog)

    return asyncio.run(setup())


def test_the_catalog_keeps_rare_event_names_but_not_template_instances(seeded: Seeded) -> None:
    """A digit-free message seen twice is an event name; one with digits is a template's instance."""
    messages = {v["value"]: v["count"] for v in seeded.catalog["logs"]["message"]}
    assert {"worker restarted by supervisor", "refresh token expired"} <= messages.keys()
    rare = [m for m, n in messages.items() if n < MESSAGE_MIN_COUNT]
    assert rare and not any(re.search(r"\d", m) for m in rare)


def test_the_catalog_keeps_the_fixed_starts_of_varying_messages(seeded: Seeded) -> None:
    """ "slow page render: /cart …", "job finished: sync_stock …": templates of several words."""
    templates = {v["value"] for v in seeded.catalog["logs"]["message_template"]}
    assert {"slow page render", "job finished", "job started"} <= templates
    assert all(" " in t and not re.search(r"\d", t) for t in templates)


async def _validate(seeded: Seeded, examples: list[Example], **kw: Any) -> list[Example]:
    conn = await asyncpg.connect(seeded.reader_dsn)
    try:
        return await validate_examples(examples, conn, seeded.schema, **kw)
    finally:
        await conn.close()


def _korean(e: Example) -> bool:
    return bool(HANGUL.search(e.question))


# --- the offline synthesiser ----------------------------------------------------------------------


def test_synthesizer_logs_examples_are_varied_bilingual_and_guarded(seeded: Seeded) -> None:
    examples = synthesize_examples(seeded.logs, seeded.catalog["logs"])
    assert len(examples) == 24
    assert {e.source for e in examples} == {"synthetic"} and {e.table_id for e in examples} == {"logs"}
    korean = [e for e in examples if _korean(e)]
    assert 8 <= len(korean) <= 16, "both languages, roughly half each"
    assert len({e.question for e in examples}) == len(examples)
    assert len({normalize_sql(e.sql) for e in examples}) == len(examples)
    assert dedupe_examples(examples) == examples, "the synthesiser's output holds no near-duplicates"

    schema = SchemaSnapshot(tables=(seeded.logs,))
    for e in examples:
        guard(e.sql, schema)  # raises GuardError on any refusal
        assert "deleted = FALSE" in e.sql

    text = "\n".join(e.sql for e in examples).upper()
    for feature in (
        "GROUP BY",
        "DATE_TRUNC('HOUR'",
        "COUNT(DISTINCT",
        "PERCENTILE_CONT(0.95)",
        "AVG(",
        "LIMIT",
    ):
        assert feature in text, feature
    assert {"1 HOUR", "24 HOURS", "7 DAYS"} <= set(re.findall(r"INTERVAL '(\d+ \w+)'", text))
    catalog_values = {v["value"] for values in seeded.catalog["logs"].values() for v in values}
    assert any(f"= '{v}'" in e.sql for e in examples for v in catalog_values), "filters on a catalog value"

    # the logs table's SQL is the offline engine's answer to the question, wherever it has one
    context = Context(
        schema=schema, catalog={k: [v["value"] for v in vs] for k, vs in seeded.catalog["logs"].items()}
    )
    engine = OfflineEngine()
    from_engine = []
    for e in examples:
        try:
            from_engine.append(engine.generate(e.question, context).sql == e.sql)
        except Exception:
            from_engine.append(False)
    assert sum(from_engine) >= len(examples) // 2, "most examples carry the engine's own SQL"


def test_synthesizer_language_and_limit(seeded: Seeded) -> None:
    ko = synthesize_examples(seeded.logs, seeded.catalog["logs"], language="ko", limit=10)
    en = synthesize_examples(seeded.logs, seeded.catalog["logs"], language="en", limit=10)
    assert len(ko) == len(en) == 10
    assert all(_korean(e) for e in ko) and not any(_korean(e) for e in en)
    with pytest.raises(ValueError):
        synthesize_examples(seeded.logs, {}, language="fr")


def test_synthesizer_handles_a_non_logs_table_in_both_dialects(seeded: Seeded) -> None:
    orders = seeded.orders
    examples = synthesize_examples(orders, seeded.catalog["orders"])
    assert len(examples) >= 12
    sql = "\n".join(e.sql for e in examples)
    assert "logs" not in sql and "created_at" not in sql and "deleted" not in sql
    for column in ("ordered_at", "status", "country", "amount", "customer_id"):
        assert column in sql, column
    assert "COUNT(DISTINCT customer_id)" in sql and "PERCENTILE_CONT(0.95)" in sql
    assert any(_korean(e) for e in examples) and any(not _korean(e) for e in examples)
    assert any("주문" in e.question for e in examples), "the table comment names the rows in Korean"
    schema = SchemaSnapshot(tables=(orders,))
    for e in examples:
        guard(e.sql, schema)

    # the same table in BigQuery: backticked id, BigQuery functions, BigQuery guard
    bq_types = {"bigint": "INT64", "integer": "INT64", "timestamp with time zone": "TIMESTAMP"}
    bq = Table(
        "shop.sales.orders_20240101",
        tuple(
            Column(c.name, bq_types.get(c.type, "NUMERIC" if c.name == "amount" else "STRING"), c.mode)
            for c in orders.columns
        ),
        source="bigquery",
    )
    bq_examples = synthesize_examples(bq, {"status": ["paid", "shipped"], "country": ["KR", "US"]})
    assert len(bq_examples) >= 12
    bq_sql = "\n".join(e.sql for e in bq_examples)
    assert "`shop.sales.orders_20240101`" in bq_sql and "TIMESTAMP_SUB(CURRENT_TIMESTAMP()" in bq_sql
    assert "APPROX_QUANTILES(amount, 100)[OFFSET(95)]" in bq_sql and "NOW()" not in bq_sql
    bq_schema = SchemaSnapshot(tables=(bq,), dialect="bigquery")
    for e in bq_examples:
        guard(e.sql, bq_schema)
        sqlglot.parse_one(e.sql, read="bigquery")

    # a table with neither time nor catalog still gets something; one with nothing to ask, none
    products = Table("products", (Column("id", "bigint"), Column("name", "text"), Column("price", "numeric")))
    assert any("AVG(price)" in e.sql for e in synthesize_examples(products, None))
    assert synthesize_examples(Table("blobs", (Column("id", "bigint"), Column("body", "bytea"))), {}) == []


# --- validation against the seeded database -------------------------------------------------------


def test_validation_keeps_examples_that_return_rows(seeded: Seeded) -> None:
    synthetic = synthesize_examples(seeded.logs, seeded.catalog["logs"]) + synthesize_examples(
        seeded.orders, seeded.catalog["orders"]
    )
    bad = [
        Example("unknown column", "SELECT colour FROM logs", "logs", "claude"),
        Example("fails at run time", "SELECT service, 1 / 0 AS boom FROM logs", "logs", "claude"),
        Example("no rows", "SELECT * FROM logs WHERE service = 'no-such-service'", "logs", "claude"),
        Example("a count of nothing", "SELECT COUNT(*) FROM orders WHERE country = 'ZZ'", "orders", "claude"),
        Example("writes", "DELETE FROM logs", "logs", "claude"),
        Example("other table", "SELECT * FROM ingest_batches", "logs", "claude"),
        Example(
            "too slow", "SELECT COUNT(*) FROM logs a CROSS JOIN logs b CROSS JOIN logs c", "logs", "claude"
        ),
    ]
    forgetful = Example(
        "서비스별 로그 수", "SELECT service, COUNT(*) AS n FROM logs GROUP BY service", "logs", "claude"
    )
    kept = run(lambda: _validate(seeded, [*bad, forgetful, *synthetic], timeout_ms=1500))

    assert not {e.question for e in bad} & {e.question for e in kept}
    assert len(kept) >= 0.9 * (len(synthetic) + 1), [e.question for e in synthetic if e not in kept]
    # the guard's soft-delete filter is kept (so examples teach it), its blanket LIMIT is not
    taught = next(e for e in kept if e.question == forgetful.question)
    assert "deleted = FALSE" in taught.sql and "LIMIT" not in taught.sql.upper()

    async def rerun() -> list[int]:
        conn = await asyncpg.connect(seeded.reader_dsn)
        try:
            return [
                len((await fetch_readonly(conn, guard(e.sql, seeded.schema).sql, 5000)).rows) for e in kept
            ]
        finally:
            await conn.close()

    assert all(n > 0 for n in run(rerun))


def test_validation_raises_on_a_lost_connection_instead_of_dropping_everything(seeded: Seeded) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(seeded.reader_dsn)
        await conn.close()
        good = Example("로그 수", "SELECT COUNT(*) FROM logs", "logs", "claude")
        await validate_examples([good], conn, seeded.schema)

    with pytest.raises(ExecutionError, match="unreachable"):
        run(go)


# --- near-duplicates ------------------------------------------------------------------------------


def test_dedupe_by_sql_and_by_question_similarity() -> None:
    first = Example(
        "최근 1시간 에러 몇 건이야?", "SELECT COUNT(*) FROM logs WHERE level = 'ERROR'", "logs", "feedback"
    )
    same_sql = Example(
        "How many errors?", "select count(*)\n  from LOGS where level='ERROR';", "logs", "claude"
    )
    same_question = Example("최근 1시간 에러 몇 건이야??", "SELECT 1 FROM logs", "logs", "synthetic")
    near_en = Example("How many errors came in during the last hour", "SELECT 2 FROM logs", "logs", "claude")
    nearer_en = Example(
        "How many errors came in during the last hour?", "SELECT 3 FROM logs", "logs", "claude"
    )
    other = Example(
        "서비스별 평균 응답시간",
        "SELECT service, AVG(duration_ms) FROM logs GROUP BY service",
        "logs",
        "claude",
    )
    other_table = Example(
        "How many errors?", "SELECT COUNT(*) FROM logs WHERE level = 'ERROR'", "orders", "claude"
    )

    kept = dedupe_examples([first, same_sql, same_question, near_en, nearer_en, other, other_table])
    assert kept[0] is first, "the first of duplicates wins (feedback goes first)"
    assert same_sql not in kept and same_question not in kept and nearer_en not in kept
    assert near_en in kept and other in kept
    assert other_table in kept, "the same SQL text on another table is another query"

    assert question_similarity(first.question, same_question.question) > 0.85
    assert question_similarity(first.question, other.question) < 0.5
    assert len(dedupe_examples([first, same_question], threshold=1.01)) == 2, "threshold above 1: SQL only"


# --- Claude, through the real SDK against a local Messages API -----------------------------------


class MessagesServer:
    """A tiny local Messages API: answers ``POST /v1/messages`` from a queue of scripted replies
    and records each request (the shared fake can only answer with ``submit_sql``)."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                server.requests.append(body)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, payload = (
                    server.replies.pop(0)
                    if server.replies
                    else (
                        400,
                        {
                            "type": "error",
                            "error": {"type": "invalid_request_error", "message": "unscripted"},
                        },
                    )
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self, model: str = "claude-test", **kw: Any) -> AnthropicSettings:
        return AnthropicSettings(
            api_key="test-key", model=model, base_url=self.url, max_retries=0, timeout_s=5, **kw
        )

    def _message(self, content: list[dict[str, Any]], stop_reason: str) -> dict[str, Any]:
        n = len(self.requests) + len(self.replies) + 1
        return {
            "id": f"msg_{n}",
            "type": "message",
            "role": "assistant",
            "model": "claude-test",
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 10},
        }

    def reply_examples(self, examples: list[dict[str, Any]], name: str = EXAMPLES_TOOL_NAME) -> None:
        block = {"type": "tool_use", "id": "toolu_1", "name": name, "input": {"examples": examples}}
        self.replies.append((200, self._message([block], "tool_use")))

    def reply_text(self, text: str) -> None:
        self.replies.append((200, self._message([{"type": "text", "text": text}], "end_turn")))

    def reply_error(self, status: int, message: str = "boom") -> None:
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(status, "api_error")
        self.replies.append((status, {"type": "error", "error": {"type": kind, "message": message}}))

    def __enter__(self) -> MessagesServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def messages() -> Iterator[MessagesServer]:
    with MessagesServer() as server:
        yield server


def test_claude_examples_through_a_forced_tool_call(seeded: Seeded, messages: MessagesServer) -> None:
    messages.reply_examples(
        [
            {
                "question": "최근 1시간  payment-api 에러 몇 건이야?",
                "sql": "```sql\nSELECT COUNT(*) FROM logs;\n```",
            },
            {
                "question": "Average latency per endpoint today",
                "sql": "SELECT path, AVG(duration_ms) FROM logs GROUP BY path",
            },
            {"question": "no sql", "sql": "  "},
            {"question": 42, "sql": "SELECT 1"},
        ]
    )
    examples = generate_examples_with_claude(
        seeded.logs, seeded.catalog, messages.settings(model="claude-test-model"), n=6
    )
    assert [e.to_dict() for e in examples] == [
        {"question": "최근 1시간 payment-api 에러 몇 건이야?", "sql": "SELECT COUNT(*) FROM logs", "table_id": "logs", "source": "claude"},
        {"question": "Average latency per endpoint today", "sql": "SELECT path, AVG(duration_ms) FROM logs GROUP BY path", "table_id": "logs", "source": "claude"},
    ]  # fmt: skip

    [request] = messages.requests
    headers = messages.headers[0]
    assert "test-key" in (headers.get("x-api-key") or headers.get("authorization", ""))
    assert request["model"] == "claude-test-model"
    assert request["tool_choice"]["type"] == "tool" and request["tool_choice"]["name"] == EXAMPLES_TOOL_NAME
    assert [t["name"] for t in request["tools"]] == [EXAMPLES_TOOL_NAME]
    assert request["tools"][0]["input_schema"]["properties"]["examples"]["type"] == "array"
    system = "\n".join(block["text"] for block in request["system"])
    user = request["messages"][0]["content"]
    assert "PostgreSQL" in system and "deleted = FALSE" in system and "submit_examples" in system
    assert "CREATE TABLE logs" in user and "서비스 이름" in user, "schema with its descriptions"
    assert "'payment-api'" in user and "'DatabaseConnectionError'" in user, "value hints from the catalog"
    assert "Write 6 diverse examples" in user and "Korean" in user and "English" in user


def test_claude_prompt_follows_the_table_dialect(messages: MessagesServer) -> None:
    bq = Table(
        "shop.sales.orders",
        (Column("ordered_at", "TIMESTAMP"), Column("status", "STRING")),
        source="bigquery",
    )
    messages.reply_examples([{"question": "q", "sql": "SELECT status FROM `shop.sales.orders`"}])
    [example] = generate_examples_with_claude(bq, {"status": ["paid"]}, messages.settings(), n=3)
    assert example.table_id == "shop.sales.orders"
    request = messages.requests[0]
    system = "\n".join(block["text"] for block in request["system"])
    assert "BigQuery" in system and "deleted" not in system and "TIMESTAMP_SUB" in system
    assert "CREATE TABLE `shop.sales.orders`" in request["messages"][0]["content"]


def test_claude_errors_become_engine_errors(seeded: Seeded, messages: MessagesServer) -> None:
    with pytest.raises(EngineNotConfigured):
        generate_examples_with_claude(seeded.logs, seeded.catalog, AnthropicSettings(api_key=None))
    assert messages.requests == []

    messages.reply_error(500)
    with pytest.raises(EngineUnavailable) as failed:
        generate_examples_with_claude(seeded.logs, seeded.catalog, messages.settings())
    assert failed.value.status_code == 500 and failed.value.retryable

    messages.reply_error(401, "invalid x-api-key")
    with pytest.raises(EngineUnavailable, match="API key") as rejected:
        generate_examples_with_claude(seeded.logs, seeded.catalog, messages.settings())
    assert rejected.value.status_code == 401 and not rejected.value.retryable

    messages.reply_text("Here are some examples: ...")
    with pytest.raises(EngineUnavailable, match="no examples"):
        generate_examples_with_claude(seeded.logs, seeded.catalog, messages.settings())

    with MessagesServer() as gone:
        settings = gone.settings()
    with pytest.raises(EngineUnavailable, match="Cannot reach"):
        generate_examples_with_claude(seeded.logs, seeded.catalog, settings)


# --- accepted feedback and the whole step ---------------------------------------------------------

FEEDBACK_DDL = """
TRUNCATE nlq_feedback RESTART IDENTITY;
INSERT INTO nlq_feedback (question, sql, verdict, table_id, created_at) VALUES
    ('서비스별 에러 수', 'SELECT service, COUNT(*) AS errors FROM logs WHERE level = ''ERROR'' GROUP BY service', 'up', 'logs', NOW() - INTERVAL '2 hours'),
    ('wrong answer', 'SELECT 1 FROM logs', 'down', 'logs', NOW() - INTERVAL '1 hour'),
    ('blank sql', '  ', 'up', 'logs', NOW()),
    ('Orders per country', 'SELECT country, COUNT(*) FROM orders GROUP BY country;', 'up', 'orders', NOW() - INTERVAL '30 minutes'),
    ('Which services failed today?', 'SELECT DISTINCT service FROM logs WHERE level = ''ERROR''', 'up', NULL, NOW() - INTERVAL '3 hours');
"""


@pytest.fixture
def feedback_table(seeded: Seeded) -> Iterator[None]:
    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(seeded.owner_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run(lambda: execute(FEEDBACK_DDL))
    yield
    run(lambda: execute("TRUNCATE nlq_feedback"))


async def _feedback(dsn: str) -> list[Example]:
    conn = await asyncpg.connect(dsn)
    try:
        return await load_accepted_feedback(conn)
    finally:
        await conn.close()


def test_feedback_absent_is_empty(seeded: Seeded) -> None:
    assert run(lambda: _feedback(seeded.owner_dsn)) == []


def test_feedback_present_is_loaded_newest_first(seeded: Seeded, feedback_table: None) -> None:
    loaded = run(lambda: _feedback(seeded.owner_dsn))
    assert [(e.question, e.table_id, e.source) for e in loaded] == [
        ("Orders per country", "orders", "feedback"),
        ("서비스별 에러 수", "logs", "feedback"),
        ("Which services failed today?", "logs", "feedback"),
    ]
    assert loaded[0].sql == "SELECT country, COUNT(*) FROM orders GROUP BY country"
    # the reader role may read accepted feedback (migration 0007 grants it)
    assert run(lambda: _feedback(seeded.reader_dsn)) == loaded


def _build(seeded: Seeded, table: Table, **kw: Any) -> list[Example]:
    async def go() -> list[Example]:
        conn = await asyncpg.connect(seeded.reader_dsn)
        try:
            return await build_examples(conn, table, seeded.catalog, seeded.schema, **kw)
        finally:
            await conn.close()

    return run(go)


def test_build_with_claude_puts_feedback_first_and_drops_bad_pairs(
    seeded: Seeded, messages: MessagesServer
) -> None:
    feedback = [
        Example("서비스별 에러 수", "SELECT service, COUNT(*) FROM logs WHERE level = 'ERROR' GROUP BY service", "logs", "feedback"),
        Example("Orders per country", "SELECT country, COUNT(*) FROM orders GROUP BY country", "orders", "feedback"),
    ]  # fmt: skip
    messages.reply_examples(
        [
            {"question": "How many errors per service?", "sql": "select service, count(*) from logs where level='ERROR' group by service"},
            {"question": "최근 24시간 엔드포인트별 평균 응답시간", "sql": "SELECT path, AVG(duration_ms) AS avg_ms FROM logs WHERE created_at >= NOW() - INTERVAL '24 hours' AND deleted = FALSE GROUP BY path"},
            {"question": "Colour of the logs", "sql": "SELECT colour FROM logs"},
        ]
    )  # fmt: skip
    built = _build(seeded, seeded.logs, settings=messages.settings(), feedback=feedback, n_claude=3)
    assert [(e.source, e.question) for e in built] == [
        ("feedback", "서비스별 에러 수"),
        ("claude", "최근 24시간 엔드포인트별 평균 응답시간"),
    ], "feedback first; the duplicate of it and the broken query are gone; orders feedback elsewhere"


def test_build_falls_back_to_the_synthesiser(seeded: Seeded, messages: MessagesServer) -> None:
    messages.reply_error(529, "overloaded")
    built = _build(seeded, seeded.orders, settings=messages.settings(), feedback=[])
    assert len(messages.requests) == 1
    assert len(built) >= 10 and {e.source for e in built} == {"synthetic"}
    assert {e.table_id for e in built} == {"orders"}


def test_build_examples_for_every_table_of_the_snapshot(seeded: Seeded, feedback_table: None) -> None:
    built = run(
        lambda: build_examples_for(
            seeded.schema,
            seeded.catalog,
            seeded.reader_dsn,
            settings=AnthropicSettings(api_key=None),
            feedback_dsn=seeded.owner_dsn,
            limit=12,
        )
    )
    by_table = {t: [e for e in built if e.table_id == t] for t in ("logs", "orders")}
    assert by_table["logs"][0].source == "feedback" and by_table["orders"][0].source == "feedback"
    assert sum(e.source == "synthetic" for e in by_table["logs"]) >= 8
    assert sum(e.source == "synthetic" for e in by_table["orders"]) >= 8
    json.dumps([e.to_dict() for e in built])  # the asset's output is plain JSON
    assert dedupe_examples(by_table["logs"]) == by_table["logs"]
