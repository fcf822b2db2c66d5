"""Question → :class:`Plan`, by concepts: which measure, over what, filtered how, in which window.

The parser recognises concepts through the lexicon, values through the catalog (entity linking),
and windows, buckets and thresholds through their own small grammars. It then applies the
engine's analysis conventions — an error breakdown also shows affected users, an endpoint
latency ranking also shows p95 — so that answers are complete, not just literal.
"""

from __future__ import annotations

import re
from collections import defaultdict

from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.offline import claims
from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.compiler import bucket_alias, levels_filter
from nlq_platform.text_to_sql.offline.entities import (
    SPELLED_LEVEL_RANGE,
    Mention,
    condition_of,
    condition_of_values,
    duration_threshold,
    english_view,
    link_values,
    trace_ids,
    user_ids,
    without_templates,
)
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan
from nlq_platform.text_to_sql.offline.stopwords import ENGLISH_STOP
from nlq_platform.text_to_sql.offline.timewindow import (
    TimePoint,
    Window,
    parse_bucket,
    parse_window,
    relative_windows,
    series_bucket,
)

#: the things a count per group can keep ("users with 3 errors or more")
_KEPT_BY_COUNT = ("user_id", "session_id", "trace_id")
JOURNEY_COLUMNS = ["created_at", "log_type", "service", "path", "level", "message", "error_type"]
LISTING_COLUMNS = ["created_at", "service", "level", "path", "error_type", "message"]
FRONTEND_JOURNEY_COLUMNS = ["created_at", "path", "action_type", "level", "message"]
TRACE_COLUMNS = ["created_at", "log_type", "service", "path", "action_type", "method", "level", "message",
                 "error_type"]  # fmt: skip
REQUEST_COLUMNS = ["created_at", "trace_id", "service", "path", "method", "duration_ms", "level"]
INCIDENT_WINDOW = Window.last(1, "hour")
PERFORMANCE_WINDOW = Window.last(24, "hour")


#: grouping asked in so many words ("서비스별", "per path"), not "for each" of a listing
_GROUPED = re.compile(r"별|마다|(?<![a-z])(?:by(?!\s+(?:duration|latency|response time|time))|per)(?![a-z])")


#: a number compared, not a limit: "세 개 이상 서비스", "at least three services", "3 or more"
_THRESHOLD_AFTER = re.compile(r"\s*(?:이상|넘|초과|미만|이하|or more|or fewer|or less|and up|\+)")
_THRESHOLD_BEFORE = re.compile(r"(?:at least|more than|fewer than|less than|over|under|적어도|최소)\s*$")


def _top_n(text: str) -> int | None:
    match = next(
        (
            m
            for m in lx.TOP_N.finditer(text)
            if not _THRESHOLD_AFTER.match(text, m.end())
            and not _THRESHOLD_BEFORE.search(text[: m.start()])
            and not any(s.start() <= m.start() < s.end() for s in claims.HTTP_STATUS.finditer(text))
        ),  # "HTTP 500 errors by path": a status, not the first 500
        None,
    )
    if not match:
        return None
    token = next((g for g in match.groups() if g), None)
    if token is None:  # "세 개": the number word is part of the match itself
        token = match.group(0).split()[0].rstrip("개곳가지명")
    return int(token) if token.isdigit() else lx.NUMBER_WORDS.get(token.lower())


def _dimensions(text: str, metadata_keys: list[str] = ()) -> list[str]:
    """Dimensions named by phrase ("어느 서비스") or by a list of nouns with a grouping word
    ("서비스·함수별", "by service and endpoint", "각 환경"); JSONB keys as ``metadata.<key>``."""
    found = [(m.start(), column) for column, pattern in lx.DIMENSIONS.items() if (m := pattern.search(text))]
    nouns = {noun: column for column, words in lx.DIMENSION_NOUNS.items() for noun in words}
    for key in metadata_keys:  # a column's own noun wins ("version"); function words name nothing ("from")
        if key.lower() not in ENGLISH_STOP:
            nouns.setdefault(key.replace("_", " "), f"metadata.{key}")
            nouns.setdefault(key, f"metadata.{key}")  # "status_code별로", "by browser_version"
    noun = "|".join(
        re.escape(n) + ("s?" if n.isascii() else "") for n in sorted(nouns, key=len, reverse=True)
    )
    noun = rf"(?<![a-z0-9_-])(?:{noun})(?!'s)"  # "the user's browser" names no user dimension; nor "payment-api" an api
    noun_list = rf"{noun}(?:{lx.LIST_SEPARATOR}{noun})*"
    for pattern in (
        rf"({noun_list}){lx.GROUP_SUFFIX}",
        rf"{lx.GROUP_PREFIX}(?:(?!{noun}){lx.GROUP_FILLER}){{0,2}}({noun_list})(?![a-z_])",
        rf"({noun})\s*(?:이|가)?\s*어디",  # "페이지 어디야"
        rf"\d+\s*(?:번|회|건|개)\s*(?:이상|넘게|넘는|넘은|초과)\s+(?:\S+\s+)?({noun})(?![a-z_])",  # "30건 넘게 난 서비스"
        rf"({noun})\s*(?:top|상위|하위)\s*\d",  # "API top 5"
        rf"(?:top|상위|하위|bottom|slowest|fastest|busiest|worst)\s*(?:\d+|{lx.NUMBER_WORD})\s+(?:[\w-]+\s+){{0,2}}({noun_list})",  # "top 5 backend paths", "top 3 auth-api error messages"
        rf"({noun})\s*(?:가운데|중에서|중에|중)(?=\s)",  # "경로 가운데 … 다섯 곳"
        rf"(?:\d+|한|두|세|네|다섯|열)\s*(?:개|곳|가지)\s*({noun})",  # "다섯 개 경로"
        rf"({noun})\s*(?:목록|리스트)\S*\s*(?:과|와|이랑|랑|하고)?\s*각",  # "서비스 목록이랑 각각 몇 번"
        rf"({noun})\s*\d+\s*(?:개|곳|가지)",  # "API 5개"
        rf"({noun})\s*(?:와|과|랑)\s*각",  # "서비스와 각 건수"
        rf"({noun}\s*×\s*{noun})",  # "path×error_type count": a cross tabulation
        rf"(?:가장|제일|most)\s+(?!(?:distinct|different|unique)\s)\S+(?:\s+\S+)?\s+({noun_list})",  # "가장 많이 난 서비스랑 엔드포인트", not "the most distinct sessions"
        rf"({noun_list})\s*(?:분포|구성|비중|distribution|breakdown|mix|split)",  # "상태코드 분포"
        rf"(?:distribution|breakdown|mix|split)\s+(?:of|across|over)\s+(?:the\s+)?({noun_list})",
    ):
        for match in re.finditer(pattern, text):
            for item in re.finditer(noun, match.group(1)):
                word = item.group(0).lower()
                column = nouns.get(word) or nouns.get(word.rstrip("s"))
                if column == "error_type" and word in lx.TYPE_WORDS:
                    column = lx.type_column(text, match.start(1) + item.start(), match.start(1) + item.end())
                    if column is None:
                        continue  # "how long each type took", after "call type": that type, not an error's
                if column:
                    found.append((match.start(1) + item.start(), column))
    return list(dict.fromkeys(column for _, column in sorted(found)))


def parse(question: str, catalog: dict[str, list[str]]) -> Plan:
    """Understand ``question`` or raise :class:`NotUnderstood` saying what was missing."""
    text = english_view(question)
    plan = Plan(numeric_keys=list(catalog.get("metadata_numeric_keys", [])))
    window = parse_window(question)
    bucket = parse_bucket(question)
    mentions = link_values(question, catalog)
    text = without_templates(text, mentions)
    users, traces = user_ids(question), trace_ids(question)
    threshold = duration_threshold(question)

    by_column: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_column[m.column].append(m)

    about_errors = bool(lx.ERROR.search(text)) or "error_type" in by_column
    about_latency = bool(lx.LATENCY.search(text)) or threshold is not None
    listing = bool(lx.LISTING.search(text))
    dims = _dimensions(text, catalog.get("metadata_keys", []))
    if lx.USERS.search(text) and re.search(r"\d+\s*명", text) and "user_id" not in dims:
        dims.append("user_id")  # "상위 20명"
    if "user_id" in dims and lx.DISTINCT_USERS.search(text) and not lx.PER_USER.search(text):
        dims.remove("user_id")  # "number of affected users per type": a measure, not a breakdown
    at_least = None if lx.STATUS_CLASS.search(text) else lx.AT_LEAST_TIMES.search(text)
    if at_least and re.match(r"(?:at least|최소|적어도)?\s*(?:1|one|한)(?!\d)", at_least.group(0).strip()):
        at_least = None  # "at least one error": which had any, not a threshold
    if at_least and threshold is not None and at_least.group(0).strip() in question.lower():
        number = next((g for g in at_least.groups() if g and g[0].isdigit()), None)
        if number is not None and float(number) == threshold.value_ms:
            at_least = None  # "duration_ms가 1000 초과": the latency threshold, not a count
    if at_least and lx.USERS.search(text) and "user_id" not in dims:
        dims = ["user_id", *dims]  # "에러를 5번 이상 겪은 사용자"
    ranked = lx.MOST.search(text) or (_top_n(text) and not at_least)
    if about_errors and not dims and "error_type" not in by_column and ranked:
        dims = ["error_type"]  # "the most frequent errors" ranks error types

    # --- journeys: what one user or one trace did -----------------------------------------
    about_latency = about_latency or bool(
        lx.HOW_LONG.search(text) or lx.P95.search(text) or lx.P99.search(text) or lx.MEDIAN.search(text)
    )
    if lx.SESSIONS.search(text) and lx.FIRST_LAST.search(text) and "session_id" not in dims:
        dims.append("session_id")  # "sessions … when each started and ended"
    requested = _requested_measures(
        text, about_latency, threshold is not None, count_sessions="session_id" not in dims
    )
    if _lists_output_columns(text) and (not lx.GROUP_WORD.search(text) or _lists_output_columns(text, 5)):
        dims = []  # "시각·서비스·path·레벨·메시지": the columns of a listing, not a breakdown
    in_order = bool(lx.IN_ORDER.search(text))
    if (users or traces) and (
        (
            in_order
            and users
            and "session_id" not in dims
            and not (dims and (requested or lx.COUNT.search(text)))
        )
        or (not dims and not requested and not lx.COUNT.search(text))
        or (
            users
            and listing
            and _top_n(text)
            and not requested
            and not lx.COUNT.search(text)
            and not lx.GROUP_WORD.search(text)
        )
    ):  # "pull up their records with the time, which system, the address …": rows, not groups
        return _journey(plan, text, users, traces, window, by_column)
    slowest_rows = (
        about_latency
        and lx.MOST.search(text)
        and not lx.COUNT.search(text)
        and (lx.REQUESTS.search(text) or listing)
        and (
            not dims
            or (
                re.search(r"\d+\s*건|\b\d+\s+slowest|\btop\s*\d+", text)
                and not _GROUPED.search(text)
                and not lx.AVERAGE.search(text)
            )
        )
    )  # fmt: skip  "the 10 slowest requests, with which system and address": rows, not groups

    if bucket is None and lx.TREND.search(text) and not _asks_comparison(text, question):
        # "에러 추이", "the trend of requests": a series, sized by the window it spans
        performance = about_latency or "timeout" in text or bool(lx.REQUESTS.search(text))
        bucket = series_bucket(window or (PERFORMANCE_WINDOW if performance else INCIDENT_WINDOW))
    crossing = _traces_crossing(plan, text, by_column, window)
    if crossing is not None:
        return crossing

    # --- measures ---------------------------------------------------------------------------
    primary: Measure | None
    if any(m.kind == "error_rate" for m in requested):
        about_errors = False  # a rate needs every row, not just errors
    for m in requested:
        if m.kind == "share":
            for f in m.where:
                by_column.pop(f.column, None)  # the share's condition, not a filter of the rows
    if slowest_rows and all(m.column == "duration_ms" or m.alias == "request_count" for m in requested):
        primary = None  # "the 10 slowest requests … how long each took": the rows show it
    elif requested:
        primary = requested[0]
    elif slowest_rows or (listing and not (lx.COUNT.search(text) or dims or bucket or lx.MOST.search(text))):
        primary = None
    elif about_latency and (dims or bucket) and threshold is None:
        primary = Measure("avg", "avg_duration_ms", "duration_ms")
    elif (
        lx.COUNT.search(text)
        or dims
        or bucket
        or lx.MOST.search(text)
        or about_errors
        or about_latency
        or lx.REQUESTS.search(text)
    ):
        primary = Measure(
            "count", "error_count" if about_errors else "request_count" if about_latency else "count"
        )
    elif listing:
        primary = None
    elif mentions:  # "checkout submits last 24h?": how many
        primary = Measure("count", "count")
    else:
        raise NotUnderstood(
            "I could not tell what to measure or list. Try e.g. '지난 1시간 에러 몇 건?' or "
            "'average response time per endpoint over the last 24 hours'."
        )

    # --- filters ----------------------------------------------------------------------------
    if primary is not None and any(m.kind == "error_rate" for m in requested or [primary]):
        named = [m.value for m in by_column.pop("level", [])]
        levels = _levels_named(text) if named in ([], ["FATAL"]) else named  # "오류나 치명적 오류"
        rate = Measure("error_rate", "error_rate_pct", where=(levels_filter(levels),))
        requested = [rate if m.kind == "error_rate" else m for m in requested]
        if primary.kind == "error_rate":
            primary = rate
    if (users or traces) and dims and "level" in by_column:
        by_column.pop("level")  # "per service: log count, ERROR count": a measure, not a filter
        about_errors = True
    for (
        column
    ) in dims:  # "v2.4.0이 기존 버전보다 나쁜지, 버전별로": the value is context, the column a breakdown
        if (
            column in by_column
            and lx.DIMENSIONS.get(column, re.compile("$^")).search(text)
            and re.search(r"보다|(?<![a-z])(?:than|versus|vs\.?|compared)(?![a-z])", text)
        ):
            by_column.pop(column)
    for (
        column
    ) in dims:  # "Is it a Safari thing? errors by browser": the value is context, the key a breakdown
        if column.startswith("metadata.") and len({m.value for m in by_column.get(column, [])}) <= 1:
            by_column.pop(column, None)
    compared = _compared_column(text, by_column, dims)
    if compared and compared not in dims:
        dims = [*dims, compared] if dims else [compared]
    _apply_mentions(plan, by_column)
    for uid in users:
        plan.add_filter("user_id", "=", uid)
    for tid in traces:
        plan.add_filter("trace_id", "=", tid)
    if threshold is not None:
        plan.add_filter("duration_ms", threshold.op, threshold.value_ms)
    status = lx.STATUS_CLASS.search(text)
    if status and "status_code" in catalog.get("metadata_keys", []):  # "5xx 응답", "server errors"
        digit = next((g for g in status.groups() if g and g.isdigit()), "5")
        low = 500 if digit == "5" else 400
        plan.add_filter("metadata.status_code", ">=", low)
        if low == 400:
            plan.add_filter("metadata.status_code", "<", 500)
        about_errors = False
    elif (exact := claims.HTTP_STATUS.search(text)) and "status_code" in catalog.get("metadata_keys", []):
        code = re.search(r"[1-5]\d\d", exact.group(0))  # "201 응답", "HTTP 404": that status
        if code is not None:
            plan.add_filter("metadata.status_code", "=", int(code.group(0)))
            about_errors = about_errors and int(code.group(0)) < 400  # "500 errors" are the status
    # what one user or trace did, per service/…; per error type it is which errors it hit
    summary = bool((users or traces) and dims and dims != ["error_type"])
    rated = any(  # a rate (or a share of those who hit an error) needs every row
        m.kind == "error_rate" or (m.kind == "share" and any(f.column == "level" for f in m.where))
        for m in requested
    )
    if (
        "level" not in by_column
        and "error_type" not in by_column
        and not summary
        and not rated
        and (about_errors or lx.FATAL.search(text))
    ):  # "errors", "errors or fatal crashes", "fatal crashes"
        levels = ["ERROR", "FATAL"] if about_errors and lx.FATAL.search(text) else _levels_named(text)
        plan.add_filter("level", "=", levels[0]) if len(levels) == 1 else plan.add_filter(
            "level", "in", levels
        )

    # --- listings: rows, not aggregates ------------------------------------------------------
    if primary is None and about_latency and lx.MOST.search(text):  # "the 10 slowest requests"
        plan.columns = list(REQUEST_COLUMNS)
        plan.add_filter("duration_ms", "not_null")
        if not plan.has_filter("log_type"):
            plan.add_filter("log_type", "=", "BACKEND")
        plan.order = [("duration_ms", not lx.LEAST.search(text))]
        plan.limit = _top_n(text) or 20
        plan.window = window or INCIDENT_WINDOW
        return plan
    if primary is None:
        plan.columns = LISTING_COLUMNS + (["duration_ms"] if about_latency else [])
        plan.order = [("created_at", not in_order)]  # "시간순으로": oldest first
        plan.limit = _top_n(text) or 50
        plan.window = window or INCIDENT_WINDOW
        return plan

    plan.bucket = bucket
    # Incidents are looked at over the last hour; performance (latency, requests, timeouts) over a day.
    performance = about_latency or "timeout" in text or bool(lx.REQUESTS.search(text))
    plan.window = window or (
        None if traces else PERFORMANCE_WINDOW if performance else INCIDENT_WINDOW
    )  # a named trace is its own window
    if (
        at_least
        and primary.kind == "count_distinct"
        and primary.column in _KEPT_BY_COUNT
        and not requested[1:]
    ):
        # "how many users hit at least 3 errors": each user's count, kept by HAVING (refine counts them)
        dims = [primary.column]
        primary = Measure("count", "error_count" if about_errors else "log_count")
        requested = [primary]
    # a column pinned to one value by a filter is no dimension ("/api/v1/payment 엔드포인트의 …")
    pinned = {f.column for f in plan.filters if f.op == "="}
    plan.dimensions = [
        d for d in dims if d not in pinned and not (d == "user_id" and primary.column == "user_id")
    ]
    plan.measures = requested or [primary]
    rate = next((m for m in plan.measures if m.kind == "error_rate"), None)
    if rate is not None and len(plan.measures) > 1 and not lx.REQUEST_COUNT.search(text):
        # a rate beside "전체/에러 건수": the rate's parts replace any plain count (a request count
        # stays: it is a different question, "how many requests, and what share failed")
        others = [m for m in plan.measures if m is not rate and not (m.kind == "count" and not m.where)]
        plan.measures = [Measure("count", "total_logs"), Measure("count", "error_logs", where=rate.where),
                         rate, *others]  # fmt: skip
    if any(m.kind == "share" for m in plan.measures):
        plan.dimensions = [d for d in plan.dimensions if d not in ("session_id", "user_id")]
    if plan.dimensions == ["error_type"] and primary.kind in ("count", "count_distinct"):
        primary = Measure("count", "error_count")  # an error breakdown: how many, and whom it hit
        plan.measures = [primary]
    if summary or "session_id" in plan.dimensions:
        _activity_summary(plan, about_errors)
    elif _asks_comparison(text, question) and len(plan.measures) == 1 and _compare_periods(plan, question):
        pass
    elif len(plan.measures) == 1:  # one thing asked: complete it the house way
        _conventions(plan, primary, text, by_column)
    elif any(m.column == "duration_ms" for m in plan.measures) and "error_type" not in by_column:
        plan.add_filter("duration_ms", "not_null")  # counting requests: the rows that timed one

    if at_least and plan.dimensions and plan.measures[0].kind == "count":  # "5번 이상 겪은 사용자"
        plan.measures = plan.measures[:1]
        number = next(g for g in at_least.groups()[:1] + at_least.groups()[2:] if g)
        strict = (at_least.group("op") or "") in ("넘게", "초과") or "more than" in at_least.group(0)
        strict = strict and not re.search(r"포함|inclusive|or more|이상", text)  # "5번 넘게(5번 포함)"
        plan.having = (plan.measures[0], ">" if strict else ">=", _number(number))
        plan.limit = None
    n = _top_n(text)
    if plan.bucket is not None:
        plan.order = [(bucket_alias(plan.bucket), False)]
    elif plan.dimensions:
        descending = not lx.LEAST.search(text.replace("at least", ""))
        if not plan.order:
            p95 = next((m for m in plan.measures if m.kind == "percentile" and m.fraction == 0.95), None)
            headline = p95 if primary.kind == "percentile" and p95 else primary  # the tail ranks latency
            plan.order = [(headline.alias, descending)]
    if n is not None and plan.bucket is None and plan.having is None:
        plan.limit = n
    for d in plan.dimensions:
        if d in ("user_id", "session_id", "trace_id", "action_type") or d.startswith("metadata."):
            plan.add_filter(d, "not_null")  # "which users", "which browsers": the rows that have one
    _order_by_known_outputs(plan, text)
    return plan


def _order_by_known_outputs(plan: Plan, text: str) -> None:
    """Order by what the query outputs: "the most …" by the count, otherwise the first measure."""
    outputs = {m.alias for m in plan.measures} | set(plan.dimensions)
    if plan.bucket is not None:
        outputs.add(bucket_alias(plan.bucket))
    counts = [m.alias for m in plan.measures if m.kind == "count" and not m.where]
    if counts and lx.MOST_FREQUENT.search(text) and plan.bucket is None:
        plan.order = [(counts[0], True)]
    plan.order = [(key, desc) for key, desc in plan.order if key in outputs]
    if not plan.order and plan.dimensions and plan.measures:
        plan.order = [(plan.measures[0].alias, not lx.LEAST.search(text))]
    if plan.bucket is None and plan.dimensions:
        named = _named_order(text, plan)
        if named is not None:
            plan.order = [named]


#: the statistic an explicit ordering names: "평균 desc", "sorted by p95", "slowest first"
_ORDER_KEYS: tuple[tuple[str, str], ...] = (
    ("avg", r"평균|mean|average|avg"),
    ("max", r"최대|max(?:imum)?"),
    ("p95", r"p95|95th"),
    ("p99", r"p99|99th"),
    ("count", r"건수|횟수|요청\s*수|count|requests|calls|volume"),
)
_DIRECTION = (
    r"(?P<dir>desc|descending|asc|ascending|내림차순|오름차순|높은\s*순|낮은\s*순|큰\s*순|작은\s*순|순)"
)


def _named_order(text: str, plan: Plan) -> tuple[str, bool] | None:
    """An ordering the question spells out, when it names an output: "top 5 by mean desc",
    "평균 내림차순", "ordered by path", "slowest first"."""
    for kind, words in _ORDER_KEYS:
        match = re.search(
            rf"(?<![a-z])(?:{words})(?![a-z])\s*(?:duration(?:_ms)?\s*)?{_DIRECTION}", text
        ) or re.search(
            rf"(?:order(?:ed)?|sort(?:ed)?|rank(?:ed)?)\s+by\s+(?:the\s+)?(?:{words})(?![a-z])(?:\s*{_DIRECTION})?",
            text,
        )
        if not match:
            continue
        alias = _measure_alias(plan, kind)
        if alias is not None:
            direction = match.groupdict().get("dir") or "desc"
            return alias, not re.match(r"asc|ascending|오름차순|낮은|작은", direction)
    match = re.search(r"(?:order(?:ed)?|sort(?:ed)?)\s+by\s+(?:the\s+)?([a-z_]+)", text)
    if match and match.group(1).rstrip("s") in plan.dimensions:  # "ordered by path"
        return match.group(1).rstrip("s"), bool(re.search(r"desc", text[match.end() : match.end() + 15]))
    if re.search(r"(?:slowest|fastest)\s+(?:[a-z]+\s+)?first|느린 순|빠른 순", text):
        latency = next(
            (m.alias for m in plan.measures if m.column == "duration_ms" and m.kind == "avg"), None
        )
        if latency is not None:
            return latency, not re.search(r"fastest first|빠른 순", text)
    return None


def _measure_alias(plan: Plan, kind: str) -> str | None:
    for m in plan.measures:
        if kind == "count" and m.kind == "count" and not m.where:
            return m.alias
        if kind in ("avg", "max") and m.kind == kind:
            return m.alias
        if kind in ("p95", "p99") and m.kind == "percentile" and m.fraction == int(kind[1:]) / 100:
            return m.alias
    return None


def _traces_crossing(
    plan: Plan, text: str, by_column: dict[str, list[Mention]], window: Window | None
) -> Plan | None:
    """ "프론트에서 시작해서 백엔드 에러로 끝난 trace가 몇 개": traces that touched one side and
    failed on the other — counted over the trace, not over single rows."""
    sides = [m for column in ("log_type", "service") for m in by_column.get(column, [])]
    # "requests that started in the browser and failed on the backend": one request, both sides
    both_sides = len({m.value for m in by_column.get("log_type", [])}) >= 2 and lx.REQUESTS.search(text)
    if not ((lx.TRACE_WORD.search(text) or both_sides) and lx.COUNT.search(text) and len(sides) >= 2):
        return None
    errors = [m.start() for m in lx.ERROR.finditer(text)]

    def distance(mention: Mention) -> int:
        at = text.find(mention.text)
        return min((abs(at - e) for e in errors), default=1 << 30)

    failing = min(sides, key=distance) if errors else None
    started = _starting_side(text, sides)
    if started is not None and len(sides) == 2:  # "started in the browser and failed on the backend"
        failing = next(m for m in sides if m is not started) if errors else None
    window = window or INCIDENT_WINDOW
    inner = Plan(columns=["trace_id"], window=window)
    for side in sides:  # "웹앱(프론트)에서 시작된": the starting side's service and type together
        if side is not failing and not inner.has_filter(side.column):
            inner.add_filter(*condition_of(side))
    inner.add_filter("trace_id", "not_null")
    plan.window = window
    plan.measures = [Measure("count_distinct", "traces", "trace_id")]
    plan.add_filter("trace_id", "in subquery", inner)
    if failing is not None:
        plan.add_filter(*condition_of(failing))
        plan.add_filter("level", "=", "ERROR")
    plan.notes.append("traces across sides")
    return plan


def _starting_side(text: str, sides: list[Mention]) -> Mention | None:
    """The side a request started on: the one after "started in", or before "에서 시작"."""
    english = re.search(
        r"(?:start(?:ed|s|ing)?|began|begin(?:s|ning)?|originat\w*)\s+(?:in|on|from|at)\b", text
    )
    if english:
        after = [(text.find(m.text, english.end()), m) for m in sides]
        after = [(at, m) for at, m in after if at >= 0]
        return min(after, key=lambda pair: pair[0])[1] if after else None
    korean = re.search(r"에서\s*(?:시작|출발)", text)
    if korean:
        before = [(text.rfind(m.text, 0, korean.start()), m) for m in sides]
        before = [(at, m) for at, m in before if at >= 0]
        return max(before, key=lambda pair: pair[0])[1] if before else None
    return None


def _levels_named(text: str) -> list[str]:
    """The levels that count as errors: ERROR, FATAL when named alone ("fatal crashes"), both
    when joined ("오류나 치명적 오류", "errors or fatal")."""
    if not lx.FATAL.search(text):
        return ["ERROR"]
    joiner = r"(?:이나|나|or|and|/|랑|이랑|와|과|및|,|\+|plus|including|포함)"
    joined = rf"(?:{lx.ERROR.pattern})\S*\s*(?:[^,.;]{{0,25}}?{joiner})\s*(?:{lx.FATAL.pattern})"
    joined_back = (
        rf"(?:{lx.FATAL.pattern})\S*\s*{joiner}\s*(?:{lx.ERROR.pattern})|(?:{lx.FATAL.pattern})\S*\s*포함"
    )
    if re.search(joined, text, re.IGNORECASE) or re.search(joined_back, text, re.IGNORECASE):
        return ["ERROR", "FATAL"]
    return ["FATAL"]


def _lists_output_columns(text: str, at_least: int = 4) -> bool:
    """True when the question enumerates several column names separated by list marks."""
    noun = "|".join(re.escape(n) for n in sorted(lx.COLUMN_NOUNS, key=len, reverse=True))
    pattern = rf"(?:{noun})(?:{lx.LIST_SEPARATOR}(?:{noun})){{{at_least - 1},}}"
    return re.search(pattern, text) is not None


def _flows(text: str) -> list[str]:
    """Paths a business flow spans ("결제" → checkout and payment), ignoring "in order"."""
    found = [v for word, _ in lx.flows_named(text) for v in lx.FLOW_CONCEPTS[word]]
    return list(dict.fromkeys(found))


def _number(token: str) -> int:
    return int(token) if token.isdigit() else lx.NUMBER_WORDS[token.lower()]


def _journey(
    plan: Plan,
    text: str,
    users: list[str],
    traces: list[str],
    window: Window | None,
    by_column: dict[str, list[Mention]],
) -> Plan:
    """The rows of one user's or one trace's activity, in time order."""
    # an event named is the flow's own step ("결제 완료(checkout_completed)"): its rows, not its pages
    flows = [] if by_column.get("message") else _flows(text)
    if flows and all("/" not in m.text for m in by_column.get("path", [])):
        by_column.pop("path", None)  # "주문결제/결제 쪽 기록": the flow's pages, not one page
    elif by_column.get("path"):
        flows = []
    # several values of one column name the scope ("frontend and backend", "views, clicks and
    # submits"), not a filter
    skip = {column for column, found in by_column.items() if len({m.value for m in found}) >= 2}
    skip.add("action_type")  # "페이지 이동 및 행동": what the user did describes the journey
    if flows:
        skip.add("path")
    # "front end and back end, in the request where …": one request seen from both sides is a trace
    both_sides = len({m.value for m in by_column.get("log_type", [])}) >= 2 and lx.REQUESTS.search(text)
    if users and (lx.TRACE_WORD.search(text) or both_sides) and lx.ERROR.search(text):
        # "user_123's last failed payment, the whole trace": that trace, every service, in order
        inner = Plan(columns=["trace_id"], order=[("created_at", True)], limit=1)
        for uid in users:
            inner.add_filter("user_id", "=", uid)
        if flows:
            inner.add_filter("path", "like_any", flows)
        _apply_mentions(inner, by_column, skip=skip)
        inner.add_filter("level", "=", "ERROR")
        plan.add_filter("trace_id", "= subquery", inner)  # every side, not just the user's rows
        plan.columns = list(TRACE_COLUMNS)
        plan.order = [("created_at", False)]
        plan.notes.append("journey of a trace")
        return plan
    for uid in users:
        plan.add_filter("user_id", "=", uid)
    for tid in traces:
        plan.add_filter("trace_id", "=", tid)
    if flows:
        plan.add_filter("path", "like_any", flows)
    _apply_mentions(plan, by_column, skip=skip)
    web_side = bool(lx.WEB_SIDE.search(text)) and "log_type" not in skip  # not "front end and back end"
    if web_side and not plan.has_filter("log_type"):
        plan.add_filter("log_type", "=", "FRONTEND")
    frontend_only = (
        web_side
        or any(f.column == "log_type" and f.value == "FRONTEND" for f in plan.filters)
        or any(
            m.value in ("web-app",) or m.column == "action_type"
            for found in by_column.values()
            for m in found
        )
    )
    in_order = bool(lx.IN_ORDER.search(text))
    if traces and not users:
        plan.columns = list(TRACE_COLUMNS)
        plan.order = [("created_at", False)]
        plan.window = window
    else:
        plan.columns = list(FRONTEND_JOURNEY_COLUMNS if frontend_only else JOURNEY_COLUMNS)
        plan.order = [("created_at", not in_order)]
        plan.limit = None if in_order else _top_n(text) or 20
        plan.window = window or (INCIDENT_WINDOW if lx.LAST_ONE.search(text) else PERFORMANCE_WINDOW)
    plan.notes.append("journey")
    return plan


_LENGTH_AFTER = re.compile(
    r"\s*(?:\d+|one|two|three|a|an|한|두|세)?\s*-?\s*(?:hours?|days?|weeks?|minutes?|mins?|h\b|d\b|시간|일|분|주|하루)"
)


def _asks_comparison(text: str, question: str) -> bool:
    """ "최근 1시간 vs 그 직전 1시간", "the hour before": two periods. "over the previous 24 hours"
    alone is one window, however it is worded."""
    windows = relative_windows(question)
    several = len(windows) >= 2
    if several and lx.PREVIOUS.search(windows[1].text):  # "against the 24 hours before"
        return True
    return any(
        several or not (_LENGTH_AFTER.match(text, m.end()) or re.search(r"기\s*$", text[: m.start()]))
        for m in lx.PREVIOUS.finditer(text)
    )  # not "타임아웃 나기 전까지": until it happened


def _compare_periods(plan: Plan, question: str) -> bool:
    """ "최근 1시간 에러가 그 직전 1시간보다 …": the measure for the recent window beside the same
    measure for the window just before it."""
    windows = relative_windows(question)
    if not windows or windows[0].minutes is None:
        return False
    recent = windows[0].minutes
    previous = windows[1].minutes if len(windows) > 1 and windows[1].minutes else recent
    measure = plan.measures[0]
    boundary = TimePoint.minutes_ago(recent)
    plan.measures = [
        Measure(measure.kind, f"recent_{measure.alias}", measure.column, measure.fraction,
                where=(Filter("created_at", ">", boundary),)),
        Measure(measure.kind, f"previous_{measure.alias}", measure.column, measure.fraction,
                where=(Filter("created_at", "<=", boundary),)),
    ]  # fmt: skip
    plan.window = Window(start=TimePoint.minutes_ago(recent + previous))
    if measure.column == "duration_ms":
        plan.add_filter("duration_ms", "not_null")
        if "path" in plan.dimensions and not plan.has_filter("log_type"):
            plan.add_filter("log_type", "=", "BACKEND")
    plan.order = [(d, False) for d in plan.dimensions]
    return True


def _activity_summary(plan: Plan, about_errors: bool) -> None:
    """Per service (or session …) of one user or trace: how much, errors if asked, first/last seen."""
    plan.measures = [Measure("count", "log_count")]
    if about_errors:
        plan.measures.append(Measure("count", "error_count", where=(Filter("level", "=", "ERROR"),)))
    plan.measures += [Measure("first_seen", "first_seen"), Measure("last_seen", "last_seen")]
    for d in plan.dimensions:
        if d in ("session_id", "user_id", "trace_id"):
            plan.add_filter(d, "not_null")
    plan.order = [("first_seen", False)]


def _share_of(text: str, catalog_actions: tuple[str, ...]) -> list[Measure] | None:
    """ "/checkout까지 온 세션 중 submit한 세션 비율": how many sessions (or users), how many of
    them did the action, and the share."""
    if not lx.RATE.search(text):
        return None
    entity = "session_id" if lx.SESSIONS.search(text) else "user_id" if lx.USERS.search(text) else None
    action = next((a for a in catalog_actions if re.search(rf"(?<![a-z]){a}", text)), None)
    if entity is None:
        return None
    if action is not None:
        did, part = (Filter("action_type", "=", action),), action
    elif lx.ERROR.search(text):  # "사용자 중 ERROR를 한 번이라도 겪은 사람 비율": those who hit an error
        did, part = (Filter("level", "=", "ERROR"),), "error"
    else:
        return None
    noun = "sessions" if entity == "session_id" else "users"
    return [
        Measure("count_distinct", noun, entity),
        Measure("count_distinct", f"{part}_{noun}", entity, where=did),
        Measure("share", f"{part}_rate_pct", entity, where=did),
    ]


#: "세션이 가장 많았던 사용자", "the most sessions": a count of the things named most
_MOST_OF = re.compile(
    r"(?:세션|session)\S{0,2}\s*(?:이|가)?\s*(?:가장|제일)\s*많|(?<![a-z])(?:the\s+)?most\s+(?:(?:distinct|different|unique|separate)\s+)?sessions",
    re.IGNORECASE,
)


def _requested_measures(
    text: str, about_latency: bool, thresholded: bool, count_sessions: bool = True
) -> list[Measure]:
    """The statistics a question names explicitly, in the order it names them (sessions are
    counted unless they are the rows: "sessions …, event count, start and end")."""
    found: list[tuple[int, Measure]] = []

    def add(pattern: re.Pattern[str], *measures: Measure) -> None:
        match = pattern.search(text)
        if match:
            found.extend((match.start() + i / 10, m) for i, m in enumerate(measures))

    add(lx.ERROR_RATE, Measure("error_rate", "error_rate_pct"))
    share = _share_of(text, catalog_actions=("submit", "click", "view", "navigate"))
    if share is not None:
        return share
    if lx.RATE.search(text) and lx.ERROR.search(text) and not lx.ERROR_RATE.search(text):
        add(lx.RATE, Measure("error_rate", "error_rate_pct"))
    add(lx.DISTINCT_USERS, Measure("count_distinct", "user_count", "user_id"))
    if (
        count_sessions
        and lx.SESSIONS.search(text)
        and (lx.COUNT.search(text) or lx.DISTINCT_USERS.search(text) or _MOST_OF.search(text))
    ):
        add(lx.SESSIONS, Measure("count_distinct", "session_count", "session_id"))
    if about_latency and not thresholded:
        add(lx.AVERAGE, Measure("avg", "avg_duration_ms", "duration_ms"))
        add(lx.HOW_LONG, Measure("avg", "avg_duration_ms", "duration_ms"))
        add(lx.MEDIAN, Measure("percentile", "p50_duration_ms", "duration_ms", 0.5))
        add(lx.P95, Measure("percentile", "p95_duration_ms", "duration_ms", 0.95))
        add(lx.P99, Measure("percentile", "p99_duration_ms", "duration_ms", 0.99))
        for percent, match in lx.percentiles_asked(text):  # "p90 latency"
            if percent not in (50, 95, 99):
                measure = Measure("percentile", f"p{percent}_duration_ms", "duration_ms", percent / 100)
                found.append((match.start(), measure))
        if (
            not lx.MOST.search(text)
            or (lx.MAXIMUM.search(text) and lx.AVERAGE.search(text))
            or lx.MAXIMUM_STATISTIC.search(text)
        ):
            add(lx.MAXIMUM, Measure("max", "max_duration_ms", "duration_ms"))
        add(lx.MINIMUM, Measure("min", "min_duration_ms", "duration_ms"))
    if found:
        add(lx.REQUEST_COUNT, Measure("count", "request_count"))
    counted_entity = lx.DISTINCT_USERS.search(text) or (count_sessions and lx.SESSIONS.search(text))
    if found and lx.COUNT.search(text) and not counted_entity:
        add(lx.COUNT, Measure("count", "count"))
    if found and lx.MOST_FREQUENT.search(text) and not counted_entity:
        add(lx.MOST_FREQUENT, Measure("count", "count"))
    add(lx.FIRST_LAST, Measure("first_seen", "first_seen"), Measure("last_seen", "last_seen"))
    measures: list[Measure] = []
    for _, m in sorted(found, key=lambda pair: pair[0]):
        plain_count = m.kind == "count" and not m.where
        if plain_count and any(x.kind == "count" and not x.where for x in measures):
            continue
        if m not in measures:
            measures.append(m)
    if measures and all(m.kind in ("first_seen", "last_seen") for m in measures):
        measures.insert(0, Measure("count", "count"))
    return measures


def _apply_mentions(plan: Plan, by_column: dict[str, list[Mention]], skip: set[str] = frozenset()) -> None:
    for column, found in by_column.items():
        if column in skip:
            continue
        plan.add_filter(*condition_of_values(column, list(dict.fromkeys(m.value for m in found))))


def _compared_column(text: str, by_column: dict[str, list[Mention]], dims: list[str]) -> str | None:
    """Several named values of one column, compared or broken down by something else, are a
    dimension: "production, staging, development 비교", "NetworkError, TypeError … 페이지별"."""
    if not (lx.COMPARE.search(text) or dims):
        return None
    for column, found in by_column.items():
        if column == "level" and SPELLED_LEVEL_RANGE.search(text):
            continue  # "WARN or higher by service": one scope of levels
        if len({m.value for m in found}) >= 2:
            return column
    return None


def _ranks_errors(plan: Plan, primary: Measure, text: str) -> bool:
    """A ranking of error types ("which errors happened most, top 5") says how many users each
    hit — triage needs the reach; a plain breakdown by type shows only its counts."""
    if plan.dimensions != ["error_type"] or primary.kind != "count" or plan.has_filter("user_id"):
        return False  # one user's errors: the reach is that user
    return plan.limit is not None or _top_n(text) is not None or lx.MOST.search(text) is not None


def _conventions(plan: Plan, primary: Measure, text: str, by_column: dict[str, list[Mention]]) -> None:
    """Companion measures and filters that make an analysis complete (the engine's house style)."""
    dims = plan.dimensions
    if primary.kind == "error_rate":  # a rate shows what it divides
        plan.measures = [
            Measure("count", "total_logs"),
            Measure("count", "error_logs", where=primary.where),
            primary,
        ]
    if primary.column == "duration_ms":
        plan.add_filter("duration_ms", "not_null")
    if _ranks_errors(plan, primary, text):
        plan.measures.append(Measure("count_distinct", "affected_users", "user_id"))
    if "user_id" in dims:
        plan.add_filter("user_id", "not_null")
        if primary.kind == "count":
            plan.measures += [Measure("first_seen", "first_seen"), Measure("last_seen", "last_seen")]
            plan.limit = plan.limit or 20
    if (
        "error_type" in by_column
        and set(dims) in ({"service"}, {"service", "function_name"})
        and (primary.kind == "count")
    ):
        if lx.REQUESTS.search(text) or lx.LATENCY.search(text) or "timeout" in text:
            plan.dimensions = ["service", "path"]
            plan.measures.append(Measure("avg", "avg_duration_ms", "duration_ms"))
        else:
            plan.dimensions = ["service", "function_name"]
            plan.measures += [Measure("first_seen", "first_seen"), Measure("last_seen", "last_seen")]
    if primary.column == "duration_ms" and "path" in plan.dimensions and plan.bucket is None:
        plan.add_filter("path", "not_null")
        if not plan.has_filter("log_type"):
            plan.add_filter("log_type", "=", "BACKEND")
        plan.measures = [
            Measure("count", "request_count"),
            Measure("avg", "avg_duration_ms", "duration_ms"),
            Measure("max", "max_duration_ms", "duration_ms"),
            Measure("percentile", "p95_duration_ms", "duration_ms", 0.95),
        ]
        if primary not in plan.measures:
            plan.measures.append(primary)
        plan.order = [(primary.alias, not lx.LEAST.search(text))]
    if primary.kind == "avg" and primary.column == "duration_ms" and plan.measures == [primary]:
        plan.measures = [Measure("count", "request_count"), primary]  # an average says over how many
