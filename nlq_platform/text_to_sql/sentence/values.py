"""Different values, one row each (``GROUP BY`` the columns with no measure, or ``SELECT
DISTINCT``): how many there are and the first few.

"지난 7일 동안 브라우저는 5개입니다: Chrome, Edge, Firefox 등." /
"5 browsers in the last 7 days: Chrome, Edge, Firefox, …"
"""

from __future__ import annotations

from nlq_platform.text_to_sql.sentence.facts import Facts, capitalized
from nlq_platform.text_to_sql.sentence.josa import attach
from nlq_platform.text_to_sql.sentence.vocab import Term, dimension_term

SHOWN = 3  # values named in the sentence; the table shows them all


def _term(f: Facts) -> Term:
    """One column: its noun ("브라우저", "browsers"); several: their combination."""
    terms = [dimension_term(c.name) for c in f.columns]
    if len(terms) == 1:
        return terms[0]
    return Term(
        " · ".join(t.ko for t in terms) + " 조합",
        " · ".join(t.en_one or t.en for t in terms) + " combinations",
        " · ".join(t.en_one or t.en for t in terms) + " combination",
        "개",
    )


def values(f: Facts) -> str:
    term = _term(f)
    count = f.ledger.rows(len(f.rows))
    named = ", ".join(f.label(row, f.columns) for row in f.rows[:SHOWN])
    more = len(f.rows) > SHOWN
    if f.ko:
        return f"{f.prefix()}{attach(term.ko, '은/는')} {count}{term.counter}입니다: {named}{' 등' if more else ''}."
    return capitalized(f"{count} {term.english(len(f.rows))}{f.suffix()}: {named}{', …' if more else '.'}")
