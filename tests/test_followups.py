"""Follow-ups (offline/followup.py): a question in a conversation read as a change to the previous
plan, table-driven per kind of change; references bound to the last answer's rows; refusals that
name what was not understood; the conversation's JSON; the Claude engine's context message."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlq_platform.text_to_sql.anthropic_engine import question_message
from nlq_platform.text_to_sql.conversation import Conversation, ConversationError, Turn
from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.engine import understand, understand_turn
from nlq_platform.text_to_sql.offline.plan import plan_to_dict
from tests.test_offline_coverage import CATALOG


def turn(question: str, columns: list[str] | None = None, rows: list[list[object]] | None = None) -> Turn:
    """An answered turn as the service records it (rows given: no database here)."""
    plan, _ = understand(question, CATALOG)
    return Turn(question, "", compile_plan(plan, "postgres"), plan_to_dict(plan), columns or [], rows or [])


def follow(history: list[Turn], question: str) -> tuple[str, str]:
    plan, _, prefix = understand_turn(question, CATALOG, history)
    return compile_plan(plan, "postgres"), prefix


ERRORS_LAST_HOUR = "How many errors in the last hour?"
ERRORS_KO = "지난 1시간 동안 발생한 에러가 몇 건이야?"
SLOW_PATHS = "평균 응답시간이 가장 긴 API 엔드포인트 5개 보여줘"


@pytest.mark.parametrize(
    ("first", "question", "present", "absent"),
    [
        # filters: replaced, added, "X 말고 Y"
        (
            ERRORS_KO,
            "그럼 staging은?",
            ["environment = 'staging'", "level = 'ERROR'", "INTERVAL '1 HOUR'"],
            [],
        ),
        (ERRORS_LAST_HOUR, "and in staging?", ["environment = 'staging'", "level = 'ERROR'"], []),
        (ERRORS_LAST_HOUR, "what about payment-api?", ["service = 'payment-api'", "level = 'ERROR'"], []),
        (ERRORS_LAST_HOUR, "only POST", ["method = 'POST'", "level = 'ERROR'"], []),
        ("payment-api 에러 몇 건?", "payment-api 말고 order-api", ["service = 'order-api'"], ["payment-api"]),
        (
            "How many payment-api errors?",
            "order-api instead of payment-api",
            ["service = 'order-api'"],
            ["payment-api"],
        ),
        # windows
        (ERRORS_LAST_HOUR, "same for the last 7 days", ["INTERVAL '7 DAYS'", "level = 'ERROR'"], ["1 HOUR"]),
        (ERRORS_KO, "지난 24시간은?", ["INTERVAL '24 HOURS'", "level = 'ERROR'"], ["1 HOUR"]),
        # buckets
        (
            ERRORS_KO,
            "시간별로 다시",
            ["DATE_TRUNC('HOUR', created_at) AS hour", "GROUP BY hour", "ORDER BY hour"],
            [],
        ),
        ("How many errors in the last 7 days?", "per day instead", ["DATE_TRUNC('DAY', created_at)"], []),
        # measures: replaced, added
        (
            SLOW_PATHS,
            "p95로 보여줘",
            ["PERCENTILE_CONT(0.95)", "ORDER BY p95_duration_ms DESC", "LIMIT 5"],
            ["AVG("],
        ),
        (
            ERRORS_LAST_HOUR,
            "and the number of users?",
            ["COUNT(*) AS error_count", "COUNT(DISTINCT user_id)"],
            [],
        ),
        # dimensions
        (ERRORS_LAST_HOUR, "per service instead", ["GROUP BY service", "ORDER BY error_count DESC"], []),
        (ERRORS_KO, "서비스별로 나눠줘", ["GROUP BY service", "level = 'ERROR'"], []),
        # limit and order
        (SLOW_PATHS, "top 10", ["LIMIT 10", "ORDER BY avg_duration_ms DESC"], ["LIMIT 5"]),
        ("최근 로그 20개 보여줘", "오래된 순으로", ["ORDER BY created_at ASC", "LIMIT 20"], []),
        ("최근 로그 20개 보여줘", "newest first", ["ORDER BY created_at DESC"], []),
    ],
)
def test_a_follow_up_changes_the_previous_plan(
    first: str, question: str, present: list[str], absent: list[str]
) -> None:
    sql, prefix = follow([turn(first)], question)
    for fragment in present:
        assert fragment in sql, sql
    for fragment in absent:
        assert fragment not in sql, sql
    assert prefix  # the reading says it is a follow-up and what changed


def test_three_turns_carry_every_change() -> None:
    history = [turn(ERRORS_KO)]
    plan, _, _ = understand_turn("그럼 staging은?", CATALOG, history)
    history.append(Turn("그럼 staging은?", "", compile_plan(plan, "postgres"), plan_to_dict(plan)))
    sql, _ = follow(history, "시간별로 다시")
    assert "environment = 'staging'" in sql and "DATE_TRUNC('HOUR'" in sql and "level = 'ERROR'" in sql


def test_the_reading_says_what_changed_and_what_was_carried_over() -> None:
    _, _, prefix = understand_turn("그럼 staging은?", CATALOG, [turn(ERRORS_KO)])
    assert prefix.startswith("이어서 — 바뀐 것: environment = staging")
    _, _, prefix = understand_turn("and in staging?", CATALOG, [turn(ERRORS_LAST_HOUR)])
    assert prefix.startswith("follow-up — environment = staging; the rest as before")


def test_a_question_that_stands_on_its_own_starts_afresh() -> None:
    sql, prefix = follow([turn(ERRORS_LAST_HOUR)], "지난 24시간 에러를 서비스별로 보여줘")
    assert "GROUP BY service" in sql and "24 HOURS" in sql and prefix == ""


@pytest.mark.parametrize(
    ("question", "bound"),
    [
        ("the first one", "service = 'payment-api'"),
        ("the second one", "service = 'order-api'"),
        ("두 번째 서비스는?", "service = 'order-api'"),
        ("그 서비스의 에러 메시지 보여줘", "service = 'payment-api'"),
        ("show the error messages of that service", "service = 'payment-api'"),
    ],
)
def test_a_reference_binds_to_a_row_of_the_last_answer(question: str, bound: str) -> None:
    first = turn(
        "지난 24시간 서비스별 에러 건수",
        ["service", "error_count"],
        [["payment-api", 122], ["order-api", 48]],
    )
    sql, _ = follow([first], question)
    assert bound in sql and "24 HOURS" in sql, sql  # the window is carried over
    assert "GROUP BY service" not in sql  # that group, no longer broken down by it


@pytest.mark.parametrize(
    ("history", "question", "words"),
    [
        ([], "그럼 staging은?", "has no answered one yet"),
        ([], "only POST", "has no answered one yet"),
        ([], "staging은 어때?", "has no answered one yet"),  # no subject of its own
        ([], "mobile devices only", "has no answered one yet"),
        ([], "the first one", "refers to an earlier answer, and there is none"),
        (["How many errors in the last hour?"], "that trace", "the last answer has no trace_id column"),
        (["How many errors in the last hour?"], "그럼 날씨는?", '"날씨"'),
        (["How many errors in the last hour?"], "and again", "changes nothing in the previous question"),
    ],
)
def test_follow_ups_that_cannot_be_read_are_refused_naming_why(
    history: list[str], question: str, words: str
) -> None:
    turns = [turn(q, ["error_count"], [[166]]) for q in history]
    with pytest.raises(NotUnderstood) as refused:
        understand_turn(question, CATALOG, turns)
    assert words in str(refused.value)
    assert str(refused.value).startswith("question not understood")


def test_a_refused_turn_is_skipped_for_the_follow_up() -> None:
    history = [turn(ERRORS_LAST_HOUR), Turn("오늘 날씨 어때?", error="question not understood: 날씨")]
    sql, _ = follow(history, "and in staging?")
    assert "environment = 'staging'" in sql and "level = 'ERROR'" in sql


def test_conversation_json_round_trip_and_bad_files(tmp_path: Path) -> None:
    conversation = Conversation()
    for n in range(12):
        conversation.record(turn(f"How many errors in the last {n + 1} hours?", ["error_count"], [[n]] * 30))
    path = tmp_path / "c.json"
    conversation.save(path)
    again = Conversation.load(path)
    assert len(again.turns) == 10 and len(again.turns[-1].rows) == 20  # the last turns and rows kept
    assert again.turns[-1].plan == conversation.turns[-1].plan
    assert Conversation.load(tmp_path / "missing.json").turns == []
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConversationError, match="is not JSON"):
        Conversation.load(tmp_path / "bad.json")
    (tmp_path / "shape.json").write_text('{"turns": [{"sql": "x"}]}')
    with pytest.raises(ConversationError, match='turn 0 needs a "question"'):
        Conversation.load(tmp_path / "shape.json")


def test_the_claude_engine_gets_the_previous_turns_as_context() -> None:
    history = [
        Turn(ERRORS_LAST_HOUR, "errors · last 1 hour", "SELECT COUNT(*) FROM logs WHERE level = 'ERROR'"),
        Turn("오늘 날씨?", error="question not understood"),
    ]
    message = question_message("and in staging?", history)
    assert "1. Question: How many errors in the last hour?" in message
    assert "SQL: SELECT COUNT(*) FROM logs WHERE level = 'ERROR'" in message
    assert "날씨" not in message  # refused turns are not context
    assert message.endswith("and in staging?")
    assert question_message("errors?", None) == "Question: errors?"


def test_conversation_fixtures_load_and_bad_ones_say_why(tmp_path: Path) -> None:
    from nlq_platform.evaluation.scenarios import ScenarioError, load_conversations

    good = tmp_path / "c.yaml"
    good.write_text(
        "- id: C1\n  kind: window\n  ko: ['지난 1시간 에러 몇 건?', '오늘은?']\n"
        "  en: ['errors in the last hour?', 'and today?']\n  sql: SELECT 1\n"
    )
    [scenario] = load_conversations(good)
    assert (scenario.question, scenario.earlier, scenario.earlier_en) == (
        "오늘은?",
        ("지난 1시간 에러 몇 건?",),
        ("errors in the last hour?",),
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: C1\n  ko: [only one]\n  en: [only one]\n  sql: SELECT 1\n")
    with pytest.raises(ScenarioError, match="same 2\\+ turns"):
        load_conversations(bad)


def test_a_count_of_groups_changes_its_rows_inside() -> None:
    history = [turn("how many users hit at least 3 errors in the last hour?")]
    sql, _ = follow(history, "그럼 staging은?")
    assert sql.startswith("SELECT COUNT(*) AS users FROM (SELECT user_id")
    assert "environment = 'staging'" in sql.split(") AS per_user")[0], "the filter is on the rows, inside"


def test_after_a_refused_first_question_a_bare_follow_up_is_refused_not_answered_alone() -> None:
    history = [Turn("production 웹앱 페이지별 평균 날씨", error="question not understood: 날씨")]
    with pytest.raises(NotUnderstood, match="has no answered one yet"):
        understand_turn("staging은 어때?", CATALOG, history)


@pytest.mark.parametrize("question", ["latest hour first", "최근 시간부터 보여줘"])
def test_newest_first_is_an_order_not_a_window(question: str) -> None:
    history = [turn("/api/v1/payment 엔드포인트의 시간대별 평균 응답시간 보여줘")]
    sql, _ = follow(history, question)
    assert "ORDER BY hour DESC" in sql and "INTERVAL '24 HOURS'" in sql, sql


def test_a_new_window_moves_the_subquery_that_shared_the_old_one() -> None:
    history = [
        turn("How many traces in the last hour began in the web app and hit an error in a backend service?")
    ]
    sql, _ = follow(history, "and over the last 6 hours?")
    assert "1 HOUR" not in sql and sql.count("INTERVAL '6 HOURS'") == 2, sql


def test_a_row_bound_from_an_unwindowed_answer_takes_no_default_window() -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    history = [
        turn(f"Which services did trace {trace} pass through?", ["service", "log_count"], [["web-app", 3]])
    ]
    sql, _ = follow(history, "show the logs of the first service, in order")
    assert "service = 'web-app'" in sql and f"trace_id = '{trace}'" in sql and "INTERVAL" not in sql, sql
