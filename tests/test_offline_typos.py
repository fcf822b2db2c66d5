"""Typos: a left-over word with exactly one known word within a small edit distance is read as
that word, and the reading says so; anything else is refused by name."""

from __future__ import annotations

import pytest

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline.engine import understand
from nlq_platform.text_to_sql.offline.reading import reading
from nlq_platform.text_to_sql.offline.typos import closest, edit_distance
from tests.test_offline_coverage import CATALOG


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("mnay", "many", 1),
        ("erors", "errors", 1),
        ("sesions", "sessions", 1),
        ("abc", "abc", 0),
        ("kitten", "sitting", 3),
    ],
)
def test_edit_distance_counts_a_swap_once(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == min(distance, 3)


def test_only_one_close_word_is_a_correction() -> None:
    words = frozenset({"service", "serve", "errors"})
    assert closest("erors", words) == "errors"
    assert closest("servce", words) is None  # service and serve are both one edit away
    assert closest("weather", words) is None


@pytest.mark.parametrize(
    ("question", "note"),
    [
        ("mnay erors in the last hour", '"erors" read as "errors"'),
        ("How many sesions did user_7 have in the last 7 days?", '"sesions" read as "sessions"'),
    ],
)
def test_a_typo_is_read_and_named_in_the_reading(question: str, note: str) -> None:
    plan, default = understand(question, CATALOG)
    assert note in plan.corrections
    assert note in reading(plan, question, default)


def test_a_word_with_no_close_known_word_is_refused() -> None:
    with pytest.raises(NotUnderstood, match='"weather"'):
        understand("errors by weather in the last hour", CATALOG)
