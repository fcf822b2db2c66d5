"""The answer in one or two sentences, in Korean or English, built from the SQL and its rows only.

The SQL says what shape the result has (:mod:`.shape`) and what each column is
(:mod:`.columns`); the rows give every number; the window comes from the caller (the plan) or
from the SQL. The result is a :class:`~.ledger.Sentence`: the text and each number it shows with
how it was obtained, which :func:`.audit.audit` checks against the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from nlq_platform.text_to_sql.sentence import window as windows
from nlq_platform.text_to_sql.sentence.columns import analyse
from nlq_platform.text_to_sql.sentence.comparison import comparison
from nlq_platform.text_to_sql.sentence.empty import empty
from nlq_platform.text_to_sql.sentence.facts import Facts, Unsupported
from nlq_platform.text_to_sql.sentence.headline import headline
from nlq_platform.text_to_sql.sentence.ledger import Sentence
from nlq_platform.text_to_sql.sentence.listing import listing
from nlq_platform.text_to_sql.sentence.query import parse
from nlq_platform.text_to_sql.sentence.ranking import ranking
from nlq_platform.text_to_sql.sentence.rows import as_tuples
from nlq_platform.text_to_sql.sentence.series import series
from nlq_platform.text_to_sql.sentence.shape import detect
from nlq_platform.text_to_sql.sentence.subject import subject
from nlq_platform.text_to_sql.sentence.values import values
from nlq_platform.text_to_sql.sentence.window import Window

Language = Literal["ko", "en"]


def build_sentence(
    sql: str,
    columns: Sequence[str],
    rows: Sequence[Any],
    language: Language,
    window: Window | str | int | None = None,
    *,
    dialect: str = "postgres",
) -> Sentence | None:
    """The sentence for ``rows`` (tuples, lists or dicts keyed by column), or None when the SQL
    cannot be read or its shape is not one of headline, ranking, series, comparison or listing —
    the caller then keeps its generic summary.

    ``window``: the question's window when the caller knows it — a :class:`Window`
    (:func:`.window.from_plan`), an interval ("1 hour", "지난 7일") or a number of minutes; words
    that are not an interval ("이번 주") are shown as they are. Without it the window is read from
    the SQL's ``created_at > NOW() - INTERVAL '…'``."""
    if language not in ("ko", "en"):
        raise ValueError(f"language must be 'ko' or 'en', not {language!r}")
    query = parse(sql, dialect)
    if query is None:
        return None
    table = as_tuples(columns, rows)
    analysed = analyse(query, columns, table)
    shape = detect(query, analysed, len(table))
    given = windows.coerce(window)
    facts = Facts(
        lang=language,
        query=query,
        columns=analysed,
        rows=table,
        window=given if given is not None else windows.from_sql(query.tree),
        subject=subject(query),
    )
    try:
        if not table:
            text, name = empty(facts), "empty"
        elif shape.name == "headline":
            text, name = headline(facts), "headline"
        elif shape.name == "ranking":
            text, name = ranking(facts, shape), "ranking"
        elif shape.name == "series":
            text, name = series(facts, shape), "series"
        elif shape.name == "comparison":
            text, name = comparison(facts, shape), "comparison"
        elif shape.name == "listing":
            text, name = listing(facts), "listing"
        elif shape.name == "values":
            text, name = values(facts), "values"
        else:
            return None
    except Unsupported:
        return None
    return facts.ledger.sentence(text, name)
