"""The accuracy gate: the offline engine must answer all 38 scenarios in both languages
(strict execution accuracy), on a freshly seeded evaluation database. `make test` fails below."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from nlq_platform.config import Settings
from nlq_platform.db.migrate import migrate
from nlq_platform.evaluation.dataset import load
from nlq_platform.evaluation.runner import run_eval
from tests.support.pg import INGEST_PASSWORD, READER_PASSWORD, TestPostgres


@pytest.fixture(scope="module")
def seeded(pg: TestPostgres, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    dsn = pg.create_database("nlq_eval_gate")
    asyncio.run(migrate(dsn, INGEST_PASSWORD, READER_PASSWORD))
    asyncio.run(load(dsn))
    home: Path = tmp_path_factory.mktemp("nlq-eval-gate")
    return Settings(
        home=home, database_url=dsn, ingest_db_password=INGEST_PASSWORD, reader_db_password=READER_PASSWORD
    )


def test_offline_engine_answers_every_scenario_in_both_languages(seeded: Settings) -> None:
    report = run_eval(seeded, engine="offline")
    failures = "\n\n".join(
        item_text for item_text in report.to_markdown().split("\n\n") if "FAIL" in item_text
    )
    assert report.strict_accuracy == 1.0, f"strict EX {report.strict_accuracy:.1%}\n{failures}"
    data = report.to_dict()
    assert {lang: s["strict"]["correct"] for lang, s in data["by_language"].items()} == {"ko": 38, "en": 38}
    assert data["latency_ms"]["p50"] < 20, "offline NL→SQL p50 must stay under 20 ms"


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        ("paraphrases", 0.95),
        ("heldout", 0.95),
        ("heldout3", 0.95),
        ("heldout4", 0.95),
        ("heldout5", 0.95),
        ("heldout6", 0.95),
        ("heldout7", 0.95),
        ("heldout8", 0.95),
        ("heldout9", 0.95),
        ("heldout10", 0.95),
        ("heldout11", 0.95),
        ("heldout12", 0.95),
    ],
)
def test_rephrased_questions_stay_answered(seeded: Settings, name: str, floor: float) -> None:
    """Regression floors on the rephrasing sets (each was written blind; the engine has been
    improved on their failures since, so they no longer measure unseen questions — see README)."""
    from nlq_platform.evaluation.scenarios import VARIANT_FILES

    report = run_eval(seeded, scenarios_path=VARIANT_FILES[name], engine="offline")
    assert report.strict_accuracy >= floor, report.to_markdown()[:4000]


def test_unanswerable_questions_are_refused_naming_the_words(seeded: Settings) -> None:
    """Questions the data cannot answer (a missing metric, table, column or JSONB key, a future
    date, another domain, a value nobody logs): ≥ 95% refused, each refusal quoting its words."""
    from nlq_platform.evaluation.scenarios import UNANSWERABLE_PATH

    report = run_eval(seeded, scenarios_path=UNANSWERABLE_PATH, engine="offline")
    judged = report.judged
    total = judged["correct"] + judged["refused"] + judged["wrong"]
    assert total >= 80
    assert judged["correct"] / total >= 0.95, report.to_markdown()[:4000]  # refused_ok: named the words


#: (correct at least, wrong at most) of the blind sets of new intents, as last measured (README);
#: blind_intents1 and 3 have been tuned on since their first sight, blind_intents2, 4, 8 and 11 are sealed
BLIND_FLOORS = {
    "blind_intents1": (58, 14),  # N09's gold keeps status codes as text, W08's and V11's as numbers
    "blind_intents2": (13, 9),
    "blind_intents3": (20, 11),
    "blind_intents4": (17, 20),  # 19 or 20 wrong depending on the minutes since the seed
    "blind_intents5": (25, 22),  # first sight 19 · 39 · 22; windows move with the clock
    "blind_intents6": (60, 3),  # first sight 29 · 32 · 19
    "blind_intents7": (36, 11),  # first sight 24 · 37 · 19
    "blind_intents8": (21, 16),  # first sight 21 · 43 · 16; sealed
    "blind_intents9": (23, 12),  # first sight 26 · 38 · 16
    "blind_intents10": (17, 21),  # first sight 19 · 42 · 19
    "blind_intents11": (31, 13),  # first sight 34 · 35 · 11; sealed
}


@pytest.mark.parametrize("name", sorted(BLIND_FLOORS))
def test_blind_intent_sets_hold_their_floor(seeded: Settings, name: str) -> None:
    from nlq_platform.evaluation.scenarios import BLIND_INTENT_FILES

    report = run_eval(seeded, scenarios_path=BLIND_INTENT_FILES[name], engine="offline")
    least_correct, most_wrong = BLIND_FLOORS[name]
    assert report.judged["correct"] >= least_correct, report.judged
    assert report.judged["wrong"] <= most_wrong, report.judged


#: (correct at least, wrong at most) of the conversation sets' last turns, as last measured
#: (README); the development set is tuned on, conversations_blind1 is sealed
CONVERSATION_FLOORS = {"conversations": (113, 12), "conversations_blind1": (47, 9)}


@pytest.mark.parametrize("name", sorted(CONVERSATION_FLOORS))
def test_conversations_hold_their_floor(seeded: Settings, name: str) -> None:
    from nlq_platform.evaluation.scenarios import CONVERSATION_FILES

    report = run_eval(seeded, scenarios_path=CONVERSATION_FILES[name], engine="offline", conversations=True)
    least_correct, most_wrong = CONVERSATION_FLOORS[name]
    assert report.judged["correct"] >= least_correct, report.judged
    assert report.judged["wrong"] <= most_wrong, report.judged
