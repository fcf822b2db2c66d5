"""The offline engine: deterministic, no network — normalise, check that every word is
understood, parse to a plan, apply the window conventions, compile with sqlglot, and say in one
sentence (the reading) how the question was understood."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.conversation import Turn
from nlq_platform.text_to_sql.engine import Generation, NotUnderstood, Validator
from nlq_platform.text_to_sql.offline import claims
from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.accounting import unaccounted
from nlq_platform.text_to_sql.offline.compiler import compile_plan
from nlq_platform.text_to_sql.offline.coverage import leftovers
from nlq_platform.text_to_sql.offline.distinctvalues import lists_values
from nlq_platform.text_to_sql.offline.entities import TEMPLATE, english_view, link_values, without_templates
from nlq_platform.text_to_sql.offline.followup import (
    STRONG_MARKERS,
    apply_follow_up,
    bind_references,
    has_subject,
    is_follow_up,
    previous_plan,
    read_delta,
    starts_afresh,
)
from nlq_platform.text_to_sql.offline.parser import INCIDENT_WINDOW, PERFORMANCE_WINDOW, parse
from nlq_platform.text_to_sql.offline.plan import Filter, Plan, plan_to_dict
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
    view = without_templates(view, link_values(question, catalog))
    plan = refine(view, parse(question, catalog), catalog)
    plan.corrections = fixes
    lost = unaccounted(view, question, plan, catalog)
    if lost is not None:
        raise NotUnderstood(f'question not understood: "{lost[0].strip()}" — {lost[1]}')
    return plan, _window_convention(plan.source or plan, question, view)


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
    if kind == "incident" and not _about_incidents(plan, view):
        plan.window = None  # "which version runs in staging, and how many logs": no incident
        return None
    return _DEFAULTS[language_of(question)][kind] if kind else None


def _about_incidents(plan: Plan, view: str) -> bool:
    """Errors, levels, error types, users or traces: what the incident convention is for."""
    incident_columns = {"level", "error_type", "user_id", "trace_id", "session_id", "message"}
    return bool(
        lx.ERROR.search(view)
        or any(f.column in incident_columns for f in plan.filters)
        or any(m.where for m in plan.measures)
        or (plan.is_listing and not lists_values(plan))
    )


_FOLLOW_UP = {
    "en": ("follow-up — {changes}; the rest as before: ", "with {notes}: "),
    "ko": ("이어서 — 바뀐 것: {changes}, 나머지는 이전 질문대로: ", "{notes} 기준: "),
}


def understand_turn(
    question: str, catalog: dict[str, list[str]], history: Sequence[Turn]
) -> tuple[Plan, str | None, str]:
    """A question in a conversation: the previous plan changed by a follow-up ("그럼 staging은?",
    "per endpoint instead", "the first one"), or a question that stands on its own. Returns the
    plan, the default window taken and a prefix for the reading saying what was carried over.

    A question that says it changes the subject ("Different question: …") stands on its own; one
    with a subject of its own stands on its own unless its own reading would take a default the
    conversation already settled (it names no window), in which case it is read as a follow-up
    when it reads as one ("GET 요청만 봐줘", "sort by count ascending")."""
    fresh = starts_afresh(question)
    if fresh is not None:
        plan, default = understand(fresh, catalog)
        return plan, default, ""
    previous = previous_plan(history)
    turn = previous[0] if previous else next((t for t in reversed(history) if t.answered), None)
    question, bound, notes = bind_references(question, turn)
    lang = language_of(question)
    changed, carried = _FOLLOW_UP[lang]
    prefix = carried.format(notes=", ".join(notes)) if notes else ""
    if previous is None:
        nothing_to_follow = NotUnderstood(
            f'question not understood: "{question.strip()}" follows up on an earlier question, '
            "and this conversation has no answered one yet — ask it as a whole question"
        )
        if STRONG_MARKERS.search(question) or (
            (history or _HOW_ABOUT.search(question)) and _leans_on_context(question, catalog)
        ):
            raise nothing_to_follow  # "staging은 어때?" after a refused question: nothing to change
        try:
            plan, default = understand(question, catalog)
        except NotUnderstood as exc:
            if has_subject(question) or str(exc).startswith('question not understood: "'):
                raise  # it names the words it did not understand: that is the reason
            raise nothing_to_follow from None
        _bind(plan, bound)
        return plan, default, prefix
    if not is_follow_up(question):
        standalone = _standalone(question, catalog, bound, previous[1])
        if isinstance(standalone, tuple) and (bound or _names_its_window(question)):
            return (*standalone, prefix)
        try:  # it leans on the conversation: read it as a change to the previous question
            plan, changes = apply_follow_up(previous[1], read_delta(question, catalog), bound)
        except NotUnderstood:
            if isinstance(standalone, NotUnderstood):
                raise standalone from None
            return (*standalone, prefix)
        return plan, None, changed.format(changes=" · ".join(changes))
    plan, changes = apply_follow_up(previous[1], read_delta(question, catalog), bound)
    return plan, None, changed.format(changes=" · ".join(changes))


#: "staging은 어때?", "그 서비스는요?": asking about something as against what came before
_HOW_ABOUT = re.compile(r"어때|어떤가요|(?:는|은)요\s*\??\s*$")


def _leans_on_context(question: str, catalog: dict[str, list[str]]) -> bool:
    """ "staging은 어때?", "sync_stock job만", "시간별로": nothing to count or list of its own — no
    subject word and no error type or event named — so it means the question before it."""
    if has_subject(question):
        return False
    return not any(m.column in ("error_type", "message", TEMPLATE) for m in link_values(question, catalog))


def _names_its_window(question: str) -> bool:
    """ "지난 24시간 …", "in total", "the last time": the question settles its own window."""
    view = english_view(question)
    return bool(parse_window(question) or claims.ALL_TIME.search(view) or claims.LAST_TIME.search(view))


def _standalone(
    question: str, catalog: dict[str, list[str]], bound: Sequence[Filter], previous: Plan
) -> tuple[Plan, str | None] | NotUnderstood:
    """The question read on its own (a value bound from the last answer keeps its window), or
    why it cannot be."""
    try:
        plan, default = understand(question, catalog)
    except NotUnderstood as exc:
        return exc
    _bind(plan, bound)
    if bound:  # "그 서비스의 에러": that group of the last answer, in its window and conditions
        if not _names_its_window(question):  # no window before (a trace's whole life): none now
            plan.window, default = previous.window, None
        grouped = set(plan.dimensions) | {c for c in plan.columns}
        for f in previous.filters:
            if f.op != "not_null" and not plan.has_filter(f.column) and f.column not in grouped:
                plan.add_filter(f.column, f.op, f.value)
    return plan, default


def _bind(plan: Plan, bound: Sequence[Filter]) -> None:
    """A value bound from the last answer replaces any condition on its column."""
    for f in bound:
        plan.filters = [g for g in plan.filters if g.column != f.column]
        plan.add_filter(f.column, f.op, f.value)


class OfflineEngine:
    name = "offline"

    def generate(
        self,
        question: str,
        context: Context,
        validate: Validator | None = None,
        history: Sequence[Turn] | None = None,
    ) -> Generation:
        if history is not None:  # in a conversation, even before its first answer
            plan, default, prefix = understand_turn(question, context.catalog, history)
        else:
            (plan, default), prefix = understand(question, context.catalog), ""
        if context.schema.tables:
            plan.table = context.schema.tables[0].table_id
        # No validate() call: the offline engine cannot repair, and the guard runs at execution.
        sql = compile_plan(plan, context.schema.dialect)
        return Generation(
            sql=sql,
            engine=self.name,
            details={"plan": plan_to_dict(plan)},
            reading=prefix + reading(plan, question, default),
        )

    def can_answer(self, question: str, context: Context) -> bool:
        """Whether :meth:`generate` answers ``question`` on its own: read locally, no network
        (the service keeps only suggestions for which this is true)."""
        try:
            understand(question, context.catalog)
        except Exception:
            return False
        return True
