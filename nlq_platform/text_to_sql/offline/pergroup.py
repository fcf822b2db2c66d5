"""A statistic of a per-group count: "the average number of events per session", "세션당 평균
이벤트 수", "the most log lines of any one trace". The answer is a plan inside a plan — each
group's count, then the statistics over the groups — so the words are recognised here, once, for
the rule that builds it (``refine.statistic_of_counts_per_group``) and for the shape rule that
refuses what it cannot build (``shapes.nested_aggregate``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the groups a count is taken per
_ENTITIES = {
    "session_id": ("sessions", "session", "세션"),
    "user_id": ("users", "user", "customers", "customer", "사용자", "유저", "고객"),
    "trace_id": ("traces", "trace", "트레이스", "requests? traces?"),
    "service": ("services", "service", "서비스"),
}
#: what is counted in each group: rows (None) or distinct values of a column
_THINGS: dict[str | None, tuple[str, ...]] = {
    None: ("log lines", "log entries", "events", "event", "logs", "log", "lines", "entries", "errors", "error",
           "이벤트", "로그", "에러", "오류"),
    "session_id": ("sessions", "세션"),
    "trace_id": ("traces", "트레이스"),
    "user_id": ("users", "사용자", "유저"),
}  # fmt: skip
_STATISTICS = (
    ("avg", re.compile(r"(?<![a-z])(?:average|avg|mean|on average|typical)(?![a-z])|평균", re.IGNORECASE)),
    ("median", re.compile(r"(?<![a-z])median(?![a-z])|중앙값|중간값", re.IGNORECASE)),
    ("max", re.compile(r"(?<![a-z])(?:max(?:imum)?|most|largest|highest)(?![a-z])|최대|최댓값|가장\s*많|제일\s*많", re.IGNORECASE)),
    ("min", re.compile(r"(?<![a-z])(?:min(?:imum)?|fewest|least|smallest|lowest)(?![a-z])|최소|최솟값|가장\s*적|제일\s*적", re.IGNORECASE)),
)  # fmt: skip


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_ENTITY = _alternatives(tuple(w for ws in _ENTITIES.values() for w in ws))
_THING = _alternatives(tuple(w for ws in _THINGS.values() for w in ws))
_STAT_WORD = r"(?:average|avg|mean|median|typical|max(?:imum)?|min(?:imum)?|most|fewest|largest|highest|lowest|smallest)"
_KO_STAT = r"(?:평균|최대|최소|중앙값|중간값|가장\s*많은|제일\s*많은)"
_PATTERNS = (
    # "the average number of events per session", "max count of log lines for each trace"
    rf"{_STAT_WORD}\s+(?:number|count|amount|#)\s+of\s+(?P<things>{_THING})\s+"
    rf"(?:per|for each|in each|in a|each|of (?:any|each|a)(?:\s+one|\s+single)?)\s+(?P<entity>{_ENTITY})(?![a-z])",
    # "average events per session", "the most log lines of any one trace"
    rf"{_STAT_WORD}\s+(?P<things>{_THING})\s+(?:per|for each|in each|of any(?:\s+one|\s+single)?|in any(?:\s+one|\s+single)?)"
    rf"\s+(?P<entity>{_ENTITY})(?![a-z])",
    # "how many sessions does a user have on average"
    rf"how many\s+(?P<things>{_THING})\s+(?:does|do|did)\s+(?:a|an|each|one|the average|the typical)\s+(?P<entity>{_ENTITY})"
    r"\s+(?:have|has|had|produce|log|generate|see|open|start)",
    # "세션당 평균 이벤트 수", "사용자 한 명당 평균 세션 수", "trace마다 최대 로그 몇 건"
    rf"(?P<entity>{_ENTITY})\s*(?:하나|한\s*명|한\s*개|1명|1개)?\s*(?:당|마다)\s*{_KO_STAT}\s*(?:몇\s*)?(?P<things>{_THING})",
)
_COMPILED = tuple(re.compile(p, re.IGNORECASE) for p in _PATTERNS)


@dataclass(frozen=True)
class PerGroup:
    """Each ``entity``'s count of ``counted`` (rows when None), and the statistics asked of them."""

    entity: str
    counted: str | None
    statistics: tuple[str, ...]
    words: str


def _column(word: str, table: dict) -> str | None:
    word = word.lower()
    return next((column for column, words in table.items() if any(re.fullmatch(w, word) for w in words)), "")


def statistic_per_group(view: str) -> PerGroup | None:
    """The per-group statistic the question asks for, or None."""
    for pattern in _COMPILED:
        match = pattern.search(view)
        if match is None:
            continue
        entity = _column(match.group("entity"), _ENTITIES)
        counted = _column(match.group("things"), _THINGS)
        if not entity or counted == "" or counted == entity:
            return None
        statistics = tuple(kind for kind, word in _STATISTICS if word.search(view))
        return PerGroup(entity, counted, statistics or ("avg",), match.group(0))
    return None
