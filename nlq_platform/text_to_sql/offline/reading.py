"""The reading: one sentence, in the question's language, saying how the engine understood the
question — every condition, every grouping and every default it took — built from the plan, so
that an analyst can see at a glance whether the answer is to the question they asked.
"""

from __future__ import annotations

import re

from nlq_platform.text_to_sql.offline.distinctvalues import lists_values
from nlq_platform.text_to_sql.offline.plan import Filter, Measure, Plan
from nlq_platform.text_to_sql.offline.timewindow import TimePoint, Window

_HANGUL = re.compile(r"[가-힣]")

_MEASURES = {
    "en": {"count": "number of rows", "count_distinct": "distinct {col}", "avg": "average {col}",
           "max": "max {col}", "min": "min {col}", "sum": "sum of {col}", "percentile": "p{pct} {col}",
           "error_rate": "error rate %", "rate": "share of rows %", "share": "share %", "first_seen": "first seen",
           "last_seen": "last seen"},
    "ko": {"count": "건수", "count_distinct": "{col} 수(중복 제외)", "avg": "{col} 평균", "max": "{col} 최댓값",
           "min": "{col} 최솟값", "sum": "{col} 합계", "percentile": "{col} p{pct}", "error_rate": "에러율 %", "rate": "행 비율 %",
           "share": "비율 %", "first_seen": "처음 발생 시각", "last_seen": "마지막 발생 시각"},
}  # fmt: skip
_OPS = {"=": "=", "!=": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤"}


def language_of(question: str) -> str:
    return "ko" if _HANGUL.search(question) else "en"


def _column(column: str | None) -> str:
    if not column:
        return "rows"
    return column.split(".", 1)[1] + " (metadata)" if column.startswith("metadata.") else column


def measure_words(m: Measure, lang: str) -> str:
    template = _MEASURES[lang].get(m.kind, m.alias)
    text = template.format(col=_column(m.column), pct=round((m.fraction or 0) * 100))
    if m.where:
        text += " [" + " · ".join(filter(None, (filter_words(f, lang) for f in m.where))) + "]"
    return text


def filter_words(f: Filter, lang: str) -> str | None:
    column = _column(f.column)
    match f.op:
        case "not_null":
            return None  # the rows that have a value: implied by grouping or measuring it
        case "in":
            return f"{column} ∈ {{{', '.join(map(str, f.value))}}}"
        case "like_any":
            joiner = " 또는 " if lang == "ko" else " or "
            return f"{column} ~ " + joiner.join(f"*{v}*" for v in f.value)
        case "= subquery" | "in subquery":
            return "trace 조건 (하위 질의)" if lang == "ko" else "traces chosen by a subquery"
        case "null":
            return f"{column} 없음" if lang == "ko" else f"no {column}"
    value = moment_words(f.value, lang) if isinstance(f.value, TimePoint) else f.value
    return f"{column} {_OPS.get(f.op, f.op)} {value}"


def moment_words(point: TimePoint, lang: str) -> str:
    """ "1시간 전", "2 days before midnight today", "오늘 0시"."""
    if point.from_midnight:
        if not point.amount:
            return "오늘 0시" if lang == "ko" else "midnight today"
        length = _length(point.minutes, lang)
        return f"오늘 0시의 {length} 전" if lang == "ko" else f"{length} before midnight today"
    length = _length(point.minutes, lang)
    return f"{length} 전" if lang == "ko" else f"{length} ago"


def _window(window: Window | None, default: str | None, lang: str) -> str:
    if window is None:
        return "기간 제한 없음" if lang == "ko" else "all time (no window)"
    if window.minutes:
        text = _length(window.minutes, lang)
        text = f"최근 {text}" if lang == "ko" else f"last {text}"
    else:
        text = window.text or ("" if lang == "ko" else "since ") + moment_words(window.start, lang) + (
            "부터" if lang == "ko" else ""
        )
    if default:
        text += f" ({default})"
    return text


def _length(minutes: int, lang: str, weeks: bool = False) -> str:
    """Windows read in days ("last 7 days", as asked); buckets may read in weeks."""
    for size, en, ko in (
        *(((10080, "week", "주"),) if weeks else ()),
        (1440, "day", "일"),
        (60, "hour", "시간"),
        (1, "minute", "분"),
    ):
        if minutes % size == 0:
            n = minutes // size
            return f"{n}{ko}" if lang == "ko" else f"{n} {en}{'s' if n != 1 else ''}"
    return f"{minutes} min"


def reading(plan: Plan, question: str, default_window: str | None = None) -> str:
    """ "errors = level ERROR · payment-api · last 1 hour (default for incident questions) · per 5
    minutes" — the plan in words; ``default_window`` names the convention when the window was
    not asked for."""
    lang = language_of(question)
    if plan.source is not None:
        groups = ", ".join(_column(d) for d in plan.source.dimensions)
        head = [f"{groups} 수" if lang == "ko" else f"number of {groups}"]
        head += [measure_words(m, lang) for m in plan.measures if m.kind != "count"]
        each = f"{groups}마다" if lang == "ko" else f"each {groups}"
        return " · ".join(head) + f" — {each}: " + reading(plan.source, question, default_window)
    parts: list[str] = []
    values = lists_values(plan)
    if values:
        shown = ", ".join(_column(c) for c in plan.columns)
        parts.append(f"서로 다른 값 목록: {shown}" if lang == "ko" else f"distinct values of {shown}")
    elif plan.is_listing:
        shown = ", ".join(plan.columns)
        parts.append(f"행 목록: {shown}" if lang == "ko" else f"rows: {shown}")
    else:
        parts.append(" · ".join(measure_words(m, lang) for m in plan.measures))
    parts += [text for f in plan.filters if (text := filter_words(f, lang))]
    parts.append(_window(plan.window, default_window, lang))
    if plan.bucket is not None:
        size = _length(plan.bucket.length_minutes, lang, weeks=True)
        text = f"{size} 단위" if lang == "ko" else f"per {size}"
        if plan.bucket.by_default:
            text += " (추이의 기본 간격)" if lang == "ko" else " (default for a trend)"
        parts.append(text)
    if plan.dimensions and not values:
        dims = ", ".join(_column(d) for d in plan.dimensions)
        parts.append(f"{dims}별" if lang == "ko" else f"by {dims}")
    if plan.having is not None:
        measure, op, value = plan.having
        parts.append(f"{measure_words(measure, lang)} {_OPS.get(op, op)} {value:g}")
    for conditions, present in plan.requires:
        said = " · ".join(filter(None, (filter_words(f, lang) for f in conditions)))
        if lang == "ko":
            parts.append(f"[{said}] 행이 {'있는' if present else '없는'} 것만")
        else:
            parts.append(f"{'with' if present else 'without'} a row of [{said}]")
    if plan.order:
        keys = ", ".join(f"{key} {'↓' if desc else '↑'}" for key, desc in plan.order)
        parts.append(f"정렬 {keys}" if lang == "ko" else f"ordered by {keys}")
    if plan.limit is not None:
        parts.append(f"상위 {plan.limit}개" if lang == "ko" else f"first {plan.limit}")
    if plan.corrections:
        parts.append(("오타로 보고 " if lang == "ko" else "typo: ") + ", ".join(plan.corrections))
    return " · ".join(p for p in parts if p)
