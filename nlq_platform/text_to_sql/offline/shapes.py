"""Shapes of question the plan cannot express yet. Every word of such a question may be known
("average", "per session", "errors"), yet the query it needs — an aggregate of an aggregate, a
share of rows over a threshold, a comparison of two groups' counts — is not
one the parser builds; answering would be answering another question. Each rule names the words
that make the shape and says why, so that the refusal tells the analyst what to rephrase.

Rules run in order (sqlglot's optimizer ``RULES`` is the model); the first that fires refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.pergroup import statistic_per_group

Refusal = tuple[str, str]  # (the words, why they cannot be answered)

_AGGREGATE = r"(?:average|avg|mean|median|typical|maximum|max|minimum|min|평균|중앙값|최대|최소)"
_ENTITY = r"(?:session|user|trace|request|visit|customer|세션|사용자|유저|고객|트레이스|trace|요청)"


def nested_aggregate(view: str, question: str) -> Refusal | None:
    """ "average number of events per session", "세션당 평균 이벤트 수": a statistic of a
    per-group count, which needs a plan inside a plan."""
    english = re.search(
        rf"{_AGGREGATE}\s+(?:number|count|amount|#)\s+of\s+[\w\s-]{{0,30}}?\s(?:per|for each|in each|in a|per each)\s+{_ENTITY}",
        view,
    ) or re.search(rf"{_AGGREGATE}\s+[\w-]+\s+(?:per|for each)\s+{_ENTITY}(?!\w)", view)
    korean = re.search(
        rf"{_ENTITY}\s*(?:당|하나당|마다|별)\s*(?:평균|최대|최소|중앙값)\s*\S*\s*(?:수|건수|개수|횟수)", view
    )
    match = english or korean
    if match and statistic_per_group(view) is not None:
        return None  # built as a plan inside a plan (refine.statistic_of_counts_per_group)
    if (
        match
        and not lx.LATENCY.search(match.group(0))
        and not re.search(r"created_at|time|시각", match.group(0))
    ):
        return match.group(0), "an aggregate of a per-group count is not supported by the offline engine yet"
    return None


def ratio_of_counts(view: str, question: str) -> Refusal | None:
    """ "the ratio of clicks to submits", "view 대비 submit": one count over another."""
    match = re.search(r"ratio\s+of\s+[\w\s-]+?\s+to\s+[\w-]+|[\w-]+\s*(?:-to-|to)\s*[\w-]+\s+ratio", view)
    if match and not lx.ERROR.search(match.group(0)) and "로그 대비" not in match.group(0):
        return match.group(0), "a ratio of two different counts is not supported by the offline engine yet"
    return None


#: "어제보다 많아졌어": a period compared with another is a change over time, not two groups
_PERIOD_BEFORE_THAN = re.compile(r"\S*(?:어제|그제|지난|전|이전|평소|아까|오늘|주|달|시간|분|일)\s*보다")


def compared_groups(view: str, question: str) -> Refusal | None:
    """ "services where WARN outnumbers ERROR", "WARN이 ERROR보다 많은 서비스": groups kept by
    comparing two of their counts."""
    match = re.search(r"outnumber\w*|\S+\s*보다\s*(?:더\s*)?(?:많|적)\S*", view)
    if match and not lx.PREVIOUS.search(view) and not _PERIOD_BEFORE_THAN.match(match.group(0)):
        return match.group(0), "keeping groups by comparing two of their counts is not supported yet"
    return None


def future_time(view: str, question: str) -> Refusal | None:
    """ "tomorrow", "next week", "내일", "예측": logs hold what has happened, not what will."""
    match = re.search(
        r"(?<![a-z])(?:tomorrow|next\s+(?:week|month|year|hour|day)|forecast\w*|predict\w*|will\s+(?:there|we|it|be))(?![a-z])"
        r"|내일|모레|다음\s*(?:주|달|해|시간)|내주|예측|예상\s*되|20[3-9]\d\s*년",
        view,
    )
    if match:
        return match.group(0), "the logs record what has happened; a future time cannot be answered from them"
    return None


def other_table(view: str, question: str) -> Refusal | None:
    """ "from the deployments table", "orders 테이블": the only table is ``logs``."""
    match = re.search(
        r"(?:from|in|of|query|join)\s+(?:the\s+|our\s+)?([a-z_]+)\s+tables?(?![a-z])|(?<![a-z])tables?\s+([a-z_]+s)(?![a-z])"
        r"|([a-z_]+|[가-힣]+)\s*테이블",
        view,
    )
    name = next((g for g in match.groups() if g), "") if match else ""
    if match and name.rstrip("s") not in ("log", "로그"):
        return match.group(0), "the only table the logs are in is logs"
    return None


RULES: tuple[Callable[[str, str], Refusal | None], ...] = (
    future_time,
    other_table,
    nested_aggregate,
    ratio_of_counts,
    compared_groups,
)


def unsupported(view: str, question: str) -> Refusal | None:
    """The first rule that finds a shape the plan cannot express, or None."""
    for rule in RULES:
        found = rule(view, question)
        if found is not None:
            return found
    return None
