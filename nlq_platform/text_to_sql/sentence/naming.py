"""The words for a measure column: the alias table first, then for a generic count alias
(``count``, ``cnt``) what the query counts — distinct users, sessions, or the rows its conditions
keep (errors, TimeoutErrors, logs)."""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.vocab import Term, distinct_term, measure_term


def term_for(column: Column, subject: Term) -> Term:
    counted = column.unit == "count"
    term = measure_term(column.name, counted)
    if term is not None:
        return term
    if column.agg == "count_distinct" and column.argument:
        return distinct_term(column.argument)
    if counted:
        return subject
    return measure_term(f"{column.agg or ''}_{column.argument or 'value'}", counted) or subject
