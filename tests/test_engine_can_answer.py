"""Engines say themselves whether they can answer a question without the network (``can_answer``);
the service asks them instead of knowing an engine's internals."""

from __future__ import annotations

from nlq_platform.metadata.schema import SchemaSnapshot
from nlq_platform.text_to_sql.anthropic_engine import AnthropicEngine, AnthropicSettings
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.engine import answer_check
from nlq_platform.text_to_sql.offline.engine import OfflineEngine

CONTEXT = Context(schema=SchemaSnapshot(tables=()), catalog={"service": ["payment-api", "order-api"]})


def test_the_offline_engine_reads_a_question_locally() -> None:
    engine = OfflineEngine()
    assert engine.can_answer("How many errors in the last hour?", CONTEXT)
    assert engine.can_answer("지난 1시간 동안 발생한 에러가 몇 건이야?", CONTEXT)
    assert not engine.can_answer("payment-api CPU 사용률 알려줘", CONTEXT)
    check = answer_check(engine, CONTEXT)
    assert check is not None and check("How many errors in the last hour?")
    assert not check("what is the weather like")


def test_claude_cannot_tell_without_asking() -> None:
    engine = AnthropicEngine(AnthropicSettings(api_key="k", base_url="http://127.0.0.1:9"))
    assert answer_check(engine, CONTEXT) is None


def test_an_error_while_checking_means_no() -> None:
    class Broken:
        name = "broken"

        def can_answer(self, question: str, context: Context) -> bool:
            raise RuntimeError("boom")

    check = answer_check(Broken(), CONTEXT)  # type: ignore[arg-type]
    assert check is not None and check("anything") is False
