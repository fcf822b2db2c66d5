"""Shapes the plan cannot express are refused by a named rule (offline/shapes.py), and
questions that merely share a word with such a shape are not."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.offline import shapes
from nlq_platform.text_to_sql.offline.entities import english_view


def _rule(question: str) -> str | None:
    view = english_view(question)
    for rule in shapes.RULES:
        if rule(view, question) is not None:
            return rule.__name__
    return None


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("What is the average number of page views per session today?", "nested_aggregate"),
        ("세션당 평균 페이지 수는?", "nested_aggregate"),
        ("the ratio of clicks to submits this week", "ratio_of_counts"),
        ("services where WARN outnumbers ERROR", "compared_groups"),
        ("WARN이 ERROR보다 많은 서비스", "compared_groups"),
    ],
)
def test_unsupported_shapes_are_refused_by_their_rule(question: str, rule: str) -> None:
    assert _rule(question) == rule


@pytest.mark.parametrize(
    "question",
    [
        "average latency per endpoint in the last 24 hours",
        "엔드포인트별 평균 응답시간",
        "error rate per service in the last hour",
        "requests slower than 1 second per endpoint",
        "payment-api 에러가 어제보다 많아졌어?",
        "ERROR logs in the last hour",
        "logs at WARN or higher in the last hour",  # a range of levels: answered (test_offline_levels.py)
        "What percentage of requests took over 1 second yesterday?",  # answered (test_offline_series.py)
    ],
)
def test_supported_questions_pass_every_rule(question: str) -> None:
    assert _rule(question) is None


def test_a_refusal_names_the_words_and_why() -> None:
    question = "services where WARN outnumbers ERROR"
    words, why = shapes.unsupported(english_view(question), question)
    assert "outnumber" in words and "comparing two of their counts" in why
