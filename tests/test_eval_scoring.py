"""Execution-accuracy scoring (pure) and the evaluation run end to end against a real PostgreSQL
loaded with the evaluation dataset, with stub engines that answer from the gold SQL."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from click.testing import CliRunner

from nlq_platform.cli import eval as cli_eval
from nlq_platform.cli.main import cli
from nlq_platform.config import Settings, get_settings
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.evaluation.report import EvalReport, percentile
from nlq_platform.evaluation.runner import run_eval
from nlq_platform.evaluation.scenarios import load_scenarios
from nlq_platform.evaluation.scoring import bags_equal, compare, explain, values_equal
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.engine import Generation, NotUnderstood, Validator
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres

T0 = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


def score(
    gold_cols: list[str],
    gold: list[tuple[Any, ...]],
    pred_cols: list[str],
    pred: list[tuple[Any, ...]],
    ordered: bool = False,
) -> tuple[bool, bool]:
    result = compare(gold_cols, gold, pred_cols, pred, ordered=ordered)
    assert not result.strict or result.subset  # strict implies subset
    return result.strict, result.subset


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------


def test_numbers_with_tolerance() -> None:
    assert values_equal(0.1 + 0.2, 0.3)
    assert values_equal(1_000_000.0, 1_000_000.9)  # relative 9e-7
    assert not values_equal(1_000_000.0, 1_000_002.0)  # relative 2e-6
    assert values_equal(0.0, 5e-10)  # absolute 1e-9 near zero
    assert not values_equal(0.0, 5e-9)
    assert values_equal(float("nan"), float("nan"))
    assert values_equal(float("inf"), float("inf")) and not values_equal(float("inf"), float("-inf"))
    assert not values_equal(float("inf"), 1e308)


def test_decimal_float_and_int() -> None:
    assert values_equal(Decimal("523.456789012345678"), 523.4567890123457)  # numeric AVG vs float8 AVG
    assert values_equal(Decimal("166"), 166) and values_equal(166, 166.0)
    assert values_equal(Decimal("33.3"), 33.30000001)
    assert not values_equal(Decimal("33.3"), 33.4)
    # two ints are compared exactly, even where a tolerance would accept them
    assert not values_equal(10**12, 10**12 + 1)
    assert values_equal(10**12, float(10**12 + 1))  # … but an int and a float are not two ints
    assert not values_equal(True, 1) and not values_equal(1, True) and values_equal(True, True)


def test_none_text_and_timestamps() -> None:
    assert values_equal(None, None)
    assert not values_equal(None, 0) and not values_equal(0, None) and not values_equal(None, "")
    assert values_equal("payment-api", "payment-api") and not values_equal("payment-api", "Payment-api")
    assert not values_equal("1", 1)
    assert values_equal(T0, T0)
    assert not values_equal(T0, T0 + timedelta(microseconds=1))  # timestamps exactly
    assert values_equal(T0, T0.astimezone(datetime.now().astimezone().tzinfo))  # same instant
    assert not values_equal(T0.date(), T0)
    assert values_equal(timedelta(minutes=5), timedelta(seconds=300))
    assert values_equal([1, "a"], [1, "a"]) and not values_equal([1], [2])


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

GOLD_COLS = ["service", "error_count", "first_seen"]
GOLD = [
    ("payment-api", 79, T0),
    ("order-api", 9, T0 + timedelta(minutes=3)),
    ("inventory-worker", 5, T0 + timedelta(minutes=7)),
]


def test_a_column_of_integer_text_reads_as_numbers() -> None:
    """HTTP status codes read with ->> are text; cast, they are numbers: the same table to a user."""
    gold = [("201", 90), ("402", 7), (None, 3)]
    cast = [(Decimal(201), 90), (Decimal(402), 7), (None, 3)]
    assert compare(["status_code", "n"], gold, ["status_code", "n"], cast, ordered=True).strict
    mixed = [("201", 90), ("4xx", 7), (None, 3)]  # not every value spells an integer
    assert not compare(["status_code", "n"], mixed, ["status_code", "n"], cast, ordered=True).subset
    assert not compare(
        ["status_code", "n"], gold, ["status_code", "n"], [(202, 90), (402, 7), (None, 3)], ordered=True
    ).subset


def test_identical_results_match() -> None:
    assert score(GOLD_COLS, GOLD, GOLD_COLS, list(GOLD)) == (True, True)
    assert score(GOLD_COLS, GOLD, GOLD_COLS, list(GOLD), ordered=True) == (True, True)


def test_column_permutation_and_renamed_columns() -> None:
    pred = [(t, s, n) for s, n, t in GOLD]
    assert score(GOLD_COLS, GOLD, ["first", "svc", "n"], pred) == (True, True)
    assert score(GOLD_COLS, GOLD, ["first", "svc", "n"], pred, ordered=True) == (True, True)
    result = compare(GOLD_COLS, GOLD, ["first", "svc", "n"], pred, ordered=False)
    assert result.mapping == [1, 2, 0]


def test_row_order_only_matters_when_ordered() -> None:
    shuffled = [GOLD[2], GOLD[0], GOLD[1]]
    assert score(GOLD_COLS, GOLD, GOLD_COLS, shuffled) == (True, True)
    assert score(GOLD_COLS, GOLD, GOLD_COLS, shuffled, ordered=True) == (False, False)
    diff = explain(GOLD_COLS, GOLD, GOLD_COLS, shuffled, ordered=True)
    assert "missing_rows" not in diff and "extra_rows" not in diff
    assert diff["first_out_of_order"] == {"row": 1, "gold": list(GOLD[0]), "predicted": list(GOLD[2])}
    assert diff["reasons"] == ["same rows in a different order (first difference at row 1)"]
    assert diff["column_mapping"] == {c: c for c in GOLD_COLS}


def test_float_and_decimal_values_inside_rows() -> None:
    gold = [("/api/v1/payment", Decimal("812.4400000000001"), 10), ("/api/v1/orders", Decimal("301.5"), 20)]
    pred = [("/api/v1/orders", 301.50000001, 20), ("/api/v1/payment", 812.44, 10)]
    assert score(["path", "avg", "n"], gold, ["path", "avg", "n"], pred) == (True, True)
    off = [("/api/v1/orders", 301.6, 20), ("/api/v1/payment", 812.44, 10)]
    assert score(["path", "avg", "n"], gold, ["path", "avg", "n"], off) == (False, False)
    diff = explain(["path", "avg", "n"], gold, ["path", "avg", "n"], off, ordered=False)
    assert diff["missing_rows"] == [list(gold[1])] and diff["extra_rows"] == [list(off[0])]


def test_none_in_results() -> None:
    gold = [("/api/v1/payment", None), (None, 3)]
    assert score(["a", "b"], gold, ["x", "y"], [(None, 3), ("/api/v1/payment", None)]) == (True, True)
    assert score(["a", "b"], gold, ["x", "y"], [(None, 3), ("/api/v1/payment", 0)]) == (False, False)
    assert score(["a", "b"], gold, ["x", "y"], [("", 3), ("/api/v1/payment", None)]) == (False, False)


def test_duplicate_rows_are_counted() -> None:
    a, b = ("x", 1), ("y", 2)
    assert bags_equal([a, a, b], [b, a, a])
    assert not bags_equal([a, a, b], [a, b, b])
    assert not bags_equal([a, b], [a, a, b])
    assert score(["k", "v"], [a, a, b], ["k", "v"], [a, b, b]) == (False, False)
    diff = explain(["k", "v"], [a, a, b], ["k", "v"], [a, b, b], ordered=False)
    assert diff["missing_rows"] == [list(a)] and diff["extra_rows"] == [list(b)]


def test_columns_must_stay_aligned_across_rows() -> None:
    """Each column matches on its own, but not the rows: no match (strict or subset)."""
    gold = [(1, 2), (2, 1)]
    assert score(["a", "b"], gold, ["a", "b"], [(2, 1), (1, 2)]) == (True, True)
    assert score(["a", "b"], gold, ["a", "b"], [(1, 1), (2, 2)]) == (False, False)
    gold2 = [("p", 1), ("q", 2)]
    assert score(["s", "n"], gold2, ["s", "n"], [("p", 2), ("q", 1)]) == (False, False)


def test_tolerance_needs_a_real_matching() -> None:
    """Sorted pairing fails (the tiny differences reorder the rows), a one-to-one pairing of
    rows equal within the tolerance exists."""
    gold = [(1.0, 5), (1.0 + 1e-12, 3)]
    pred = [(1.0 + 2e-12, 5), (1.0, 3)]
    assert bags_equal(gold, pred)
    assert not bags_equal(gold, [(1.0 + 2e-12, 5), (1.0, 4)])


def test_large_numeric_bags() -> None:
    rng = random.Random(3)
    gold = [
        (rng.randint(0, 50), rng.random() * 1000, Decimal(rng.randint(0, 10**6)) / 100) for _ in range(1000)
    ]
    pred = [(n, x * (1 + 1e-9), float(d)) for n, x, d in gold]
    rng.shuffle(pred)
    assert bags_equal(gold, pred)
    pred[17] = (pred[17][0], pred[17][1] + 1, pred[17][2])
    assert not bags_equal(gold, pred)
    assert score(["n", "x", "d"], gold, ["d", "n", "x"], [(d, n, x) for n, x, d in pred]) == (False, False)


def test_subset_semantics() -> None:
    extra = [(s, n, t, "note") for s, n, t in GOLD]
    assert score(GOLD_COLS, GOLD, [*GOLD_COLS, "note"], extra) == (False, True)
    assert score(GOLD_COLS, GOLD, [*GOLD_COLS, "note"], extra, ordered=True) == (False, True)
    diff = explain(GOLD_COLS, GOLD, [*GOLD_COLS, "note"], extra, ordered=False)
    assert diff["reasons"] == ["the gold result plus 1 extra column(s): note"]
    # an extra column that splits the gold rows (more rows) is no subset match
    split = [
        ("payment-api", 40, T0, "v2.3.1"),
        ("payment-api", 39, T0, "v2.4.0"),
        *[(*r, "x") for r in GOLD[1:]],
    ]
    assert score(GOLD_COLS, GOLD, [*GOLD_COLS, "version"], split) == (False, False)
    # fewer columns than gold: neither
    assert score(GOLD_COLS, GOLD, ["service", "error_count"], [r[:2] for r in GOLD]) == (False, False)
    diff = explain(GOLD_COLS, GOLD, ["service", "error_count"], [r[:2] for r in GOLD], ordered=False)
    assert diff["reasons"][0] == "column count differs: gold 3, predicted 2"
    assert any("first_seen" in r for r in diff["reasons"])


def test_interchangeable_columns() -> None:
    """Identical predicted columns, and gold columns with equal values, still find the match."""
    gold = [(1, 1, "a"), (2, 2, "b")]
    assert score(["x", "y", "s"], gold, ["s", "y", "x"], [("a", 1, 1), ("b", 2, 2)]) == (True, True)
    wide = [(v, v, v, v, v, v, s) for v, _, s in gold]
    assert score(["x", "y", "s"], gold, list("abcdefg"), wide) == (False, True)


def test_empty_results() -> None:
    assert score(["n"], [], ["count"], []) == (True, True)
    assert score(["n"], [], ["a", "b"], []) == (False, True)
    assert score(["n"], [(1,)], ["n"], []) == (False, False)
    diff = explain(["n"], [(1,)], ["n"], [], ordered=False)
    assert diff["reasons"][0] == "row count differs: gold 1, predicted 0"
    assert diff["missing_rows"] == [[1]] and diff["extra_rows"] == []


def test_explain_a_wrong_count() -> None:
    diff = explain(["error_count"], [(166,)], ["count"], [(169,)], ordered=False)
    assert diff["missing_rows"] == [[166]] and diff["extra_rows"] == [[169]]
    assert diff["column_mapping"] == {"error_count": "count (guess)"}


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(range(1, 101), 95) == pytest.approx(95.05)


# --------------------------------------------------------------------------------------------
# the evaluation run, end to end
# --------------------------------------------------------------------------------------------

SCENARIOS = load_scenarios()
BY_ID = {s.id: s for s in SCENARIOS}
HOUR = "created_at > NOW() - INTERVAL '1 hour' AND deleted = FALSE"


class GoldEngine:
    """A test engine that answers every question with its scenario's gold SQL, except where
    ``overrides`` (scenario id → SQL, exception, or a callable using the validator) says."""

    name = "gold-stub"

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self.by_question = {q: s for s in SCENARIOS for q in (s.question, s.question_en)}
        self.overrides = overrides or {}

    def generate(
        self, question: str, context: Context, validate: Validator | None = None, history=None
    ) -> Generation:
        assert context.schema.tables, "the service's context reached the engine"
        scenario = self.by_question[question]
        answer = self.overrides.get(scenario.id, scenario.sql)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            assert validate is not None
            answer = answer(validate)
        return Generation(sql=answer, engine=self.name)


@pytest.fixture(scope="module")
def eval_settings(pg: TestPostgres, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    dsn = pg.create_database("nlq_eval_run")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(load(dsn))
    return Settings(
        home=tmp_path_factory.mktemp("nlq-eval-home"),
        database_url=dsn,
        ingest_db_password=INGEST_PASSWORD,
        reader_db_password=READER_PASSWORD,
    )


def test_gold_answers_score_everything(eval_settings: Settings) -> None:
    report = run_eval(eval_settings, engine=GoldEngine())
    assert (len(report.items), report.engine, report.warnings) == (76, "gold-stub", [])
    assert [i.key for i in report.failures] == []
    data = report.to_dict()
    assert data["strict"] == {"correct": 76, "total": 76, "accuracy": 1.0}
    assert data["subset"]["correct"] == 76
    assert {name: s["strict"]["correct"] for name, s in data["by_language"].items()} == {"ko": 38, "en": 38}
    assert sum(s["strict"]["total"] for s in data["by_category"].values()) == 76
    assert data["latency_ms"]["n"] == 76 and data["latency_ms"]["p95"] >= data["latency_ms"]["p50"] >= 0
    assert "nlq_reader" in data["database"] and READER_PASSWORD not in data["database"]
    json.dumps(data)
    text = report.to_markdown()
    assert "| **overall** | 76 | 76/76 (100.0%) | 76/76 (100.0%) |" in text
    assert "## Failures" not in text


def _wrong_answers() -> dict[str, Any]:
    a2 = (  # A2 with its columns reordered and renamed: still right
        "SELECT COUNT(DISTINCT user_id) AS users, error_type AS kind, COUNT(*) AS n FROM logs "
        f"WHERE level = 'ERROR' AND {HOUR} GROUP BY error_type ORDER BY n DESC LIMIT 5"
    )
    a3 = (  # A3 plus a column: a subset match only
        "SELECT service, function_name, COUNT(*) AS error_count, MIN(created_at), MAX(created_at), "
        "COUNT(DISTINCT user_id) AS users FROM logs "
        f"WHERE error_type = 'DatabaseConnectionError' AND {HOUR} GROUP BY service, function_name"
    )
    c1 = BY_ID["C1"].sql.replace("ORDER BY avg_duration_ms DESC", "ORDER BY avg_duration_ms ASC")
    assert c1 != BY_ID["C1"].sql

    def repairs(validate: Validator) -> str:
        validate("SELECT no_such_column FROM logs")  # raises InvalidSQL: the engine gives up
        return "SELECT 1"

    return {
        "A1": f"SELECT COUNT(*) AS errors FROM logs WHERE level IN ('ERROR', 'FATAL') AND {HOUR}",
        "A2": a2,
        "A3": a3,
        "C1": c1,
        "I01": NotUnderstood("no idea"),
        "I02": "DELETE FROM logs",
        "I03": "SELECT COUNT(*) / 0 AS boom FROM logs",
        "I04": repairs,
    }


def test_wrong_answers_are_reported_with_a_diff(eval_settings: Settings) -> None:
    report = run_eval(eval_settings, engine=GoldEngine(_wrong_answers()), langs=("ko",))
    assert len(report.items) == 38 and report.languages == ["ko"]
    outcomes = {i.scenario_id: i.outcome for i in report.items if i.outcome != "correct"}
    assert outcomes == {
        "A1": "wrong_result",
        "A3": "extra_columns",
        "C1": "wrong_result",
        "I01": "not_understood",
        "I02": "guard_refused",
        "I03": "execution_error",
        "I04": "invalid_sql",
    }
    data = report.to_dict()
    assert data["strict"]["correct"] == 31 and data["subset"]["correct"] == 32
    failures = {f["id"]: f for f in data["failures"]}
    assert set(failures) == set(outcomes)

    a1 = failures["A1"]
    assert a1["gold_sql"] == BY_ID["A1"].sql
    assert "IN ('ERROR', 'FATAL')" in a1["predicted_sql"] and "LIMIT 1000" in a1["executed_sql"]
    assert a1["diff"]["gold_columns"] == ["error_count"] and a1["diff"]["predicted_columns"] == ["errors"]
    (gold_count,), (predicted_count,) = a1["diff"]["missing_rows"][0], a1["diff"]["extra_rows"][0]
    assert predicted_count > gold_count > 0  # FATAL counted too
    assert failures["A3"]["diff"]["reasons"] == ["the gold result plus 1 extra column(s): users"]
    assert failures["C1"]["diff"]["first_out_of_order"]["row"] == 1
    assert failures["I01"]["error"] == "no idea" and failures["I01"]["predicted_sql"] is None
    assert "DELETE" in failures["I02"]["error"]
    assert "DivisionByZero" in failures["I03"]["error"]
    assert "no_such_column" in failures["I04"]["error"]
    assert next(i for i in report.items if i.scenario_id == "I04").validation_ms > 0
    assert all(f["gold_row_count"] for f in failures.values())

    text = report.to_markdown()
    assert "| **overall** | 38 | 31/38 (81.6%) | 32/38 (84.2%) |" in text
    assert "## Failures (7)" in text
    assert "### A1 · ko · incident — wrong result" in text
    assert f"    - `{gold_count}`" in text and f"    - `{predicted_count}`" in text


@pytest.fixture
def cli_env(eval_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NLQ_HOME", str(eval_settings.home))
    monkeypatch.setenv("NLQ_DATABASE_URL", eval_settings.database_url or "")
    monkeypatch.setenv("NLQ_READER_DB_PASSWORD", READER_PASSWORD)
    monkeypatch.setenv("NLQ_INGEST_DB_PASSWORD", INGEST_PASSWORD)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def scenario_dict(scenario: Any) -> dict[str, Any]:
    """A scenario as the YAML file writes it (a conversation's earlier turns are not fields there)."""
    return {k: v for k, v in asdict(scenario).items() if k not in ("earlier", "earlier_en")}


def test_cli_run(cli_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``nlq eval run`` over three scenarios (--scenarios), with A1 answered wrongly."""
    few = tmp_path / "few.yaml"
    few.write_text(
        yaml.safe_dump(
            {"scenarios": [scenario_dict(BY_ID[i]) for i in ("A1", "A2", "F03")]}, allow_unicode=True
        )
    )
    calls: list[tuple[Any, ...]] = []

    def fake_run_eval(
        settings: Settings, path: Path | None, engine: Any, langs: Any, **kw: Any
    ) -> EvalReport:
        calls.append((path, engine, langs))
        return run_eval(settings, path, GoldEngine({"A1": "SELECT 1 AS one"}), langs, **kw)

    monkeypatch.setattr(cli_eval, "run_eval", fake_run_eval)
    runner = CliRunner()
    args = ["eval", "run", "--scenarios", str(few)]
    failed = runner.invoke(cli, [*args, "--json", "--lang", "en", "--fail-under", "100"])
    assert failed.exit_code == 1, failed.output
    data = orjson.loads(failed.stdout)
    assert data["languages"] == ["en"] and data["strict"]["correct"] == 2 and data["total"] == 3
    assert [f["id"] for f in data["failures"]] == ["A1"]
    assert "strict EX 66.7% is below --fail-under 100%" in failed.stderr

    passed = runner.invoke(cli, [*args, "--engine", "offline", "--fail-under", "60"])
    assert passed.exit_code == 0, passed.output
    assert "| **overall** | 6 | 4/6 (66.7%)" in passed.stdout and "### A1 · en" in passed.stdout
    assert calls == [(few, None, ("en",)), (few, "offline", ("ko", "en"))]

    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios: [\n")
    broken = runner.invoke(cli, ["eval", "run", "--scenarios", str(bad)])
    assert broken.exit_code != 0 and "not valid YAML" in str(broken.exception)
