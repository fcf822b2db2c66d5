"""A way forward when a question is refused: up to three questions the engine *can* answer that
are closest to the refused one.

Candidates are the metadata cache's examples (the few-shot examples System A writes, which
include the analyst-accepted 👍 questions), else the 38 evaluation scenarios' questions that ship
with the platform. They are ranked by similarity to the refused question (same language first)
and kept only when the engine understands them — a suggestion that is refused in turn would be
worse than none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from nlq_platform.text_to_sql.answer import is_korean
from nlq_platform.text_to_sql.context import Context, Example
from nlq_platform.text_to_sql.similarity import most_similar

#: how many suggestions a refusal offers, and how many close candidates are tried for them
SUGGESTIONS = 3
CANDIDATES = 12


@lru_cache(maxsize=1)
def built_in_questions() -> tuple[str, ...]:
    """The scenarios' questions (Korean and English): the fallback when no cache has examples."""
    from nlq_platform.evaluation.scenarios import load_scenarios

    try:
        scenarios = load_scenarios()
    except Exception:  # a broken scenarios file must not cost a refusal its answer
        return ()
    return tuple(q for s in scenarios if s.answerable for q in (s.question, s.question_en))


def suggest(
    question: str,
    context: Context,
    answerable: Callable[[str], bool] = lambda _: True,
    k: int = SUGGESTIONS,
) -> list[str]:
    """Up to ``k`` answerable questions closest to ``question``, in its language when possible."""
    pool = list(dict.fromkeys(e.question for e in context.examples)) or list(built_in_questions())
    korean = is_korean(question)
    same = [q for q in pool if is_korean(q) == korean]
    ranked = most_similar(question, [Example(q, "") for q in same or pool], CANDIDATES)
    found: list[str] = []
    for example in ranked:
        if example.question.strip() != question.strip() and answerable(example.question):
            found.append(example.question)
            if len(found) == k:
                break
    return found
