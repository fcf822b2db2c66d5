"""Follow-ups: a question read as a change to the previous plan.

"그럼 staging은?" after an error count is not a new question about all of staging's rows: it is
the last plan with the environment replaced. The follow-up's words are read by the same
recognisers as a question's (values from the catalog, windows, buckets, dimensions, measures,
limits), plus the words that only a follow-up has (``MARKERS``: "그럼", "instead", "말고",
"same for", …) and references to a row of the last answer ("the first one", "그 서비스"), which
bind to that row's value. Each change is one small rule of :data:`RULES`, applied in order to a
copy of the previous plan; a follow-up that changes nothing, or whose words are not all
understood, is refused naming them — never answered as the previous question again.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlq_platform.text_to_sql.conversation import Turn
from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.compiler import bucket_alias
from nlq_platform.text_to_sql.offline.coverage import leftovers
from nlq_platform.text_to_sql.offline.entities import (
    condition_of,
    english_view,
    link_values,
    trace_ids,
    user_ids,
)
from nlq_platform.text_to_sql.offline.parser import _dimensions, _requested_measures, _top_n, parse
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan, plan_from_dict
from nlq_platform.text_to_sql.offline.reading import filter_words, language_of, measure_words
from nlq_platform.text_to_sql.offline.timewindow import Bucket, Window, parse_bucket, parse_window

#: words only a follow-up has ("그럼", "instead", "말고", "same for", "again"): a question with one
#: changes the previous plan, and cannot start a conversation
STRONG_MARKERS = re.compile(
    r"^\s*(?:그럼|그러면|그렇다면|근데|and|but|so|ok(?:ay)?|now|then|also)(?![a-z가-힣])[\s,]*"
    r"|\b(?:what|how)\s+about\b|\binstead(?:\s+of)?\b|\brather\s+than\b|\bagain\b|\bredo\b"
    r"|\bsame(?:\s+(?:thing|query|question|numbers?|one))?(?:\s+but)?(?:\s+(?:for|in|on|with))?\b"
    r"|\b(?:only|just)\b|\b(?:change|switch)\s+(?:it\s+|that\s+)?to\b|\bbreak\s+(?:it|that|this)\s+down\b"
    r"|\bthe\s+same\b|대신(?:에)?|말고|다시|똑같이|같은\s*(?:걸|것|조건)으?로?",
    re.IGNORECASE,
)
#: words a follow-up often has but a question may too ("p95로 보여줘", "서비스별로 나눠줘"); claimed
#: here when the question is read as a follow-up
WEAK_MARKERS = re.compile(
    r"^\s*그리고(?![가-힣])|(?<=[가-힣a-z0-9])\s*(?:으로|로)\s*(?=바꿔|다시|보여|해|봐|나눠)"
    r"|바꿔(?:서|줘|봐)?|나눠(?:서|줘|봐)?|보여\s*줘|해\s*줘|봐\s*줘"
    r"|(?:늘려|줄여|추려|좁혀|묶어|정렬해)(?:서|줘|봐|\s*줄래)?|(?<![a-z])(?:add|include)(?![a-z])|\btoo\b"
    r"|\b(?:show|give)\s+(?:me\s+)?(?:it|that|this)\b",
    re.IGNORECASE,
)
MARKERS = re.compile(f"{STRONG_MARKERS.pattern}|{WEAK_MARKERS.pattern}", re.IGNORECASE)
#: words that change the subject ("Different question:", "별개로,"): what follows stands on its own
_CHANGES_SUBJECT = re.compile(
    r"^\s*(?:(?:also|and|oh|btw|by the way|ok(?:ay)?|아|참)\s*,?\s*)?"
    r"(?:(?:a\s+)?(?:different|unrelated|separate|new|another|other)\s+(?:question|topic|thing|one)"
    r"|unrelated(?:ly)?|separately|something\s+else|on\s+another\s+note|switching\s+(?:topics?|gears)"
    r"|다른\s*(?:질문|건|얘기|이야기|거)(?:인데|데|이야|이고|으로)?|별개로|별개\s*질문(?:인데)?|새\s*질문(?:인데)?"
    r"|질문\s*(?:바꿀게|바꿔서|바꿔볼게)|그건\s*그렇고|참)(?![a-z가-힣])\s*[:,.!—-]?\s*",
    re.IGNORECASE,
)
#: "X 말고 Y", "Y instead of X", "rather than X": X leaves the filter, Y takes its place
_REPLACED_BEFORE = re.compile(r"((?:\S+\s+)?(\S+?))\s*(?:은|는|이|가)?\s*(?:말고|대신(?:에)?)", re.IGNORECASE)
_REPLACED_AFTER = re.compile(
    r"\b(?:instead\s+of|rather\s+than|not)\s+(?:the\s+|a\s+|an\s+)?((\S+)(?:\s+[^\s,.?!]+)?)", re.IGNORECASE
)
#: "the second one", "두 번째", "1위", "the top one"
_ORDINALS = {
    "first": 0, "top": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4,
    "첫": 0, "두": 1, "세": 2, "네": 3, "다섯": 4,
}  # fmt: skip
#: nouns a reference may name, beyond the dimension nouns: a trace, a request
_REFERENCE_NOUNS = {**{noun: column for column, nouns in lx.DIMENSION_NOUNS.items() for noun in nouns},
                    "trace": "trace_id", "traces": "trace_id", "트레이스": "trace_id", "trace_id": "trace_id",
                    "에러": "error_type", "오류": "error_type", "error": "error_type",
                    "사람": "user_id", "person": "user_id"}  # fmt: skip
#: columns whose values the recognisers read in a question ("payment-api의 에러"); others (a
#: session id, a time) are bound without being spelled into the question
_SPOKEN = (set(lx.DIMENSION_NOUNS) - {"session_id", "message", "file_path"}) | {"trace_id"}
_NOUN = "|".join(re.escape(n) for n in sorted(_REFERENCE_NOUNS, key=len, reverse=True))
_ORDINAL = re.compile(
    r"(?:\b(?:the|that|this)\s+(first|top|second|third|fourth|fifth)(?:\s+(?:one|row|result|item|entry))?\b(?!\s*\d)"
    r"|(첫|두|세|네|다섯)\s*번째(?:\s*(?:것|거|항목|행))?|(\d)\s*(?:위|등)(?![가-힣])|\b#(\d)\b"
    r"|(맨\s*(?:위|앞|처음)|가장\s*위|제일\s*위)(?:의|에\s*있는|에\s*나온)?)"
    rf"(?:\s*(?P<noun>{_NOUN})(?![a-z]))?",
    re.IGNORECASE,
)
_DEMONSTRATIVE = re.compile(
    rf"(?<![a-z])(?:that|this|the\s+same)\s+({_NOUN})(?![a-z])|(?<![가-힣])(?:그|해당|이)\s*({_NOUN})(?=(?:은|는|이|가|을|를|의|에서|에|도|만|으로|로)?(?![가-힣a-z]))"
    r"|(?<![a-z])(?:that|this)\s+one\b|(?<![가-힣])(?:그것|그거|그건)",
    re.IGNORECASE,
)
_OLDEST_FIRST = re.compile(
    r"오래된\s*(?:것|거|세션|항목|시간|날)?\s*(?:부터|순)|예전\s*순|과거\s*순|오름차순|적은\s*순|낮은\s*순|작은\s*순|빠른\s*순"
    r"|\b(?:oldest|earliest)(?:\s+[a-z]+)?\s+first\b|\bascending\b|\basc\b|\bfewest\s+first\b|\blowest\s+first\b",
    re.IGNORECASE,
)
_NEWEST_FIRST = re.compile(
    r"(?:최신|최근)\s*(?:것|거|세션|항목|시간|날)?\s*(?:부터|순)|내림차순|많은\s*순|높은\s*순|큰\s*순|느린\s*순"
    r"|\b(?:newest|latest|most\s+recent)(?:\s+[a-z]+)?\s+first\b|\bdescending\b|\bdesc\b|\b(?:most|highest)\s+first\b",
    re.IGNORECASE,
)
_ADDS_MEASURE = re.compile(
    r"^\s*(?:and|also|그리고|plus)\b|(?<=[가-힣a-z])도(?![가-힣])|\bas well\b|\b(?:add|include)\b|\btoo\b",
    re.IGNORECASE,
)
#: "경로 이름순으로", "alphabetically", "sort by path": the rows ordered by a breakdown's values
_BY_NAME = re.compile(
    r"(?:이름|알파벳|가나다|abc)\s*순|\balphabetical(?:ly)?\b|\bby\s+name\b|\ba\s*-\s*z\b"
    r"|\b(?:sort|order)(?:ed)?\s+(?:it\s+|them\s+|the\s+rows\s+)?by\b|순으로\s*정렬",
    re.IGNORECASE,
)
_DIMENSION_NOUN = re.compile(
    "|".join(
        rf"(?P<{column}>(?<![a-z가-힣])(?:{'|'.join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))})(?![a-z]))"
        for column, nouns in lx.DIMENSION_NOUNS.items()
    ),
    re.IGNORECASE,
)
#: a follow-up that is only a number of rows ("just 5", "3개만")
_BARE_COUNT = re.compile(r"(\d+)\s*(?:개|건|명|줄|rows?|results?|items?|entries|ones)?", re.IGNORECASE)
_SUBJECT = (lx.COUNT, lx.LISTING, lx.LATENCY, lx.USERS, lx.SESSIONS, lx.REQUESTS)


@dataclass
class Delta:
    """What a follow-up says, read by the recognisers from its words."""

    question: str
    text: str  # the question without the follow-up's own words
    view: str
    filters: list[Filter] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)  # values leaving a filter ("X 말고")
    window: Window | None = None
    bucket: Bucket | None = None
    dimensions: list[str] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    #: statistics named as leaving ("평균 말고", "instead of the mean")
    leaving: list[Measure] = field(default_factory=list)
    adds_measure: bool = False
    limit: int | None = None
    descending: bool | None = None
    #: order by this breakdown's values (A→Z) rather than by the measure
    by_value_of: str | None = None
    instead: bool = False


def starts_afresh(question: str) -> str | None:
    """The question after words that change the subject ("Unrelated: FATAL logs per service…"),
    or None when it has none."""
    match = _CHANGES_SUBJECT.match(question)
    if match is None or not question[match.end() :].strip():
        return None
    return question[match.end() :]


def previous_plan(history: Sequence[Turn]) -> tuple[Turn, Plan] | None:
    """The last answered turn that has an offline plan: what a follow-up changes."""
    for turn in reversed(history):
        if turn.answered and turn.plan:
            try:
                return turn, plan_from_dict(turn.plan)
            except (KeyError, TypeError, ValueError, AttributeError):
                return None  # a plan saved by an older version: follow-ups start afresh
    return None


def bind_references(question: str, turn: Turn | None) -> tuple[str, list[Filter], list[str]]:
    """Replace "the first one" / "그 서비스" / "that trace" by the value of the last answer's
    row it points at; returns the question, the bound filters and what was bound (for the
    reading). A reference with nothing to point at is refused."""
    bound: list[Filter] = []
    notes: list[str] = []

    def value_for(column: str | None, index: int, words: str) -> str:
        if turn is None or not turn.rows:
            raise NotUnderstood(
                f'question not understood: "{words}" refers to an earlier answer, and there is none'
            )
        columns = turn.columns
        plan = turn.plan or {}
        measures = {m["alias"] for m in plan.get("measures", [])}
        if column is None:  # "the first one": the row's first non-measure column
            column = next((c for c in columns if c not in measures), None)
        if column is None or column not in columns:
            raise NotUnderstood(
                f'question not understood: "{words}" — the last answer has no {column or "value"} column '
                f"(its columns: {', '.join(columns)})"
            )
        if index >= len(turn.rows):
            raise NotUnderstood(
                f'question not understood: "{words}" — the last answer has {len(turn.rows)} rows'
            )
        row = turn.rows[index]
        value = row[columns.index(column)]
        if value is None:
            raise NotUnderstood(f'question not understood: "{words}" — that row has no {column}')
        # a row of a breakdown is its group: every dimension's value ("the top one" of service ×
        # function is that service's function), each as the column it was grouped by
        group = dict(_grouped_column(d) for d in plan.get("dimensions", []))
        if column not in group:
            group = {column: column}
        for alias, grouped in group.items():
            if alias in columns and row[columns.index(alias)] is not None:
                bound.append(Filter(grouped, "=", row[columns.index(alias)]))
        notes.append(f"{words.strip()} = {value}")
        spoken = (
            column in _SPOKEN
            or column.startswith("metadata.")
            or any(f.column.startswith("metadata.") for f in bound)
        )
        return str(value) if spoken else ""  # a session id or a time is bound, not read

    def ordinal(match: re.Match[str]) -> str:
        word = next(g for g in match.groups()[:-1] if g)
        index = int(word) - 1 if word.isdigit() else _ORDINALS.get(word.lower(), 0)
        noun = match.group("noun")
        column = _REFERENCE_NOUNS.get(noun.lower()) if noun else _named_later(match.end())
        return value_for(column, index, match.group(0))

    def _named_later(at: int) -> str | None:
        """ "the first one: show its whole trace": a listing's row, by the column named later."""
        if turn is None or (turn.plan or {}).get("measures"):
            return None
        later = re.finditer(rf"(?<![a-z])({_NOUN})(?![a-z])", question[at:], re.IGNORECASE)
        named = (_REFERENCE_NOUNS.get(m.group(1).lower()) for m in later)
        return next((c for c in named if c in turn.columns), None)

    def demonstrative(match: re.Match[str]) -> str:
        noun = match.group(1) or match.group(2)
        return value_for(_REFERENCE_NOUNS.get(noun.lower()) if noun else None, 0, match.group(0))

    question = _ORDINAL.sub(ordinal, question)
    question = _DEMONSTRATIVE.sub(demonstrative, question)
    return question, bound, notes


def _grouped_column(dimension: str) -> tuple[str, str]:
    """(output alias, column) of a dimension: ``metadata.browser`` is shown as ``browser``."""
    return dimension.split(".", 1)[1] if "." in dimension else dimension, dimension


def has_subject(question: str) -> bool:
    """Whether the question names what to count or list ("errors", "logs", "requests", "users",
    "latency"): a bare statistic ("p95로 보여줘"), value or window ("staging은?") does not."""
    view = english_view(question)
    return any(pattern.search(view) for pattern in _SUBJECT) or bool(lx.ERROR.search(view))


def is_follow_up(question: str) -> bool:
    """Words only a follow-up has, or no subject of its own ("top 10", "staging은?")."""
    return bool(STRONG_MARKERS.search(question)) or not has_subject(question)


def read_delta(question: str, catalog: dict[str, list[str]]) -> Delta:
    """The follow-up's changes; :class:`NotUnderstood` naming words no recogniser claims."""
    # "X 말고 Y", "Y rather than X": X's value leaves a filter, X's statistic or breakdown the plan
    marked = [*_REPLACED_BEFORE.finditer(question), *_REPLACED_AFTER.finditer(question)]
    replaced = {m.group(2).lower() for m in marked}
    leaving_words = " ".join(m.group(1) for m in marked)
    instead = bool(re.search(r"instead|대신|말고|rather than", question, re.IGNORECASE))
    text = re.sub(r"\s+", " ", MARKERS.sub(" ", question)).strip(" ,?!.")
    text = re.sub(r"(?<![a-z])not\s+", " ", text, flags=re.IGNORECASE)
    count = _BARE_COUNT.fullmatch(text)
    if count:  # "just 5", "10개만": how many of the same
        text = ""
    view = english_view(text)
    unclaimed = leftovers(view, text, catalog) if text else []
    if unclaimed:
        raise NotUnderstood("question not understood: " + "; ".join(u.describe() for u in unclaimed))
    delta = Delta(question, text, view, replaced=replaced, instead=instead)
    delta.window = parse_window(text)
    delta.bucket = parse_bucket(text)
    delta.dimensions = _dimensions(view, catalog.get("metadata_keys", []))
    delta.limit = int(count.group(1)) if count else _top_n(view)
    about_latency = any(p.search(view) for p in (lx.LATENCY, lx.P95, lx.P99, lx.MEDIAN, lx.AVERAGE))
    delta.measures = _requested_measures(view, about_latency, False)
    delta.adds_measure = bool(_ADDS_MEASURE.search(question))
    delta.leaving = _measures_named(leaving_words)
    leaving_dims = (
        set(_dimensions(english_view(leaving_words), catalog.get("metadata_keys", []))) if marked else set()
    )
    delta.dimensions = [d for d in delta.dimensions if d not in leaving_dims]
    if _BY_NAME.search(question):  # "경로 이름순", "sort by path": ordered by, not broken down by
        named = [m.lastgroup for m in _DIMENSION_NOUN.finditer(text) if m.lastgroup]
        if named:
            delta.by_value_of = named[0]
            delta.dimensions = [d for d in delta.dimensions if d not in named]
    if _OLDEST_FIRST.search(question):
        delta.descending = False
    elif _NEWEST_FIRST.search(question):
        delta.descending = True
    delta.filters = _filters_of(text, view, catalog)
    return delta


def _filters_of(text: str, view: str, catalog: dict[str, list[str]]) -> list[Filter]:
    """The conditions the follow-up names: the parser's (implied ones too: "errors" is level
    ERROR) when it reads the words as a question, else the catalog values they mention."""
    try:
        filters = [f for f in parse(text, catalog).filters if f.op != "not_null"]
    except NotUnderstood:
        filters = []
    if not filters:
        filters = [Filter(*condition_of(m)) for m in link_values(text, catalog)]
        filters += [Filter("user_id", "=", u) for u in user_ids(text)]
        filters += [Filter("trace_id", "=", t) for t in trace_ids(text)]
    if lx.ERROR.search(view) and not any(f.column in ("level", "error_type") for f in filters):
        filters.append(Filter("level", "=", "ERROR"))
    return filters


# --- the rules: each applies one kind of change and says what it changed ---------------------
Rule = Callable[[Plan, Delta], str | None]


def change_filters(plan: Plan, delta: Delta) -> str | None:
    """A value of a column already filtered replaces it ("그럼 staging은?"); a new column adds a
    condition ("only POST"); "X 말고 Y" drops X."""
    changed = []
    by_column: dict[str, list[Any]] = {}
    for f in delta.filters:
        values = f.value if f.op == "in" else [f.value]
        if f.op not in ("=", "in"):
            plan.filters = [g for g in plan.filters if g.column != f.column or g.op != f.op]
            plan.add_filter(f.column, f.op, f.value)
            changed.append(filter_words(f, language_of(delta.question)) or f.column)
            continue
        kept = [v for v in values if str(v).lower() not in delta.replaced]
        by_column.setdefault(f.column, []).extend(v for v in kept if v not in by_column.get(f.column, []))
    for column, values in by_column.items():
        if not values:
            continue
        plan.filters = [g for g in plan.filters if g.column != column]
        plan.add_filter(column, "=" if len(values) == 1 else "in", values[0] if len(values) == 1 else values)
        changed.append(f"{column} = {', '.join(map(str, values))}")
    return " · ".join(changed) or None


def change_window(plan: Plan, delta: Delta) -> str | None:
    """A window named in the follow-up replaces the previous one ("same for the last 7 days")."""
    if delta.window is None:
        return None
    for inner in (f.value for f in plan.filters if isinstance(f.value, Plan)):
        if inner.window == plan.window:  # "traces whose front end …" in the same window: it moves too
            inner.window = delta.window
    plan.window = delta.window
    return delta.window.text or "window"


def change_bucket(plan: Plan, delta: Delta) -> str | None:
    """A bucket makes (or keeps) a time series ("시간별로 다시"), ordered by time."""
    if delta.bucket is None:
        return None
    plan.bucket = delta.bucket
    if delta.instead:
        plan.dimensions = []
    plan.order = [(bucket_alias(delta.bucket), False)]
    plan.limit = None
    return delta.bucket.text or delta.bucket.unit


def _measures_named(words: str) -> list[Measure]:
    """The statistics some words name ("평균", "mean", "건수"): what a replacement removes."""
    if not words.strip():
        return []
    view = english_view(words)
    named = _requested_measures(view, True, False)
    if lx.COUNT.search(view) and not any(m.kind == "count" for m in named):
        named.append(Measure("count", "count"))
    return named


def _family(m: Measure) -> tuple[str, str | None]:
    """Measures that one replaces another of: statistics of a column, counts, rates, times."""
    if m.kind in ("avg", "percentile", "max", "min", "sum"):
        return "statistic", m.column
    if m.kind in ("count", "count_distinct"):
        return "count", None
    return m.kind, None


def _same_statistic(a: Measure, b: Measure) -> bool:
    return (a.kind, a.fraction) == (b.kind, b.fraction) or (a.kind == b.kind == "count")


def change_measures(plan: Plan, delta: Delta) -> str | None:
    """A statistic replaces the one it names or the one of its kind ("p95로 보여줘", "median
    instead": the mean leaves, the request count stays), or joins them ("and the number of
    users?")."""
    new = [m for m in delta.measures if not any(_same_statistic(m, x) for x in delta.leaving)]
    if not new or plan.is_listing:
        return None
    if delta.adds_measure:
        plan.measures = [*plan.measures, *(m for m in new if m not in plan.measures)]
    else:
        families = {_family(m) for m in new}
        named = [m for m in plan.measures if any(_same_statistic(m, x) for x in delta.leaving)]
        leaving = named or [m for m in plan.measures if _family(m) in families] or list(plan.measures)
        at = plan.measures.index(leaving[0])
        kept = [m for m in plan.measures if m not in leaving]
        plan.measures = [*kept[:at], *(m for m in new if m not in kept), *kept[at:]]
        gone = {m.alias for m in leaving}
        plan.order = [(new[0].alias if key in gone else key, desc) for key, desc in plan.order]
        if plan.having is not None and plan.having[0].alias in gone:
            plan.having = None
    for m in new:
        if m.column and m.kind in ("avg", "percentile", "max", "min", "sum"):
            plan.add_filter(m.column, "not_null")
    return ", ".join(measure_words(m, language_of(delta.question)) for m in new)


def change_dimensions(plan: Plan, delta: Delta) -> str | None:
    """A breakdown replaces the previous one ("per endpoint instead"), ranked by the measure."""
    counted = {m.column for m in delta.measures if m.kind == "count_distinct"}  # "사용자 수": not per user
    dims = [
        d
        for d in delta.dimensions
        if d not in counted and not any(f.column == d and f.op == "=" for f in delta.filters)
    ]
    if not dims or plan.is_listing:
        return None
    plan.dimensions = dims
    if delta.instead or delta.bucket is None:
        plan.bucket = None if delta.instead else plan.bucket
    if plan.bucket is None:
        plan.order = [(plan.measures[0].alias, True)]
    return f"{', '.join(dims)}별" if language_of(delta.question) == "ko" else f"by {', '.join(dims)}"


def change_limit(plan: Plan, delta: Delta) -> str | None:
    """ "top 10", "3개만": how many, ranked by the measure when nothing orders it yet."""
    if delta.limit is None:
        return None
    plan.limit = delta.limit
    if not plan.order and plan.measures:
        plan.order = [(plan.measures[0].alias, True)]
    return f"limit {delta.limit}"


def change_order(plan: Plan, delta: Delta) -> str | None:
    """ "오래된 순으로", "ascending": the same ordering key, the other direction; "경로 이름순":
    the breakdown's values A→Z."""
    if delta.by_value_of is not None:
        if delta.by_value_of not in plan.dimensions:
            return None
        alias = delta.by_value_of.split(".", 1)[-1]
        plan.order = [(alias, bool(delta.descending))]
        return f"order {alias} {'↓' if delta.descending else '↑'}"
    if delta.descending is None:
        return None
    if not plan.order:
        plan.order = [("created_at" if plan.is_listing else plan.measures[0].alias, delta.descending)]
    else:
        key = plan.order[0][0]
        plan.order = [(key, delta.descending), *plan.order[1:]]
    return f"order {'↓' if delta.descending else '↑'}"


RULES: tuple[Rule, ...] = (
    change_filters,
    change_window,
    change_bucket,
    change_measures,
    change_dimensions,
    change_limit,
    change_order,
)


def apply_follow_up(previous: Plan, delta: Delta, bound: Sequence[Filter] = ()) -> tuple[Plan, list[str]]:
    """A copy of ``previous`` changed by every rule that finds its change in ``delta``."""
    plan = copy.deepcopy(previous)
    plan.notes = []
    plan.corrections = []
    delta.filters = [*delta.filters, *bound]
    drilled = {f.column for f in bound if f.column in plan.dimensions and f.column not in delta.dimensions}
    if drilled:  # "the first one" of a breakdown: that group, no longer broken down by it
        plan.dimensions = [d for d in plan.dimensions if d not in drilled]
        plan.order = [(key, desc) for key, desc in plan.order if key not in drilled]
        if not plan.dimensions and plan.bucket is None:
            plan.order, plan.limit = [], None
    if plan.source is not None:  # a count of groups: its rows' filters and window are the inner plan's
        changes = [change for rule in (change_filters, change_window) if (change := rule(plan.source, delta))]
    else:
        changes = [change for rule in RULES if (change := rule(plan, delta))]
    if not changes:
        raise NotUnderstood(
            f'question not understood: "{delta.question.strip()}" — it reads as a follow-up but changes '
            "nothing in the previous question (name a filter, window, grouping, measure, limit or order)"
        )
    return plan, changes
