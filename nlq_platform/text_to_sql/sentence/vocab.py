"""Words for column aliases, in Korean and English: a small table of the aliases the engines and
the gold SQL use (``error_count``, ``p95_ms``, ``distinct_users``, ``cnt`` …) and a fallback that
turns any other snake_case alias into words — a sentence never shows a raw alias."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """What a column counts or measures. ``en`` is the plural (or the only) English form,
    ``en_one`` the singular; ``counter`` the Korean counter word for a count (건, 명, 개, 회)."""

    ko: str
    en: str
    en_one: str = ""
    counter: str = "건"

    def english(self, count: float | None = None) -> str:
        return self.en_one if count == 1 and self.en_one else self.en


def _count(ko: str, one: str, counter: str = "건", many: str | None = None) -> Term:
    return Term(ko, many or one + "s", one, counter)


LOGS = _count("로그", "log")
ROWS = _count("행", "row", "개")
ERRORS = _count("에러", "error")

#: aliases that say only "a count": the noun comes from the query's conditions instead
GENERIC_COUNTS = frozenset({"count", "cnt", "n", "c", "num", "total", "count_all", "count_star", "value"})

MEASURES: dict[str, Term] = {
    "error_count": ERRORS, "errors": ERRORS, "err_count": ERRORS, "error_cnt": ERRORS,
    "error_logs": _count("에러 로그", "error log"),
    "log_count": LOGS, "logs": LOGS, "total_logs": _count("전체 로그", "log"),
    "event_count": _count("이벤트", "event"), "events": _count("이벤트", "event"),
    "affected_users": _count("영향받은 사용자", "affected user", "명"),
    "distinct_users": _count("사용자", "user", "명"), "users": _count("사용자", "user", "명"),
    "user_count": _count("사용자", "user", "명"), "unique_users": _count("사용자", "user", "명"),
    "affected_sessions": _count("영향받은 세션", "affected session", "개"),
    "sessions": _count("세션", "session", "개"), "session_count": _count("세션", "session", "개"),
    "distinct_sessions": _count("세션", "session", "개"),
    "sessions_with_errors": _count("에러가 난 세션", "session with errors", "개", "sessions with errors"),
    "checkout_sessions": _count("체크아웃 세션", "checkout session", "개"),
    "submitting_sessions": _count("제출한 세션", "submitting session", "개"),
    "request_count": _count("요청", "request"), "requests": _count("요청", "request"),
    "timeout_count": _count("타임아웃", "timeout"), "timeouts": _count("타임아웃", "timeout"),
    "fatal_count": _count("FATAL 로그", "FATAL log"),
    "warn_count": _count("WARN 로그", "WARN log"), "warning_count": _count("경고 로그", "warning"),
    "server_errors": _count("5xx 응답", "5xx response"),
    "slow_requests": _count("느린 요청", "slow request"),
    "clicks": _count("클릭", "click", "회"), "click_count": _count("클릭", "click", "회"),
    "submit_count": _count("제출", "submission", "회"), "submits": _count("제출", "submission", "회"),
    "failed_traces": _count("실패한 트레이스", "failed trace", "개"),
    "traces": _count("트레이스", "trace", "개"), "trace_count": _count("트레이스", "trace", "개"),
    "page_views": _count("페이지 조회", "page view", "회"),
    "avg_duration_ms": Term("평균 응답시간", "average response time"),
    "avg_ms": Term("평균 응답시간", "average response time"),
    "avg_latency_ms": Term("평균 지연시간", "average latency"),
    "avg_duration_before_timeout": Term("타임아웃 전 평균 응답시간", "average time before timeout"),
    "max_duration_ms": Term("최대 응답시간", "maximum response time"),
    "min_duration_ms": Term("최소 응답시간", "minimum response time"),
    "duration_ms": Term("응답시간", "response time"),
    "latency_ms": Term("지연시간", "latency"),
    "p50_ms": Term("응답시간 중앙값", "median response time"),
    "median_ms": Term("응답시간 중앙값", "median response time"),
    "error_rate_pct": Term("에러율", "error rate"), "error_rate": Term("에러율", "error rate"),
    "submit_rate_pct": Term("제출 비율", "submit rate"),
    "share_pct": Term("비율", "share"), "pct": Term("비율", "share"),
    "first_seen": Term("처음 발생 시각", "first seen"), "last_seen": Term("마지막 발생 시각", "last seen"),
    "first_occurrence": Term("처음 발생 시각", "first seen"),
    "last_occurrence": Term("마지막 발생 시각", "last seen"),
    "first_error": Term("첫 에러 시각", "first error at"), "last_error": Term("마지막 에러 시각", "last error at"),
    "session_start": Term("세션 시작", "session start"), "session_end": Term("세션 종료", "session end"),
}  # fmt: skip

#: group-by columns: what one group is ("3개 엔드포인트", "3 endpoints")
DIMENSIONS: dict[str, Term] = {
    "path": _count("엔드포인트", "endpoint", "개"), "service": _count("서비스", "service", "개"),
    "error_type": _count("에러 유형", "error type", "개"), "user_id": _count("사용자", "user", "명"),
    "session_id": _count("세션", "session", "개"), "trace_id": _count("트레이스", "trace", "개"),
    "environment": _count("환경", "environment", "개"), "level": _count("레벨", "level", "개"),
    "method": _count("메서드", "method", "개"), "function_name": _count("함수", "function", "개"),
    "browser": _count("브라우저", "browser", "개"), "service_version": _count("버전", "version", "개"),
    "log_type": _count("로그 종류", "log type", "개"), "action_type": _count("액션 유형", "action type", "개"),
    "host": _count("호스트", "host", "개"), "page": _count("페이지", "page", "개"),
}  # fmt: skip

_KO_WORDS = {
    "error": "에러", "errors": "에러", "err": "에러", "user": "사용자", "users": "사용자",
    "session": "세션", "sessions": "세션", "request": "요청", "requests": "요청", "log": "로그",
    "logs": "로그", "avg": "평균", "average": "평균", "mean": "평균", "max": "최대", "maximum": "최대",
    "min": "최소", "minimum": "최소", "median": "중앙값", "count": "건수", "cnt": "건수",
    "duration": "응답시간", "latency": "지연시간", "rate": "비율", "ratio": "비율", "share": "비율",
    "total": "전체", "sum": "합계", "distinct": "고유", "unique": "고유", "affected": "영향받은",
    "last": "최근", "recent": "최근", "previous": "이전", "prev": "이전", "before": "이전",
    "hour": "시간", "hours": "시간", "day": "일", "days": "일", "minute": "분", "minutes": "분",
    "first": "처음", "seen": "확인", "failed": "실패한", "failure": "실패", "success": "성공",
    "slow": "느린", "timeout": "타임아웃", "timeouts": "타임아웃", "trace": "트레이스",
    "traces": "트레이스", "service": "서비스", "services": "서비스", "path": "엔드포인트",
    "endpoint": "엔드포인트", "endpoints": "엔드포인트", "page": "페이지", "pages": "페이지",
    "click": "클릭", "clicks": "클릭", "submit": "제출", "submits": "제출", "event": "이벤트",
    "events": "이벤트", "status": "상태", "code": "코드", "version": "버전", "environment": "환경",
    "browser": "브라우저", "function": "함수", "name": "이름", "type": "유형", "level": "레벨",
    "message": "메시지", "time": "시간", "size": "크기", "bytes": "바이트", "retry": "재시도",
    "retries": "재시도", "payment": "결제", "checkout": "체크아웃", "order": "주문", "orders": "주문",
}  # fmt: skip
_EN_WORDS = {
    "avg": "average", "max": "maximum", "min": "minimum", "cnt": "count", "err": "error",
    "prev": "previous", "num": "number", "dur": "duration", "p50": "median",
}  # fmt: skip
_UNIT_WORDS = frozenset({"ms", "pct", "percent", "sec", "secs", "s"})
_COUNT_WORDS = frozenset({"count", "cnt", "num", "number", "total", "n"})


def words(alias: str) -> list[str]:
    """``"avgDurationMs"``/``"avg_duration_ms"`` → ``["avg", "duration"]``: lower-case words,
    units (ms, pct) dropped since the formatting shows them."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", alias)
    parts = [p.lower() for p in re.split(r"[^0-9A-Za-z가-힣]+", spaced) if p]
    kept = [p for p in parts if p not in _UNIT_WORDS]
    return kept or parts


def humanize(alias: str, lang: str) -> str:
    """Any alias in words: ``p95_duration_ms`` → "p95 응답시간" / "p95 duration"."""
    tokens = words(alias) or [alias]
    if lang == "ko":
        return " ".join(_KO_WORDS.get(t, t) for t in tokens)
    return " ".join(_EN_WORDS.get(t, t) for t in tokens)


def _plural(phrase: str) -> str:
    return phrase if phrase.endswith("s") else phrase + "s"


def _singular(phrase: str) -> str:
    return phrase[:-1] if phrase.endswith("s") and not phrase.endswith(("ss", "us")) else phrase


def _counter_for(tokens: list[str]) -> str:
    if any(t in ("user", "users") for t in tokens):
        return "명"
    if any(t in ("click", "clicks", "submit", "submits", "view", "views") for t in tokens):
        return "회"
    if any(t.rstrip("s") in ("session", "trace", "page", "endpoint", "path", "service") for t in tokens):
        return "개"
    return "건"


def fallback_term(alias: str, counted: bool) -> Term:
    """A term for an alias not in the table; ``counted``: a count (needs a counter and a plural)."""
    if not counted:
        return Term(humanize(alias, "ko"), humanize(alias, "en"))
    tokens = [t for t in words(alias) if t not in _COUNT_WORDS] or words(alias)
    phrase = " ".join(tokens)
    en = humanize(phrase, "en")
    return Term(humanize(phrase, "ko"), _plural(en), _singular(en), _counter_for(tokens))


_PERCENTILE = re.compile(r"^p(\d{2})(?:_(duration|latency|response))?(?:_ms)?$")


def measure_term(alias: str, counted: bool) -> Term | None:
    """The table's term for ``alias`` (None when it is a generic count alias such as ``cnt``)."""
    key = alias.lower()
    if key in GENERIC_COUNTS:
        return None
    if key in MEASURES:
        return MEASURES[key]
    if match := _PERCENTILE.match(key):
        pct, what = match.group(1), match.group(2)
        if pct == "50":
            return MEASURES["p50_ms"]
        if what == "latency":
            return Term(f"p{pct} 지연시간", f"p{pct} latency")
        return Term(f"p{pct} 응답시간", f"p{pct} response time")
    return fallback_term(alias, counted)


def distinct_term(column: str) -> Term:
    """``COUNT(DISTINCT user_id)`` under a generic alias: what it counts."""
    key = column.lower().split(".")[-1]
    if key in DIMENSIONS:
        return DIMENSIONS[key]
    return fallback_term(key, counted=True)


def dimension_term(column: str) -> Term:
    key = column.lower()
    if key in DIMENSIONS:
        return DIMENSIONS[key]
    phrase = humanize(key, "en")
    return Term(humanize(key, "ko"), _plural(phrase), _singular(phrase), "개")
