"""Set conditions across the rows of a group: "traces with a frontend NetworkError and a backend
TimeoutError", "sessions that reached /cart but never /checkout", "/checkout은 한 번도 안 간
세션". Each *side* is the values the question names together (a value of a column already on
the side starts the next one); the group must have a row meeting every condition of a side
(``BOOL_OR``), or — for a negated side — never have one (``NOT BOOL_OR``).

Rows with either value (an ``IN`` filter) answer another question, so the rule rebuilds the plan
from the values and their order in the question, not from the parser's filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.entities import (
    CASE_SENSITIVE,
    Mention,
    condition_of,
    link_values,
    trace_ids,
    user_ids,
)
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan, group_noun

Catalog = dict[str, list[str]]

#: the groups a set condition is about
GROUPS = ("trace_id", "session_id", "user_id")
#: English puts the negation before what it negates: "but never /checkout", "without a checkout"
NEGATION_BEFORE = re.compile(
    r"(?<![a-z])(?:never|not|no|without|didn't|did not|don't|haven't|hasn't|wasn't)(?![a-z])"
)
#: Korean after it: "/checkout은 한 번도 안 간", "결제는 하지 않은", "에러가 없는"
NEGATION_AFTER = re.compile(
    r"(?<![가-힣])안\s|않|(?<!중복)(?<!중복 )(?<!빠짐)(?<!끊임)(?<!상관)(?<!상관 )없|못\s|한\s*번도"
)
#: words that ask for rows of each side in the same group
TOGETHER = re.compile(
    r"(?<![a-z])(?:(?:the\s+)?same|one|a\s+single)\s+(?:trace|session)(?![a-z])"
    r"|같은\s*(?:trace|트레이스|세션|session)|한\s*(?:trace|트레이스|세션|session)\s*(?:에서|안에)",
    re.IGNORECASE,
)
#: words asking for the groups themselves rather than how many
_LISTED = re.compile(r"(?<![a-z])(?:which|list|show me the|ids?)(?![a-z])|어떤|어느|목록|누구", re.IGNORECASE)
#: how near a value must stand before the group's noun to qualify the group ("web sessions")
_QUALIFIER_GAP = 3


@dataclass
class Side:
    """Values named together, and whether the group must never have a row of them."""

    mentions: list[Mention] = field(default_factory=list)
    start: int = 0
    end: int = 0
    negated: bool = False

    def columns(self) -> set[str]:
        return {m.column for m in self.mentions}


def _positioned(view: str, mentions: list[Mention]) -> list[tuple[int, int, Mention]]:
    found = []
    for mention in mentions:
        at = view.find(mention.text)
        if at >= 0:
            found.append((at, at + len(mention.text), mention))
    return sorted(found, key=lambda item: item[0])


def _group_noun(view: str) -> tuple[str, re.Match[str]] | None:
    """The one group (trace, session, user) the question is about, and where it is named."""
    named = []
    for column in GROUPS:
        noun = lx.alternation(lx.COUNTABLE[column])
        match = re.search(rf"(?<![a-z_])(?:{noun})(?![a-z_])", view)
        if match is not None:
            named.append((column, match))
    return named[0] if len(named) == 1 else None


def names_a_group(view: str) -> bool:
    """Whether the question is about one kind of group a set condition can keep."""
    return _group_noun(view) is not None


def negations(view: str) -> list[re.Match[str]]:
    """The negation words of the question, in the order of its language."""
    pattern = NEGATION_AFTER if re.search(r"[가-힣]", view) else NEGATION_BEFORE
    return list(pattern.finditer(view))


def sides_of(view: str, positioned: list[tuple[int, int, Mention]]) -> list[Side]:
    """The values in question order, cut where a column comes again or a negation stands between."""
    korean = re.search(r"[가-힣]", view) is not None
    sides: list[Side] = []
    for start, end, mention in positioned:
        current = sides[-1] if sides else None
        between = view[current.end : start] if current else ""
        negation_between = NEGATION_BEFORE.search(between) or (korean and NEGATION_AFTER.search(between))
        if current is None or mention.column in current.columns() or negation_between:
            current = Side(start=start)
            sides.append(current)
        current.mentions.append(mention)
        current.end = end
    for i, side in enumerate(sides):
        before = view[sides[i - 1].end if i else 0 : side.start]
        after = view[side.end : sides[i + 1].start if i + 1 < len(sides) else len(view)]
        side.negated = bool(NEGATION_AFTER.search(after) if korean else NEGATION_BEFORE.search(before))
    return sides


def _side_conditions(view: str, side: Side) -> tuple[Filter, ...]:
    """A side's values as conditions; "a backend error" also means the row is an error."""
    conditions = [Filter(*condition_of(m)) for m in side.mentions]
    named_error = side.columns() & {"error_type", "level"}
    if not named_error and lx.ERROR.search(view[side.start : side.end + 8]):
        conditions.append(Filter("level", "=", "ERROR"))
    return tuple(conditions)


def _named_values(view: str, plan: Plan, catalog: Catalog) -> list[Mention]:
    """The values the question names; levels and methods, which only capitals name ("ERROR",
    "POST"), come from the parser's filters, as the lower-cased view no longer shows them."""
    mentions = link_values(view, catalog)
    for f in plan.filters:
        if f.column in CASE_SENSITIVE and f.op == "=" and not any(m.column == f.column for m in mentions):
            mentions.append(Mention(f.column, f.value, str(f.value).lower()))
    return mentions


def _asks_more(view: str) -> bool:
    """ "… 몇 개고, 그중 에러가 난 건 몇 개", "장바구니 본 세션 대비 비율도", "환경별 에러 수": a
    second count, a ratio or a breakdown beside the groups is another shape."""
    counts = len(lx.COUNT.findall(view))
    return counts > 1 or lx.RATE.search(view) is not None or lx.GROUP_WORD.search(view) is not None


def groups_with_rows_of_each_kind(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "sessions that reached /cart but never /checkout", "traces with both a frontend
    NetworkError and a backend TimeoutError": the groups having a row of each side and none of a
    negated side — counted by ``count_of_groups_kept``, or listed."""
    if plan.bucket is not None or plan.source is not None or plan.having is not None:
        return False
    group = _group_noun(view)
    if group is None or _asks_more(view) or user_ids(view) or trace_ids(view):
        return False  # one user's or one trace's rows are a listing, not groups
    subject, noun = group
    positioned = _positioned(view, _named_values(view, plan, catalog))
    qualifiers = [p for p in positioned if 0 <= noun.start() - p[1] <= _QUALIFIER_GAP]  # "web sessions"
    sides = sides_of(view, [p for p in positioned if p not in qualifiers])
    negated = any(s.negated for s in sides)
    if not sides or (len(sides) < 2 and not negated):
        return False  # "sessions that never reached /checkout" is one side
    if not (negated or lx.BOTH.search(view) or TOGETHER.search(view)):
        return False
    side_columns = {c for side in sides for c in side.columns()} | {"level", subject}
    if any(d not in side_columns for d in plan.dimensions):  # "… per browser": another shape
        return False
    kept = [
        f
        for f in plan.filters
        if f.column not in side_columns and not f.op.endswith("subquery") and f.column != "trace_id"
    ]
    inner = Plan(
        filters=kept + [Filter(*condition_of(m)) for _, _, m in qualifiers],
        window=plan.window,
        dimensions=[subject],
        columns=[subject],
        requires=[(_side_conditions(view, side), not side.negated) for side in sides],
        numeric_keys=plan.numeric_keys,
    )
    inner.add_filter(subject, "not_null")
    if lx.COUNT.search(view) and not _LISTED.search(view):  # "몇 개", "how many sessions"
        plan.source, plan.measures = inner, [Measure("count", group_noun(subject) + "s")]
        plan.filters, plan.window, plan.dimensions, plan.columns = [], None, [], []
        plan.order, plan.limit = [], None
    else:  # "which users …": the groups themselves
        plan.filters, plan.window, plan.requires = inner.filters, inner.window, inner.requires
        plan.measures, plan.dimensions, plan.columns = [], [subject], [subject]
        plan.order, plan.limit = [(subject, False)], None
    plan.notes.append("groups with rows of each kind")
    return True
