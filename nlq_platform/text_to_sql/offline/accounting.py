"""Every signal of the question must show in the plan. Coverage (``coverage.py``) checks that each
word was *recognised*; this checks that what it asks was *kept*: a word that names a moment, a
distinct count, a grouping, an extreme, a per-group threshold or a numeric JSONB key, with no trace
of it in the plan, means the parser answered another question — so the engine refuses instead,
naming the words.

Rules run in order (sqlglot's optimizer ``RULES`` is the model); the first that fires refuses.
Each takes the english view of the question, the question, the plan and the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline import numbers, setconditions
from nlq_platform.text_to_sql.offline.entities import Mention, key_threshold, link_values
from nlq_platform.text_to_sql.offline.plan import Plan, conditions
from nlq_platform.text_to_sql.offline.timewindow import relative_windows

Refusal = tuple[str, str]  # (the words, why the plan does not answer them)
Catalog = dict[str, list[str]]

#: a question of a moment: "when", "언제", "what time", "몇 시에"
_WHEN = re.compile(r"(?<![a-z])(?:when|what time)(?![a-z])|언제|몇\s*시(?:에|쯤)", re.IGNORECASE)
#: a count of different things: "distinct error types", "몇 종류", "서로 다른"
_DISTINCT = re.compile(
    r"(?<![a-z])(?:distinct|different|unique)(?![a-z])|서로\s*다른|몇\s*(?:종류|가지)|고유한?", re.IGNORECASE
)
#: extremes of a value: "fastest", "최소", "longest … ever"
_EXTREME = re.compile(
    r"(?:(?<![a-z])(?:fastest|slowest|quickest|longest|shortest|minimum|maximum|peak)(?![a-z])"
    r"|(?<![a-z0-9])(?<!\d )(?:min|max)(?![a-z])"
    r"|최대|최소|최댓값|최솟값|제일\s*(?:오래|빠르|빨리|느리|짧)|가장\s*(?:오래|빠르|빨리|느리|짧))"
    r"(?!\s*(?:\d|한|두|세|다섯|열|one|two|three|five|ten))",  # "최대 20개", "max 20", "최소 한 번": limits
    re.IGNORECASE,
)
#: a count compared with a number: "30건 넘게", "more than 40 log lines", "at least 5 errors"
_COUNT_THRESHOLD = re.compile(
    r"\d+\s*(?:건|번|회|개)\s*(?:이상|넘|초과|미만|이하)"
    r"|(?:more than|over|at least|fewer than|less than|above|under)\s+\d+\s+"
    r"(?:log|logs|lines?|errors?|events?|requests?|calls?|times|entries|rows|records)",
    re.IGNORECASE,
)
#: an aggregate compared with a number: "평균 응답시간이 300ms 넘는", "averaging above 300 ms"
_AGGREGATE_THRESHOLD = re.compile(
    r"(?:평균|average|avg|mean|p\d\d)[^,.?]{0,24}?\d+\s*(?:ms|밀리초|초|s|sec\w*)?\s*(?:이상|넘|초과|미만|이하)"
    r"|averag\w*\s+(?:above|over|more than|below|under|less than)\s+\d+"
    r"|(?:average|avg|mean|p\d\d)\s+(?:\w+\s+){0,3}(?:is\s+|was\s+)?(?:above|over|more than|below|under|exceeds?)\s+\d+",
    re.IGNORECASE,
)


#: a share asked for: "비율", "몇 %", "what percentage", "share of" (not "conversion dashboard")
_RATIO = re.compile(
    r"비율|비중|퍼센트|전환율|%|(?<![a-z])(?:percentage|percent|share|ratio|proportion|fraction|conversion rate|rate)(?![a-z])",
    re.IGNORECASE,
)


def _measure_columns(plan: Plan) -> set[str]:
    return {m.column or "" for m in plan.measures}


def moment_is_answered(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "When was the last FATAL?": the answer is a time — a first/last-seen measure, a time
    bucket or a time dimension; a count or a list of rows answers another question."""
    match = _WHEN.search(view)
    if match is None:
        return None
    kinds = {m.kind for m in plan.measures}
    answered = (
        kinds & {"first_seen", "last_seen"}
        or any(m.column == "created_at" for m in plan.measures)
        or plan.bucket is not None
        or (plan.is_listing and "created_at" in plan.columns and plan.limit is not None and plan.limit <= 20)
    )
    if answered:
        return None
    return match.group(0), "the question asks for a moment, and the offline engine did not find one to give"


def distinct_is_counted(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "How many distinct error types": a count of different values, not of rows."""
    match = _DISTINCT.search(view)
    if match is None or plan.is_listing or plan.dimensions:
        return None
    if any(m.kind in ("count_distinct", "share") for m in plan.measures):
        return None
    return match.group(0), "a count of different values was asked, and the offline engine would count rows"


def distinct_thing_is_counted(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "the users with the most distinct sessions": the different things named must be what the
    plan counts (or groups by, or lists); a count of rows per session answers another question."""
    for column, nouns in lx.COUNTABLE.items():
        noun = lx.alternation(nouns)
        match = re.search(rf"{lx.DISTINCT}\s+(?:[\w-]+\s+)?(?:{noun})(?![a-z])", view)
        if match is None:
            continue
        measured = {m.column for m in plan.measures if m.kind in ("count_distinct", "share")}
        if plan.having is not None:
            measured.add(plan.having[0].column)
        if column in measured or column in plan.dimensions or column in plan.columns:
            continue
        return match.group(
            0
        ), "a count of different values was asked, and the offline engine would count rows"
    return None


def grouping_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "메시지별", "by message": a grouping the question asks for must be a dimension (or the
    time bucket); a grouping by a word the engine does not know as a column is refused."""
    if plan.is_listing:
        return None
    nouns = {n: column for column, words in lx.DIMENSION_NOUNS.items() for n in words}
    nouns.update({column.replace("_", " "): column for column in catalog if column.isidentifier()})
    nouns.update({column: column for column in catalog if column.isidentifier()})
    nouns.update({k: f"metadata.{k}" for k in catalog.get("metadata_keys", [])})
    noun = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    korean = re.finditer(rf"(?<![a-z0-9_-])({noun})s?\s*(?:별로?|마다)(?![가-힣])", view)
    english = re.finditer(  # "count traces by backend service and error type"
        rf"(?<![a-z])(?:by|per|for each|of each|each|every|broken down by)\s+(?:(?:the|their|its|backend|frontend)\s+)*"
        rf"({noun})s?(?![a-z0-9_])(?:\s*(?:,|and|&)\s*({noun})s?(?![a-z0-9_]))*",
        view,
    )
    for match in [*korean, *english]:
        for index, named in ((i, g) for i, g in enumerate(match.groups(), 1) if g):
            column = nouns[named]
            if named in lx.TYPE_WORDS:  # "액션 유형별": the action's type
                typed = lx.type_column(view, match.start(index), match.end(index))
                if typed is None:
                    return match.group(
                        0
                    ), "a breakdown by type was asked, and the question does not say of what"
                column = typed
            if column not in plan.dimensions and column not in _kept_elsewhere(plan):
                return match.group(
                    0
                ), f"a breakdown by {column} was asked and the offline engine did not keep it"
    return None


def _kept_elsewhere(plan: Plan) -> set[str]:
    """Columns a grouping word may name without a dimension: the bucket's time, a filtered column
    pinned to one value, a measure's column."""
    kept = {f.column for f in plan.filters} | _measure_columns(plan)
    if plan.bucket is not None:
        kept.add("created_at")
    return kept


def extreme_is_measured(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "fastest, average and slowest": minimum and maximum are asked; an answer without them
    (only a count and an average) is another question. Rankings (dimensions) and top-N listings
    sorted by the value answer "slowest" by their order."""
    match = _EXTREME.search(view)
    if match is None or plan.dimensions or plan.bucket is not None:
        return None
    if plan.is_listing and any(key not in ("created_at",) for key, _ in plan.order):
        return None
    if {m.kind for m in plan.measures} & {"max", "min", "percentile", "first_seen", "last_seen"}:
        return None
    return match.group(
        0
    ), "an extreme (minimum or maximum) was asked, and the offline engine did not compute it"


def count_threshold_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "services with more than 30 errors": a threshold on a per-group count needs HAVING."""
    match = _COUNT_THRESHOLD.search(view)
    if match is None or plan.having is not None:
        return None
    if any(f.column == "duration_ms" for f in plan.filters) and re.search(
        r"ms|초|sec|second", match.group(0)
    ):
        return None
    return match.group(
        0
    ), "a threshold on a count per group was asked, and the offline engine did not keep it"


def aggregate_threshold_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "endpoints whose average is over 300 ms": a threshold on an aggregate, not on rows."""
    match = _AGGREGATE_THRESHOLD.search(view)
    if match is None or plan.having is not None:
        return None
    return match.group(
        0
    ), "a threshold on an average or percentile per group is not supported by the offline engine yet"


def numeric_key_is_used(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "average cart_total", "load_ms over 2 s": a numeric JSONB key the question names must be
    what the plan measures or filters; answering with duration_ms or a count is another question."""
    used = {f.column for f in plan.filters} | _measure_columns(plan) | set(plan.dimensions)
    for key in catalog.get("metadata_numeric_keys", []):
        compared = key_threshold(view, key)
        if compared is not None and f"metadata.{key}" not in used:
            return compared[2].group(
                0
            ), f"a threshold on the metadata key '{key}' was asked, and the plan lost it"
        if "_" not in key and not re.search(rf"metadata\W*{re.escape(key)}", view):
            continue  # "attempt", "items": ordinary words unless written as the key
        forms = {key, key.replace("_", " ")}
        found = next(
            (f for f in forms if re.search(rf"(?<![a-z0-9_]){re.escape(f)}(?![a-z0-9_])", view)), None
        )
        if found and f"metadata.{key}" not in used:
            return found, f"measures of the metadata key '{key}' are not supported by the offline engine yet"
    return None


def ranking_has_groups(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "가장 많이 눌린 클릭 5개": a top-N of an aggregate needs groups to rank; a single total
    row ordered and cut to N means the ranked thing was lost."""
    if plan.is_listing or plan.dimensions or plan.bucket is not None:
        return None
    if plan.limit is None and not plan.order:
        return None
    match = lx.MOST.search(view) or re.search(r"(?:top|상위)\s*\d+|\d+\s*(?:개|명|위)", view)
    if match is None:
        return None
    return match.group(0), "a ranking was asked, and the offline engine did not find what to rank"


#: the means of an answer: "건수로", "in counts", "as counts" (the share shown by its counts)
_BY_COUNTS = re.compile(
    r"(?:건수|개수|횟수|수)\s*(?:로|으로)(?![가-힣])|(?<![a-z])(?:in|as|by)\s+(?:raw\s+)?counts?(?![a-z])"
)


def ratio_is_computed(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "비율이 몇 %야?", "what percentage of requests": a share needs a rate or share measure;
    a plain count of the part answers another question."""
    match = _RATIO.search(view)
    if match is None or plan.is_listing:
        return None
    if any(m.kind in ("error_rate", "share", "rate") for m in plan.measures):
        return None
    if match.group(0) == "%" and any(m.kind == "percentile" for m in plan.measures):
        return None  # "95%·99% 지점": percentiles
    if plan.dimensions and _BY_COUNTS.search(view):
        return None  # "모바일이랑 데스크톱 비중, 기기별 건수로": the breakdown's counts show it
    return match.group(0), "a ratio or percentage was asked, and the offline engine would give a count"


def rate_condition_is_not_a_filter(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "the share of login requests that ended in an AuthenticationError": the error type is the
    rate's part, not a filter of its rows — filtered first, every row would be an error."""
    if not any(m.kind == "error_rate" for m in plan.measures):
        return None
    pinned = next((f for f in plan.filters if f.column == "error_type" and f.op in ("=", "in")), None)
    if pinned is None:
        return None
    value = pinned.value if pinned.op == "=" else ", ".join(pinned.value)
    return str(value), "a rate of one error type was asked, and the offline engine computes rates of levels"


def statistic_is_measured(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "한 건당 평균 상품 개수", "결제 금액 합계": an average or a sum was asked; a count without
    one answers another question (averages of per-group counts are not supported)."""
    for words, kind, what in ((lx.AVERAGE, "avg", "an average"), (lx.SUM, "sum", "a sum")):
        match = words.search(view)
        if match and not plan.is_listing and not any(m.kind == kind for m in plan.measures):
            return match.group(0), f"{what} was asked, and the offline engine did not find what to take it of"
    return None


def percentile_is_measured(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "p90 duration of requests slower than 1 s", "중앙값": a percentile named must be measured;
    a count or an average answers another question."""
    match = lx.PERCENTILE.search(view) or lx.P95.search(view) or lx.P99.search(view) or lx.MEDIAN.search(view)
    if match is None or plan.is_listing:
        return None
    if any(m.kind == "percentile" for m in plan.measures):
        return None
    return match.group(0), "a percentile was asked, and the offline engine did not compute it"


def count_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "건수랑 평균 장바구니 금액": a count asked beside another statistic must be in the answer."""
    match = re.search(r"건수|횟수|몇\s*(?:건|번|개)|how many|number of", view)
    if match is None or plan.is_listing or not plan.measures:
        return None
    if any(m.kind in ("count", "count_distinct", "share", "error_rate") for m in plan.measures):
        return None
    return match.group(0), "a count was asked, and the offline engine's answer has none"


_COUNT_QUESTION = re.compile(r"몇\s*(?:건|번|개|명)|(?<![a-z])how many(?![a-z])", re.IGNORECASE)


def every_count_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "몇 개고, 그중 에러가 난 건 몇 개야?": two counts asked need two answers (or groups)."""
    asked = list(_COUNT_QUESTION.finditer(view))
    if len(asked) < 2 or plan.is_listing or plan.dimensions or plan.bucket is not None:
        return None
    if len(plan.measures) >= 2:
        return None
    return asked[1].group(0), "two counts were asked, and the offline engine found one"


def every_window_is_used(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "users hit in the last hour who had checked out in the past 7 days": two windows asked of
    one answer; a plan that keeps one (and compares none) answers another question."""
    windows = relative_windows(question)
    if len(windows) < 2 or plan.window is None or plan.window.end is not None:
        return None
    if any(f.column == "created_at" for m in plan.measures for f in m.where):
        return None  # "the last hour next to the 24 hours before": a comparison of windows
    kept = {
        plan.window.minutes,
        plan.bucket.length_minutes if plan.bucket else None,
    }  # "by 5 minutes" sizes the buckets
    other = next((w for w in windows if w.minutes not in kept), None)
    if other is None:
        return None
    return other.text, "a second time window was asked, and the offline engine keeps one window per answer"


#: "전체 에러 중", "of all errors": the whole of the errors the groups' shares are of (a rate's
#: whole, "전체 로그 중", is each group's own rows)
_OF_THE_WHOLE = re.compile(
    r"전체\s*(?:에러|오류|error)\S*\s*(?:중|가운데)"
    r"|(?<![a-z])(?:of|among|out of)\s+(?:all|the total|total)\s+(?:(?:the|of|[a-z]+-api)\s+)?errors?(?![a-z])",
    re.IGNORECASE,
)


def share_of_whole_is_not_a_rate(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "each service's share of all errors": a group's part of the whole, not the rate of errors
    among the group's own rows — an error rate answers another question."""
    match = _OF_THE_WHOLE.search(view)
    if match is None or not plan.dimensions or not any(m.kind == "error_rate" for m in plan.measures):
        return None
    return match.group(
        0
    ), "a share of the whole was asked, and the offline engine computes rates within each group"


def both_values_are_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "both staging and production": each of two values must be in every group kept; rows with
    either one (an IN filter) answer another question."""
    match = lx.BOTH.search(view)
    if match is None or lx.TRACE_WORD.search(view):
        return None  # a trace's both sides are the trace grammar's (parser._traces_crossing)
    having = plan.having
    if having is not None and having[0].kind == "count_distinct" and having[1:] == ("=", 2):
        return None
    if len(plan.requires) >= 2:  # a row of each side in every group kept
        return None
    return match.group(0), "groups having each of two values are not supported by the offline engine yet"


def _plan_values(plan: Plan) -> set[str]:
    """Every value the plan compares with, lowercased (LIKE patterns without their %)."""
    found: set[str] = set()
    for condition in conditions(plan):
        values = condition.value if isinstance(condition.value, list | tuple) else [condition.value]
        found.update(v.lower().strip("%") for v in values if isinstance(v, str))
    return found


def _patterns(plan: Plan) -> set[str]:
    """The texts the plan looks for inside values (``like_any``): "checkout" keeps /checkout."""
    return {v.lower() for f in conditions(plan) if f.op == "like_any" for v in f.value}


def _glossed_beside_a_kept_value(mention: Mention, question: str, plan: Plan) -> bool:
    """ "제출까지 누른": a Korean verb glossed to a value ("누른" → click) gives way to a value of
    the same column written out, which the plan keeps."""
    written = re.search(rf"(?<![a-z]){re.escape(mention.text)}", question.lower()) is not None
    if written:
        return False
    return any(f.column == mention.column and f.op in ("=", "in") for f in conditions(plan))


def every_value_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "a frontend NetworkError and a backend TimeoutError in one trace": every catalog value the
    question names must be a condition of the plan; a value linked and then dropped means the
    plan answers a wider question."""
    kept = _plan_values(plan)
    shown = {*plan.dimensions, *plan.columns, *(plan.source.dimensions if plan.source else ())}
    for mention in link_values(question, catalog):
        value = mention.value.lower()
        if mention.column in shown:  # "prod vs staging vs dev" by environment; a listing's flows
            continue
        if _glossed_beside_a_kept_value(mention, question, plan):
            continue
        if value in kept or any(pattern in value for pattern in _patterns(plan)):
            continue
        return mention.text, f"{mention.column} = '{mention.value}' was named, and the offline engine lost it"
    return None


def flow_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "login failures", "결제 쪽 에러": a flow word must reach the plan — a path, service or
    event of that flow; dropped, the plan answers about every flow."""
    kept = _plan_values(plan)
    if plan.has_filter("path"):
        return None  # "the order form on /checkout": a page already says where
    for word, words in lx.flows_named(view):
        if any(part in value for part in lx.FLOW_CONCEPTS[word] for value in kept):
            continue
        return words, "a flow was named, and the offline engine did not find which rows are its"
    return None


def negation_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "sessions that reached /cart but never /checkout": a negation about a group must be a
    group that never has such a row, or a condition that excludes; dropped, the answer counts
    the very rows the question excludes."""
    if not setconditions.names_a_group(view):
        return None
    found = setconditions.negations(view)
    if not found:
        return None
    whole = [plan, *([plan.source] if plan.source else [])]
    if any(not present for p in whole for _, present in p.requires):
        return None
    if any(f.op in ("!=", "null") for p in whole for f in p.filters):
        return None
    return found[0].group(
        0
    ).strip(), "a negation was asked, and the offline engine did not find what it excludes"


#: slowness asked of rows: "slow requests", "느린 요청" ("slowest", "slower than 1 s" rank or compare)
_SLOW_ROWS = re.compile(r"(?<![a-z])(?:slow|sluggish)(?![a-z])|느린|굼뜬|오래\s*걸린", re.IGNORECASE)


def slowness_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "how many slow requests": slow must be measured — a duration threshold, a statistic of a
    duration or an order by one; a count of every request answers another question."""
    match = _SLOW_ROWS.search(view)
    if match is None:
        return None
    durations = {"duration_ms", *(f"metadata.{k}" for k in catalog.get("metadata_numeric_keys", []))}
    if any(f.column in durations and f.op in (">", ">=") for f in conditions(plan)):
        return None
    if any(m.column in durations and m.kind != "count" for m in plan.measures):
        return None
    if plan.having is not None and plan.having[0].column in durations:
        return None
    if any(key.endswith(("duration_ms", "_ms")) for key, _ in plan.order):
        return None
    return match.group(
        0
    ), "slowness was asked, and the offline engine did not find how slow (name a threshold, e.g. over 1 s)"


#: "how many sessions", "number of users", "세션 수", "사용자 몇 명": a count of those things
_COUNTED = {
    "session_id": r"sessions?|세션",
    "user_id": r"users?|사용자|유저|고객",
    "trace_id": r"traces?|트레이스",
}


_TRACE_LEVEL = re.compile(r"(?<![a-z])trace\s+level(?![a-z])")
_MODIFIER = r"(?:different|distinct|unique|individual|affected|separate|web|web-app|mobile|desktop|production|staging|frontend|backend|[a-z]+-api)"


def counted_thing_is_counted(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "in how many sessions each", "조합별 세션 수": the things named after a count word must be
    what the plan counts (distinct), groups or lists; a count of rows answers another question."""
    for column, noun in _COUNTED.items():
        match = re.search(
            rf"(?<![a-z])(?:how many|number of|count of|count the)\s+(?:{_MODIFIER}\s+)?(?:{noun})(?![a-z])"
            r"(?!\s*(?:actions?|sessions?|logs?|events?|clicks?|ids?|agents?|names?)(?![a-z]))"  # "user actions"
            rf"|(?:{noun})\s*(?:의\s*)?(?:수|개수|숫자)(?:도|와|과|랑|는|가|를)?(?![가-힣])",
            view,
        )
        if match is None or plan.is_listing:
            continue
        if column == "trace_id" and _TRACE_LEVEL.search(view):
            continue  # "INFO and below" read as TRACE, DEBUG, INFO: the level, not traces
        inner = [plan, *([plan.source] if plan.source else [])]
        counted = {
            m.column for p in inner for m in p.measures if m.kind in ("count_distinct", "share", "rate")
        }
        grouped = {d for p in inner for d in p.dimensions}
        if plan.having is not None:
            grouped |= set(plan.dimensions)
        if column in counted or column in grouped or any(m.kind == "count_distinct" for m in plan.measures):
            continue
        return match.group(
            0
        ), f"a count of {column.removesuffix('_id')}s was asked, and the offline engine would count rows"
    return None


_LASTS = re.compile(
    r"(?<![a-z])(?:sessions?|traces?)\b[^.?!]{0,40}?(?<![a-z])(?:last|lasts|length|take|takes|took|long)(?![a-z])"
    r"|(?:세션|트레이스|trace)\s*(?:의\s*)?(?:길이|지속\s*시간|체류\s*시간)",
    re.IGNORECASE,
)


def duration_is_of_requests(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "how long does a session last", "세션 길이": a session's or trace's length (first to last
    log) is not a request's duration_ms; answered with request latency, it is another question."""
    match = _LASTS.search(view)
    if match is None or lx.REQUESTS.search(view):
        return None
    if not any(m.column == "duration_ms" for m in plan.measures):
        return None
    return match.group(
        0
    ), "the length of a session or trace (first to last log) is not supported by the offline engine yet"


_FUNNEL = re.compile(r"(?<![a-z])funnels?(?![a-z])|퍼널|깔때기", re.IGNORECASE)


def funnel_has_steps(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "the funnel: sessions that saw /products, /cart, /checkout": a number per step — one
    count of rows at any step answers another question."""
    match = _FUNNEL.search(view)
    if match is None or plan.is_listing or plan.dimensions or plan.requires or len(plan.measures) >= 2:
        return None
    return match.group(0), "a funnel (a count per step) was asked, and the offline engine found one number"


def every_number_is_kept(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """ "users with errors on at least three different days", "두 종류 이상 기기": a number the
    question names (outside its lengths of time and its catalog values) must be one the plan
    uses; lost, the plan answers a wider question."""
    spans = tuple(_mention_spans(view, link_values(question, catalog)))
    used = numbers.plan_numbers(plan)
    for named in numbers.named_numbers(view, spans):
        if not numbers.is_used(named, used):
            return named.text, f"the number {named.value:g} was named, and the offline engine did not use it"
    return None


def _mention_spans(view: str, mentions: list[Mention]) -> Iterator[tuple[int, int]]:
    """Where the catalog values the question names stand in the view ("/api/v1/login", "v2.3.1")."""
    for mention in mentions:
        for found in re.finditer(re.escape(mention.text.lower()), view):
            yield found.span()


RULES: tuple[Callable[[str, str, Plan, Catalog], Refusal | None], ...] = (
    moment_is_answered,
    both_values_are_kept,
    distinct_is_counted,
    distinct_thing_is_counted,
    grouping_is_kept,
    extreme_is_measured,
    count_threshold_is_kept,
    aggregate_threshold_is_kept,
    numeric_key_is_used,
    statistic_is_measured,
    percentile_is_measured,
    ranking_has_groups,
    ratio_is_computed,
    share_of_whole_is_not_a_rate,
    rate_condition_is_not_a_filter,
    count_is_kept,
    every_count_is_kept,
    every_window_is_used,
    every_value_is_kept,
    flow_is_kept,
    negation_is_kept,
    slowness_is_kept,
    counted_thing_is_counted,
    duration_is_of_requests,
    funnel_has_steps,
    every_number_is_kept,
)


def unaccounted(view: str, question: str, plan: Plan, catalog: Catalog) -> Refusal | None:
    """The first signal of the question that the plan lost, or None. A plan inside a plan keeps a
    signal when either keeps it (the inner plan its threshold, the outer one its average)."""
    for rule in RULES:
        found = rule(view, question, plan, catalog)
        if found is not None and plan.source is not None:
            found = rule(view, question, plan.source, catalog)
        if found is not None:
            return found
    return None
