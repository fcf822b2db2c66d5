"""The offline engine: deterministic, no network — normalise, check that every word is
understood, parse to a plan, apply the window conventions, compile with sqlglot, and say in one
sentence (the reading) how the question was understood."""

from __future__ import annotations

from dataclasses import asdict

from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.engine import Generation, NotUnderstood, Validator
from nlq_platform.text_to_sql.offline import claims
from nlq_platform.text_to_sql.offline.accounting import unaccounted
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.coverage import leftovers
from nlq_platform.text_to_sql.offline.entities import english_view
from nlq_platform.text_to_sql.offline.parser import INCIDENT_WINDOW, PERFORMANCE_WINDOW, parse
from nlq_platform.text_to_sql.offline.plan import Plan
from nlq_platform.text_to_sql.offline.reading import language_of, reading
from nlq_platform.text_to_sql.offline.refine import refine
from nlq_platform.text_to_sql.offline.shapes import unsupported
from nlq_platform.text_to_sql.offline.timewindow import parse_window
from nlq_platform.text_to_sql.offline.tokens import respace_korean
from nlq_platform.text_to_sql.offline.typos import corrected

_DEFAULTS = {
    "en": {"incident": "default for incident questions", "performance": "default for performance questions"},
    "ko": {"incident": "장애 질문의 기본값", "performance": "성능 질문의 기본값"},
}


def understand(question: str, catalog: dict[str, list[str]]) -> tuple[Plan, str | None]:
    """The plan of ``question`` and the default window it took (None when asked or none), or
    :class:`NotUnderstood` naming the words no recogniser claimed."""
    question = respace_korean(question)
    view = english_view(question)
    unclaimed = leftovers(view, question, catalog)
    fixes: list[str] = []
    if unclaimed:  # "mnay erors": read as the one close known word, or refuse naming it
        fixed, fixes = corrected(question, [u.words for u in unclaimed], catalog)
        if fixes:
            question, view = fixed, english_view(fixed)
            unclaimed = leftovers(view, question, catalog)
    if unclaimed:
        raise NotUnderstood("question not understood: " + "; ".join(u.describe() for u in unclaimed))
    shape = unsupported(view, question)
    if shape is not None:
        raise NotUnderstood(f'question not understood: "{shape[0].strip()}" — {shape[1]}')
    plan = refine(view, parse(question, catalog), catalog)
    plan.corrections = fixes
    lost = unaccounted(view, question, plan, catalog)
    if lost is not None:
        raise NotUnderstood(f'question not understood: "{lost[0].strip()}" — {lost[1]}')
    return plan, _window_convention(plan, question, view)


def _window_convention(plan: Plan, question: str, view: str) -> str | None:
    """A window nobody asked for is taken only by the conventions (incidents: 1 hour,
    performance: 24 hours) and is named; "in total", "ever" and "the last time" take none."""
    if plan.window is None or parse_window(question) is not None:
        return None
    if claims.ALL_TIME.search(view) or claims.LAST_TIME.search(view):
        plan.window = None
        return None
    kind = (
        "incident"
        if plan.window == INCIDENT_WINDOW
        else "performance"
        if plan.window == PERFORMANCE_WINDOW
        else None
    )
    return _DEFAULTS[language_of(question)][kind] if kind else None


class OfflineEngine:
    name = "offline"

    def generate(self, question: str, context: Context, validate: Validator | None = None) -> Generation:
        plan, default = understand(question, context.catalog)
        if context.schema.tables:
            plan.table = context.schema.tables[0].table_id
        # No validate() call: the offline engine cannot repair, and the guard runs at execution.
        sql = compile_plan(plan, context.schema.dialect)
        return Generation(
            sql=sql,
            engine=self.name,
            details={"plan": asdict(plan)},
            reading=reading(plan, question, default),
        )
