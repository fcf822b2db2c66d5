"""Deterministic answer sentences (Korean and English) for a query result.

``build_sentence(sql, columns, rows, "ko")`` reads the shape of the result from the SQL (a headline
number, a ranking, a time series, a comparison or a listing), takes every number from the rows
(or computes it from them: a total, a share, a difference, a change in percent) and returns a
:class:`Sentence` — the text plus each number it shows with its derivation, which
:func:`audit` checks against the rows.
"""

from nlq_platform.text_to_sql.sentence.audit import audit
from nlq_platform.text_to_sql.sentence.builder import Language, build_sentence
from nlq_platform.text_to_sql.sentence.extract import extract_numbers
from nlq_platform.text_to_sql.sentence.josa import attach, josa
from nlq_platform.text_to_sql.sentence.ledger import Derived, Sentence
from nlq_platform.text_to_sql.sentence.window import Window, from_plan, from_sql

__all__ = [
    "Derived",
    "Language",
    "Sentence",
    "Window",
    "attach",
    "audit",
    "build_sentence",
    "extract_numbers",
    "from_plan",
    "from_sql",
    "josa",
]
