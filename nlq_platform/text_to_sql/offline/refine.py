"""Plan shapes the parser's first reading misses, rebuilt from the question's signals.

The parser (``parser.py``) reads measures, filters and dimensions; some questions ask for a
different *shape* of answer with the same words: a moment ("when was the last FATAL?" → the
latest ``created_at``), a count of different things ("how many distinct error types" →
``COUNT(DISTINCT error_type)``), the extremes of a value ("fastest, average and slowest" → MIN,
AVG, MAX). Each rule rewrites a plan it recognises and returns True when no later rule may
apply; rules run in order (sqlglot's optimizer ``RULES`` is the model). What no rule fixes,
``accounting.py`` refuses.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable

from nlq_platform.text_to_sql.offline import claims
from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.compiler import bucket_alias
from nlq_platform.text_to_sql.offline.distinctvalues import types_whatever_the_level, values_of_columns
from nlq_platform.text_to_sql.offline.entities import COMPARISON_OPS, english_view, key_threshold, link_values
from nlq_platform.text_to_sql.offline.pergroup import statistic_per_group
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan, group_noun
from nlq_platform.text_to_sql.offline.setconditions import groups_with_rows_of_each_kind
from nlq_platform.text_to_sql.offline.timewindow import parse_window

Catalog = dict[str, list[str]]

_FIRST = re.compile(r"(?<![a-z])(?:first|earliest)(?![a-z])|처음|최초|첫", re.IGNORECASE)
_WHEN = re.compile(r"(?<![a-z])(?:when|what time)(?![a-z])|언제", re.IGNORECASE)
_HOW_MANY = r"(?:몇\s*(?:종류|가지|개|곳|명)|how many)"
#: the statistic words of a value's summary, in the order a question names them
_STATISTICS = (
    ("min", re.compile(r"(?<![a-z])(?:fastest|quickest|shortest|minimum|min)(?![a-z])|최소|최솟값|가장\s*(?:빠른|짧)|제일\s*(?:빠른|짧)", re.I)),
    ("avg", re.compile(r"(?<![a-z])(?:average|avg|mean)(?![a-z])|평균", re.I)),
    ("max", re.compile(r"(?<![a-z])(?:slowest|longest|maximum|max|peak)(?![a-z])|최대|최댓값|가장\s*(?:오래|느린)|제일\s*(?:오래|느린)", re.I)),
)  # fmt: skip


def _plain_count(plan: Plan) -> bool:
    return len(plan.measures) == 1 and plan.measures[0].kind == "count" and not plan.measures[0].where


def _asks_a_moment(view: str) -> str | None:
    """ "first_seen" for "when … first", "last_seen" for "the last time …", else None."""
    last = claims.LAST_TIME.search(view)
    first = _WHEN.search(view) and _FIRST.search(view)
    if not (last or first):
        return None
    return "first_seen" if first and not last else "last_seen"


#: words of many answers: each group's moment, a list, or counts beside the moment
_MANY = re.compile(
    r"(?<![a-z])(?:each|every|all|list|how many|how often)(?![a-z])|각|모든|목록|정리|몇\s*(?:번|건|개|명)"
)


def _asked_which(view: str, dimension: str) -> bool:
    """ "in which service and function", "어느 함수": the dimension is a question word's answer."""
    nouns = "|".join(re.escape(n) for n in lx.DIMENSION_NOUNS.get(dimension, ()))
    return (
        bool(nouns)
        and re.search(rf"(?:which|what|어느|어떤)\s+(?:[\w-]+\s+){{0,3}}(?:{nouns})", view) is not None
    )


def moment_and_its_place(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "When did the first timeout show up, and in which service and function?": one moment and
    where it happened — the earliest (or latest) row with the columns asked, not a table of
    groups. A grouping word ("per service", "서비스별") asks each group's moment instead."""
    kind = _asks_a_moment(view)
    if kind is None or not plan.dimensions or plan.bucket is not None or plan.having is not None:
        return False
    if (
        lx.GROUP_WORD.search(view)
        or _MANY.search(view)
        or any(d.startswith("metadata.") for d in plan.dimensions)
    ):
        return False
    asked = [d for d in plan.dimensions if _asked_which(view, d)]  # not the house style's extras
    if not asked:
        return False
    plan.columns = ["created_at", *asked, "message"]
    plan.measures, plan.dimensions = [], []
    plan.order, plan.limit = [("created_at", kind == "last_seen")], 1
    return True


def moment_of_occurrence(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "When was the last FATAL?", "처음 터진 시각이 언제야?": the latest (or earliest)
    ``created_at`` of the rows, not a count or a list."""
    if plan.dimensions or plan.bucket is not None or plan.having is not None:
        return False
    kind = _asks_a_moment(view)
    if kind is None:
        return False
    if plan.is_listing and (_asks_rows(view) or _names_columns(view) or _SHOW_ROWS.search(view)):
        return False  # "the five latest FATAL logs: time, service …" lists rows
    plan.measures = [Measure(kind, kind)]
    plan.columns, plan.order, plan.limit = [], [], None
    return True


#: "show his logs …", "로그를 보여줘": rows are asked, whatever "last time" says
_SHOW_ROWS = re.compile(
    r"(?<![a-z])(?:show|list|pull|display)\b[^?.]*?\blogs?\b|로그(?:를|들을)?\s*(?:다\s*)?(?:보여|뽑|나열)"
)


def _names_columns(view: str) -> bool:
    """ "시각, 서비스, 경로, 레벨": the question lists the columns of rows it wants."""
    noun = "|".join(re.escape(n) for n in sorted(lx.COLUMN_NOUNS, key=len, reverse=True))
    return re.search(rf"(?:{noun})(?:{lx.LIST_SEPARATOR}(?:{noun})){{2,}}", view) is not None


def _asks_rows(view: str) -> bool:
    return (
        re.search(r"(?<![a-z0-9_])(?:\d+\s*(?:개|건)|(?:five|ten|\d+)\s+(?:latest|last|most recent))", view)
        is not None
    )


def count_of_distinct_things(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "How many distinct error types", "서로 다른 에러 타입이 몇 종류", "trace가 몇 개": the
    number of different values of a column, not of rows."""
    if plan.bucket is not None or plan.having is not None or plan.is_listing:
        return False
    if len(plan.dimensions) > 1:
        return False  # "distinct users per service": a breakdown with a distinct count in it
    grouped = bool(plan.dimensions and lx.GROUP_WORD.search(view))
    if not plan.dimensions and not _plain_count(plan):
        return False
    keys = {  # "how many distinct jobs (by job_id)": a JSONB key counted like a column
        f"metadata.{k}": (k, k.replace("_", " "), group_noun(k), group_noun(k) + "s")
        for k in catalog.get("metadata_keys", [])
        if k not in catalog.get("metadata_numeric_keys", [])
    }
    for column, nouns in {**lx.COUNTABLE, **keys}.items():
        if plan.dimensions and plan.dimensions != [column]:
            continue  # "how many distinct error types": the parser ranked the very thing counted
        noun = lx.alternation(nouns)
        english = re.search(rf"{lx.DISTINCT}\s+(?:[\w-]+\s+)?(?:{noun})(?![a-z])", view)
        korean = re.search(rf"(?:{noun})\s*(?:이|가|는|은)?\s*(?:모두\s*|총\s*)?{_HOW_MANY}", view)
        if grouped and not (english and re.search(rf"(?:by|per)\s+(?:{noun})(?![a-z])", view)):
            continue  # "by job_id" names the key of the count of "distinct jobs", not a breakdown
        if english or (korean and column in ("error_type", "trace_id")):
            plan.measures = [Measure("count_distinct", f"{column.split('.', 1)[-1]}_count", column)]
            plan.dimensions, plan.order, plan.limit = [], [], None
            if column == "error_type":
                types_whatever_the_level(view, plan)
            return True
    return False


def distinct_threshold(view: str) -> tuple[str, str, int, re.Match[str]] | None:
    """ "세 개 이상 서비스에서", "in at least three different services", "3 or more pages": a
    threshold on how many different values of a column a group has — (column, op, number, match)."""
    for column, pattern in lx.DISTINCT_THRESHOLDS:
        match = pattern.search(view)
        if match is None:
            continue
        number = match.group("n")
        op = match.groupdict().get("op") or ""
        strict = bool(re.match(r"넘|초과|more than|over", op, re.IGNORECASE))
        value = int(number) if number.isdigit() else lx.NUMBER_WORDS[number.lower()]
        return column, ">" if strict else ">=", value, match
    return None


def _subject(view: str, plan: Plan, counted: str, skip: re.Match[str] | None = None) -> str | None:
    """The groups a condition on ``counted`` keeps: the plan's one other dimension, or the one other
    countable thing the question names ("how many traces …", "which users …"), outside ``skip``."""
    others = [d for d in plan.dimensions if d != counted]
    if others:
        return others[0] if len(others) == 1 else None
    rest = view if skip is None else view[: skip.start()] + " " + view[skip.end() :]
    named = [
        column
        for column, nouns in lx.COUNTABLE.items()
        if column != counted and re.search(rf"(?<![a-z])(?:{lx.alternation(nouns)})(?![a-z])", rest)
    ]
    return named[0] if len(named) == 1 else None


def threshold_on_distinct_count(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "error types seen in at least three different services", "서비스 3개 이상 거친 trace": the
    groups whose count of different values passes the threshold — ``HAVING COUNT(DISTINCT …)``
    (a count of those groups is nested by ``count_of_groups_kept``)."""
    found = distinct_threshold(view)
    if found is None or plan.is_listing or plan.bucket is not None:
        return False
    counted, op, number, match = found
    subject = _subject(view, plan, counted, match)
    if subject is None:
        return False
    measure = Measure("count_distinct", f"{group_noun(counted)}_count", counted)
    plan.filters = [f for f in plan.filters if not (f.column in (counted, subject) and f.op == "not_null")]
    if subject == "error_type" and not lx.ERROR.search(_without_type_nouns(view)):
        plan.filters = [f for f in plan.filters if f.column != "level"]  # the types, whatever the level
    plan.add_filter(subject, "not_null")
    plan.dimensions, plan.measures = [subject], [measure]
    plan.having = (measure, op, number)
    plan.order, plan.limit = [(measure.alias, True), (subject, False)], None
    return True


def _without_type_nouns(view: str) -> str:
    """The question without its error-type nouns: "error types" asks for types, not for errors."""
    noun = lx.alternation(lx.COUNTABLE["error_type"])
    return re.sub(rf"(?:{noun})s?", " ", view)


def summary_statistics(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "fastest, average and slowest response times", "제일 오래 걸린 응답시간이 몇 ms": the
    statistics of duration the question names, in its order, with no grouping."""
    if plan.dimensions or plan.bucket is not None or plan.is_listing:
        return False
    if not any(m.column == "duration_ms" for m in plan.measures) and not lx.LATENCY.search(view):
        return False
    named = sorted((match.start(), kind) for kind, pattern in _STATISTICS if (match := pattern.search(view)))
    if not any(kind in ("min", "max") for _, kind in named):
        return False
    plan.measures = [Measure(kind, f"{kind}_duration_ms", "duration_ms") for _, kind in named]
    plan.add_filter("duration_ms", "not_null")
    plan.order = []
    return True


#: the words a question uses for the columns of the rows it wants
_COLUMN_WORDS = {
    "created_at": ("발생 시각", "시각", "시간", "time", "timestamp", "when", "created_at"),
    "user_id": ("user_id", "user id", "user", "사용자"),
    "trace_id": ("trace_id", "trace id", "trace"),
    "session_id": ("session_id", "session id", "session", "세션"),
    "duration_ms": ("duration_ms", "응답시간", "응답 시간", "소요시간", "duration", "latency"),
    "service": ("service", "서비스"),
    "function_name": ("function_name", "function name", "function", "함수"),
    "file_path": ("file_path", "file path", "source file", "파일"),
    "message": ("message", "메시지"),
    "level": ("level", "log level", "레벨", "로그 레벨", "severity", "심각도"),
    "path": ("path", "page path", "경로", "페이지 경로", "endpoint", "엔드포인트", "page", "페이지"),
    "method": ("http method", "method", "메서드"),
    "error_type": ("error_type", "error type", "에러 타입", "에러 유형", "에러 종류"),
    "action_type": ("action_type", "action type", "action", "액션", "행동 유형", "행동 종류", "행동"),
    "environment": ("environment", "환경"),
    "service_version": ("service_version", "version", "버전"),
    "log_type": ("log_type", "log type", "로그 타입", "프론트/백엔드 구분", "프론트/백엔드"),
}  # fmt: skip


@functools.cache
def _column_words() -> tuple[tuple[str, str], ...]:
    """(word, column) for every column word, also as the question's view spells it ("로그 타입" is
    "로그 type" there, "프론트/백엔드 구분" "frontend / backend 구분")."""
    pairs = {w: column for column, ws in _COLUMN_WORDS.items() for w in ws}
    for word, column in list(pairs.items()):
        pairs.setdefault(english_view(word).strip(), column)
    return tuple(pairs.items())


def columns_as_named(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "the five slowest …, with time, user id, trace id and duration": a listing shows the
    columns the question names, in its order, when it names at least two after "with" / ":" /
    "같이" — after each row's time when they come "with" the rows; names that the house columns
    hold, without the time, point at what matters in the house rows, which stand."""
    if not plan.is_listing:
        return False
    words = dict(_column_words())
    for key in catalog.get("metadata_keys", []):  # "time, user, amount and message": JSONB keys too
        words.setdefault(key, f"metadata.{key}")
    noun = lx.alternation(words)
    qualified = rf"(?:[a-z가-힣]+\s+)?(?:{noun})"  # "시각, 사용자, 결제 금액": a word may qualify an item
    listed = re.search(
        rf"(?:with|showing|including|:|give me (?:its|their)|—|-)\s*((?:(?:the|its|their)\s+)?(?:{noun})s?(?:{lx.LIST_SEPARATOR}(?:(?:the|its|their)\s+)?{qualified}s?)+)"
        rf"|((?:{noun})(?:\s*(?:이랑|랑|과|와|,|·)\s*{qualified})+)\s*(?:을|를|로|으로)?\s*(?:같이|함께|알려|보여|뽑|포함|까지|만)"
        rf"|(?:^|[.?!]\s*)((?:{noun})(?:\s*(?:이랑|랑|과|와|,|·)\s*(?:{noun})){{2,}})\s*$"  # "…. 시각, 서비스, 메시지"
        rf"|\(\s*((?:{noun})(?:{lx.LIST_SEPARATOR}{qualified})+)\s*\)",  # "… 보여줘 (시각, 서비스, 메시지)"
        view,
    )
    if listed is None:
        return False
    words_listed = next(g for g in listed.groups() if g)
    found = list(re.finditer(noun, words_listed))
    heads = [  # "사용자 행동", "결제 금액": the last noun of an item is the column
        m for m, after in zip(found, [*found[1:], None], strict=True)
        if after is None or words_listed[m.end() : after.start()].strip()
    ]  # fmt: skip
    named = list(dict.fromkeys(words[m.group(0)] for m in heads))
    if len(named) < 2:
        return False  # "with their trace ids": one column beside the house columns
    rest = view[listed.end() :]
    only = re.match(r"\s*(?:only|만)|만", rest) or view[listed.end() - 1 : listed.end()] == "만"
    if ("created_at" not in named or _CONTINUES.match(rest)) and set(named) <= set(plan.columns) and not only:
        return False  # "(페이지, 액션)", or a list read in part: the house rows show what was read
    beside = _BESIDE.search(listed.group(0))
    if beside and "created_at" not in named:
        named = ["created_at", *named]  # "rows with page, action and message": each row's time too
    ranked_by = plan.order[0][0] if plan.order else "created_at"
    if ranked_by not in named and ranked_by != "created_at" and ranked_by in plan.columns:
        named.append(ranked_by)  # "the 10 slowest requests with their trace ids, …": and how slow
    plan.columns = named
    return True


#: a list goes on past what was read as columns ("time, page, <unknown words>, level and message")
_CONTINUES = re.compile(r"\s*(?:[\w-]+(?:\s+[\w-]+)?\s*)?(?:,|·|\band\b|랑|이랑|과|와)")
#: a list of columns beside the rows' own ("with …", "… 포함", "… 같이"), not instead of them
_BESIDE = re.compile(r"^(?:with|showing|including)(?![a-z])|(?:같이|함께|포함)$")


_ONE = re.compile(
    r"(?<![a-z])(?:single|the one)(?![a-z])|(?<![가-힣])하나|한\s*(?:건|개)(?![가-힣])", re.IGNORECASE
)


def one_row(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "the single slowest request", "제일 오래 걸린 거 하나": a ranked listing of one row."""
    if not plan.is_listing or not plan.order or plan.order[0][0] == "created_at" or not _ONE.search(view):
        return False
    plan.limit = 1
    return False  # the listing may still name its columns


def latest_rows_unwindowed(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "the five latest FATAL logs": the newest N rows whenever they came, not those of a default
    hour (a window the question names stays)."""
    if not plan.is_listing or plan.order != [("created_at", True)] or plan.limit is None:
        return False
    if parse_window(view) is None and lx.TOP_N.search(view):
        plan.window = None
    return False


_REQUEST_VOLUME = re.compile(
    r"(?<![a-z])(?:requests?|calls?|request volume|traffic)(?![a-z])|요청\s*(?:수|건수|량)|호출\s*(?:수|건수|횟수)",
    re.IGNORECASE,
)

#: "로그인 요청 에러율", "요청 중 실패 비율": the rows a share is of are requests
_REQUESTS_RATED = re.compile(r"요청")


def _counts_or_rates_rows(plan: Plan) -> bool:
    """The plan's measures count rows, or give the share of them that are errors or named rows."""
    kinds = [m.kind for m in plan.measures]
    plain = [m for m in plan.measures if m.kind == "count" and not m.where]
    rated = [m for m in plan.measures if m.kind in ("error_rate", "rate")]
    return (
        bool(plain or rated)
        and all(k in ("count", "error_rate", "rate") for k in kinds)
        and (len(plain) == len(kinds) == 1 or bool(rated))
    )


def requests_are_timed_rows(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "backend requests by HTTP method", "시간당 요청 수", "로그인 요청 에러율": a request is a row
    that timed one (``duration_ms`` set) — the same rows latency questions average over — also
    when the question asks the share of them that failed."""
    if not _counts_or_rates_rows(plan):
        return False
    rated = any(m.kind in ("error_rate", "rate") for m in plan.measures)
    named = _REQUEST_VOLUME.search(view) or (rated and _REQUESTS_RATED.search(view))
    if not named or plan.has_filter("level") or plan.has_filter("error_type"):
        return False
    plan.add_filter("duration_ms", "not_null")
    if plan.measures[0].alias == "count":
        plan.measures[0] = Measure("count", "request_count")
        plan.order = [("request_count" if key == "count" else key, desc) for key, desc in plan.order]
    return True


_STATISTIC_OF_KEY = (
    ("avg", r"(?<![a-z])(?:average|avg|mean)(?![a-z])|평균"),
    (
        "max",
        r"(?<![a-z])(?:max(?:imum)?|highest|largest|biggest|peak)(?![a-z])|최대|최댓값|가장\s*(?:큰|높은)",
    ),
    (
        "min",
        r"(?<![a-z0-9])(?<!\d )(?:min(?:imum)?|lowest|smallest)(?![a-z])|최소|최솟값|가장\s*(?:작은|낮은)",
    ),
    ("sum", r"(?<![a-z])(?:sum|total)(?![a-z])|합계|총합|합"),
    ("p50", r"(?<![a-z])(?:median|p50)(?![a-z])|중앙값|중간값"),
    ("p95", r"(?<![a-z0-9])p95(?![0-9])|95\s*(?:th|%|퍼센타일|백분위)"),
    ("p99", r"(?<![a-z0-9])p99(?![0-9])|99\s*(?:th|%|퍼센타일|백분위)"),
)


def _statistic(kind: str, key: str) -> Measure:
    column = f"metadata.{key}"
    if re.fullmatch(r"p\d+", kind):
        return Measure("percentile", f"{kind}_{key}", column, int(kind[1:]) / 100)
    return Measure(kind, f"{kind}_{key}", column)


_AND = re.compile(r"랑|이랑|와|과|및|하고|이고|,|(?<![a-z])(?:and|plus|with)(?![a-z])")


def _count_beside(view: str) -> bool:
    """ "건수랑 cart_total 합계", "how many checkouts completed and what was the sum": a count
    asked beside a statistic, not the statistic's own "number of items"."""
    count = lx.COUNT.search(view)
    return count is not None and _AND.search(view, count.end(), count.end() + 60) is not None


def statistic_of_numeric_key(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "average cart_total on checkout submits", "잡별 평균 elapsed_ms": a statistic of a numeric
    JSONB key (vocabulary from the catalog's numeric keys), over the rows that have it."""
    for key in catalog.get("metadata_numeric_keys", []):
        named = re.search(rf"(?<![a-z0-9_]){re.escape(key)}(?![a-z0-9_])", view)
        if named is None or plan.having is not None:
            continue
        if re.match(r"\s*(?:>=|<=|>|<|=|이상|이하|초과|미만)", view[named.end() :]):
            continue  # "status_code >= 500": a filter on the key, not a statistic of it
        window = view[max(0, named.start() - 30) : named.start()] + " " + view[named.end() : named.end() + 30]
        kinds = sorted(
            (m.start(), kind) for kind, words in _STATISTIC_OF_KEY if (m := re.search(words, window, re.I))
        )
        for percent, match in lx.percentiles_asked(window):  # "p90 load_ms"
            if f"p{percent}" not in {kind for _, kind in kinds}:
                kinds = sorted([*kinds, (match.start(), f"p{percent}")])
        if not kinds:
            return False
        column = f"metadata.{key}"
        counted = _count_beside(view.replace(key, " ")) and any(
            m.kind == "count" and not m.where for m in plan.measures
        )
        plan.measures = [Measure("count", "count")] if counted else []  # "건수랑 cart_total 합계"
        plan.measures += [_statistic(kind, key) for _, kind in kinds]
        plan.dimensions = [d for d in plan.dimensions if d != column]  # "by total amount": measured
        plan.columns = []
        plan.add_filter(column, "not_null")
        implied = [Filter("duration_ms", "not_null")]  # the latency conventions' rows, not the key's
        if not re.search(r"backend|백엔드|server", view):
            implied.append(Filter("log_type", "=", "BACKEND"))
        plan.filters = [f for f in plan.filters if f not in implied]
        plan.order = [(plan.measures[0].alias, True)] if plan.dimensions else []
        if plan.bucket is not None:  # a series of the statistic, in time order
            plan.order = [(bucket_alias(plan.bucket), False)]
        plan.limit = plan.limit if plan.dimensions else None
        return True
    return False


_AVERAGE_OVER = re.compile(
    r"(?:평균|average|avg|mean)[^,.?]{0,24}?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>ms|밀리초|초|s|sec\w*)?\s*(?P<op>이상|넘|초과|미만|이하)"
    r"|averag\w*\s+(?P<op2>above|over|more than|below|under|less than)\s+(?P<n2>\d+(?:\.\d+)?)\s*(?P<unit2>ms|s|sec\w*|seconds?)?",
    re.IGNORECASE,
)


def threshold_on_average(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "평균 응답시간이 300ms 넘는 엔드포인트", "endpoints averaging above 300 ms": groups kept by
    their average latency (HAVING), not rows over the threshold."""
    match = _AVERAGE_OVER.search(view)
    if match is None or not plan.dimensions or plan.having is not None:
        return False
    number = float(match.group("n") or match.group("n2"))
    unit = (match.group("unit") or match.group("unit2") or "ms").lower()
    if unit in ("초", "s") or unit.startswith("sec"):
        number *= 1000
    op = COMPARISON_OPS[(match.group("op") or match.group("op2")).lower()]
    average = Measure("avg", "avg_duration_ms", "duration_ms")
    plan.filters = [f for f in plan.filters if not (f.column == "duration_ms" and f.op != "not_null")]
    plan.add_filter("duration_ms", "not_null")
    plan.measures = [average]
    plan.having = (average, op, number)
    plan.order, plan.limit = [(average.alias, True)], None
    return True


def _is_threshold(f: Filter, catalog: Catalog) -> bool:
    numeric = {"duration_ms", *(f"metadata.{k}" for k in catalog.get("metadata_numeric_keys", []))}
    return f.column in numeric and f.op in (">", ">=", "<", "<=") and not isinstance(f.value, Plan)


def groups_with_both_values(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "users who hit both a NetworkError and a DatabaseConnectionError", "mobile이랑 desktop 둘 다
    쓴 사용자 수": the groups whose rows have each of two values of one column —
    ``HAVING COUNT(DISTINCT column) = 2`` over the rows with either (a count of those groups is
    nested by ``count_of_groups_kept``; "which users" lists them)."""
    if not lx.BOTH.search(view) or plan.bucket is not None or plan.source is not None:
        return False
    pair = next((f for f in plan.filters if f.op == "in" and len(f.value) == 2), None)
    if pair is None:
        return False
    subject = _subject(view, plan, pair.column)
    if subject is None:
        return False
    counted = _counted_groups(view, subject)
    if not counted and (lx.COUNT.search(view) or lx.GROUP_WORD.search(view)):
        return False  # "… and each one's error count per environment": more than the groups
    measure = Measure("count_distinct", f"{group_noun(pair.column)}_count", pair.column)
    plan.filters = [f for f in plan.filters if not (f.column == subject and f.op == "not_null")]
    plan.add_filter(subject, "not_null")
    plan.dimensions, plan.having, plan.limit = [subject], (measure, "=", 2), None
    plan.measures = [measure]
    if not counted:  # "which users …": the groups themselves
        plan.measures, plan.columns = [], [subject]
    plan.order = [(subject, False)]
    return True


def threshold_on_numeric_key(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "payment-api requests with an amount of 100,000 or more": the rows whose numeric JSONB key
    passes the number (the key's own threshold, not a duration). Later rules still apply."""
    for key in catalog.get("metadata_numeric_keys", []):
        found = key_threshold(view, key)
        if found is not None and not plan.is_listing:
            op, number, _ = found
            column = f"metadata.{key}"
            plan.filters = [f for f in plan.filters if not (f.column == "duration_ms" and f.value == number)]
            plan.add_filter(column, op, int(number) if number.is_integer() else number)
    return False


def _is_whole(view: str, form: str) -> bool:
    """ "of all TypeErrors", "among staging errors", "TypeError 전체 중에": the rows a share is of."""
    word = re.escape(form)
    return bool(
        re.search(rf"(?<![a-z])(?:of|among|out of|across)\s+(?:all\s+)?(?:the\s+|its\s+|our\s+)?{word}", view)
        or re.search(rf"{word}\S*(?:\s+[가-힣]+)?\s*(?:전체\s*)?(?:중|가운데)(?:에서|에)?(?![가-힣])", view)
        or re.search(rf"전체\s*{word}", view)
    )


def share_of_named_rows(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "what share of TypeErrors came from Safari", "TypeError 전체 중에 사파리 비율": the
    percentage of the rows named as the whole that also have the other value — the whole's
    values filter, the part's are the share's condition."""
    if not lx.RATE.search(view) or lx.ERROR_RATE.search(view) or plan.is_listing:
        return False
    if plan.bucket is not None or plan.having is not None or plan.source is not None or plan.dimensions:
        return False
    if not _plain_count(plan):
        return False
    named = [m for m in link_values(view, catalog) if plan.has_filter(m.column)]
    whole = [m for m in named if _is_whole(view, m.text)]
    part = [m for m in named if m not in whole]
    if not whole or len(part) != 1 or any(m.column == part[0].column for m in whole):
        return False
    condition = next(f for f in plan.filters if f.column == part[0].column)
    if condition.op != "=":
        return False
    plan.filters = [f for f in plan.filters if f is not condition]
    alias = re.sub(r"[^a-z0-9]+", "_", part[0].value.lower()).strip("_")
    plan.measures = [Measure("rate", f"{alias}_share_pct", where=(condition,))]
    plan.order = []
    return True


def share_over_threshold(view: str, plan: Plan, catalog: Catalog) -> bool:
    """ "what percentage of each endpoint's requests took longer than 1 second": the threshold is
    the share's part, not a filter of the rows — every row, those past it, and their share."""
    if plan.is_listing or plan.bucket is not None or plan.source is not None:
        return False
    if not lx.RATE.search(view) or lx.ERROR_RATE.search(view):
        return False
    passed = tuple(f for f in plan.filters if _is_threshold(f, catalog))
    if not passed or any(m.kind in ("error_rate", "share") for m in plan.measures):
        return False
    plan.filters = [f for f in plan.filters if f not in passed]
    for f in passed:
        plan.add_filter(f.column, "not_null")
    rows = "requests" if any(f.column == "duration_ms" for f in passed) else "rows"
    part = "over" if passed[0].op in (">", ">=") else "under"
    plan.measures = [
        Measure("count", rows),
        Measure("count", f"{rows}_{part}", where=passed),
        Measure("rate", f"{rows}_{part}_pct", where=passed),
    ]
    plan.order = [(plan.measures[-1].alias, True)] if plan.dimensions else []
    plan.limit = None
    return True


RULES: tuple[Callable[[str, Plan, Catalog], bool], ...] = (
    threshold_on_numeric_key,
    threshold_on_distinct_count,
    groups_with_both_values,
    groups_with_rows_of_each_kind,
    share_of_named_rows,
    share_over_threshold,
    one_row,
    latest_rows_unwindowed,
    columns_as_named,
    statistic_of_numeric_key,
    threshold_on_average,
    moment_and_its_place,
    moment_of_occurrence,
    values_of_columns,
    count_of_distinct_things,
    summary_statistics,
    requests_are_timed_rows,
)


def _counted_groups(view: str, dimension: str) -> bool:
    """ "how many sessions …", "… 세션이 몇 개": the question counts the groups themselves."""
    words = lx.COUNTABLE.get(dimension)
    if not words:
        return False
    noun = lx.alternation(words)
    return bool(
        re.search(rf"how many\s+(?:[\w-]+\s+)?(?:{noun})(?![a-z])", view, re.IGNORECASE)
        or re.search(rf"(?:{noun})\s*(?:이|가|은|는)?\s*(?:총\s*)?몇\s*(?:개|명|곳|가지)", view)
        or re.search(
            rf"(?:{noun})\s*수(?![가-힣])|(?:number|count) of\s+(?:[\w-]+\s+)?(?:{noun})(?![a-z])", view
        )
    )


def count_of_groups_kept(view: str, plan: Plan, catalog: Catalog) -> Plan | None:
    """ "how many sessions logged more than 40 lines", "에러가 5번 이상 난 사용자가 몇 명": the
    groups a per-group threshold keeps, counted — the grouped plan inside a counting plan."""
    kept = plan.having is not None or plan.requires
    if not kept or len(plan.dimensions) != 1 or plan.bucket is not None or plan.source:
        return None
    dimension = plan.dimensions[0]
    if not _counted_groups(view, dimension):
        return None
    inner = copy.deepcopy(plan)
    inner.measures = [plan.having[0]] if plan.having is not None else []
    inner.columns = [] if plan.having is not None else [dimension]
    inner.order, inner.limit, inner.notes = [], None, []
    inner.add_filter(dimension, "not_null")
    return Plan(
        measures=[Measure("count", group_noun(dimension) + "s")],
        source=inner,
        notes=plan.notes,
        corrections=plan.corrections,
    )


_STATISTIC_MEASURES = {
    "avg": ("avg", None),
    "median": ("percentile", 0.5),
    "max": ("max", None),
    "min": ("min", None),
}


def statistic_of_counts_per_group(view: str, plan: Plan, catalog: Catalog) -> Plan | None:
    """ "the average number of events per session", "사용자 한 명당 평균 세션 수": each group's
    count (the parser's filters and window), then the statistics over the groups, beside how many
    groups there are (as an average comes with what it is taken over)."""
    asked = statistic_per_group(view)
    if asked is None or plan.source is not None:
        return None
    if asked.counted is not None:
        counted = group_noun(asked.counted) + "s"
    else:
        counted = "error_count" if lx.ERROR.search(view) else "log_count"
    inner = Plan(window=plan.window, dimensions=[asked.entity])
    inner.filters = [f for f in plan.filters if f.op != "not_null"]
    inner.add_filter(asked.entity, "not_null")
    if asked.counted is None:
        inner.measures = [Measure("count", counted)]
    else:
        inner.add_filter(asked.counted, "not_null")
        inner.measures = [Measure("count_distinct", counted, asked.counted)]
    if counted == "error_count" and not inner.has_filter("level"):
        inner.add_filter("level", "=", "ERROR")
    per = group_noun(asked.entity)
    measures = [Measure("count", per + "s")]
    for statistic in asked.statistics:
        kind, fraction = _STATISTIC_MEASURES[statistic]
        measures.append(Measure(kind, f"{statistic}_{counted}_per_{per}", counted, fraction))
    return Plan(measures=measures, source=inner, notes=plan.notes, corrections=plan.corrections)


#: rules that put the plan, as the shape rules left it, inside another plan
NESTING_RULES: tuple[Callable[[str, Plan, Catalog], Plan | None], ...] = (
    statistic_of_counts_per_group,
    count_of_groups_kept,
)


def refine(view: str, plan: Plan, catalog: Catalog) -> Plan:
    """Apply the first rule that recognises a shape the parser missed, then the first nesting rule
    that finds the answer is about the groups of that plan."""
    for rule in RULES:
        if rule(view, plan, catalog):
            break
    for nesting in NESTING_RULES:
        if (outer := nesting(view, plan, catalog)) is not None:
            return outer
    return plan
