"""Time expressions in Korean and English → a relative window or a bucket size.

"지난 1시간", "최근 30분", "last 2 hours", "past 7 days", "오늘", "yesterday" become a
:class:`Window` (from a :class:`TimePoint` before now, optionally bounded); "시간대별", "5분 단위",
"hourly", "per day" become a :class:`Bucket`. Both are data: the compiler builds their SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# unit word → (canonical unit, minutes per unit)
_UNITS: dict[str, tuple[str, int]] = {
    "분": ("minute", 1), "minute": ("minute", 1), "minutes": ("minute", 1), "min": ("minute", 1),
    "mins": ("minute", 1), "m": ("minute", 1),
    "시간": ("hour", 60), "hour": ("hour", 60), "hours": ("hour", 60), "hr": ("hour", 60),
    "hrs": ("hour", 60), "h": ("hour", 60),
    "일": ("day", 1440), "day": ("day", 1440), "days": ("day", 1440), "d": ("day", 1440),
    "주": ("week", 10080), "주일": ("week", 10080), "week": ("week", 10080), "weeks": ("week", 10080),
}  # fmt: skip
_NUMBER_WORDS = {
    "한": 1, "하루": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "열": 10,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
    "twelve": 12, "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90, "an": 1, "a": 1,
}  # fmt: skip

_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM_RE = r"\d+|" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))

# "지난 1시간", "최근 30분", "지난 7일간", "1시간 동안", "last 2 hours", "past 7 days", "within 30 minutes"
_WORD_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS if len(u) > 1), key=len, reverse=True))
_RELATIVE = re.compile(
    rf"(?:(?:지난|최근|과거|last|past|previous|preceding|prior|trailing|within|in\s+the\s+(?:last|past|trailing))\s*)?"
    # digits take any unit ("2h", "30분"); number words need a spelled-out unit ("two hours", "한 시간")
    # "1-2h ago", "1~2시간 전": a range back in time, as long as its difference
    rf"(?:(?<![a-z0-9])(?:(?P<lo>\d+)\s*[-~–]\s*)?(?P<n>\d+)\s*-?\s*(?P<unit>{_UNIT_RE})"
    rf"|(?<![a-z0-9])(?P<nw>{_NUM_RE})\s+(?P<unitw>{_WORD_UNIT_RE})"
    rf"|(?<![a-z0-9])(?P<nk>한|두|세|네|다섯|여섯|일곱|열)\s*(?P<unitk>시간|분|주(?!세요|십시오|시)|일))"  # "세 주세요": count, please
    rf"(?![a-z])\s*(?:간(?!격)|동안|이내|내|사이|ago)?",
    re.IGNORECASE,
)
# "지난 시간", "last hour", "past day", "this week" (no number)
_SINGLE = re.compile(
    r"(?:지난|최근|last|past|this|previous|preceding|prior|trailing|latest|most recent|recent)\s*(?P<unit>hour|day|week|시간|하루|주|일주일)(?![a-z])"
    r"(?!s?\s*(?:first|on top|부터|순으로|순서))",  # "latest hour first", "최근 시간부터": an order
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimePoint:
    """A moment relative to the query's now: ``amount`` ``unit``s before now, or before the start
    of today when ``from_midnight`` ("어제" starts a day before midnight)."""

    amount: int = 0
    unit: str = "minute"
    from_midnight: bool = False

    @property
    def minutes(self) -> int:
        """How far before now (or midnight) it is, in minutes."""
        return self.amount * _UNITS[self.unit][1]

    @classmethod
    def minutes_ago(cls, minutes: int) -> TimePoint:
        """``minutes`` before now, in the tidiest unit ('25 hours', '7 days')."""
        return cls(*tidy_length(minutes))


_MIDNIGHT = TimePoint(from_midnight=True)
_KEYWORDS: dict[str, tuple[TimePoint, TimePoint | None]] = {
    # phrase → (window start, window end)
    "오늘": (_MIDNIGHT, None),
    "today": (_MIDNIGHT, None),
    "어제": (TimePoint(1, "day", from_midnight=True), _MIDNIGHT),
    "yesterday": (TimePoint(1, "day", from_midnight=True), _MIDNIGHT),
    "일주일": (TimePoint(7, "day"), None),
}


@dataclass(frozen=True)
class Window:
    """``created_at > start`` (and ``< end`` when given)."""

    start: TimePoint
    end: TimePoint | None = None
    #: the matched words, so the parser can skip them when looking for other meaning
    text: str = ""

    #: length in minutes for relative windows (None for calendar ones such as "오늘")
    minutes: int | None = None

    @classmethod
    def last(cls, amount: int, unit: str, text: str = "") -> Window:
        return cls(start=TimePoint(amount, unit), text=text, minutes=amount * _UNITS[unit][1])


def tidy_length(minutes: int) -> tuple[int, str]:
    """The tidiest (amount, unit) of a length: 25 hours, 7 days, 90 minutes."""
    if minutes % 1440 == 0 and minutes >= 2880:
        return minutes // 1440, "day"
    if minutes % 60 == 0:
        return minutes // 60, "hour"
    return minutes, "minute"


@dataclass(frozen=True)
class Bucket:
    """A time bucket: ``unit`` for DATE_TRUNC, and ``minutes`` > 1 for several units per bucket —
    5-/10-/15-minute buckets, or 6-hour ones when ``unit`` is hour (a count of units, despite the
    name, kept for the conversation files that store it)."""

    unit: str  # minute, hour, day, week
    minutes: int = 1
    text: str = ""
    #: taken by the convention for a trend nobody sized ("에러 추이"), and named in the reading
    by_default: bool = False

    @property
    def length_minutes(self) -> int:
        """How long one bucket is, in minutes (a 5-minute bucket: 5; an hourly one: 60)."""
        return self.minutes * _UNITS[self.unit][1]


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMBER_WORDS[token.lower()]


#: "since this time yesterday", "어제 이맘때부터 지금까지": the last 24 hours, not the calendar day
_SINCE_YESTERDAY = re.compile(
    r"(?:since|from|between)\s+(?:this\s+time\s+|the\s+same\s+time\s+)?yesterday(?:\s+(?:to|until|till|and)\s+now)?"
    r"|yesterday\s+(?:to|until|till)\s+now|어제\s*(?:이맘때|이\s*시간|이\s*시각|같은\s*시간)?\s*(?:부터|에서)\s*(?:지금|현재|오늘)?(?:까지)?"
)


def _normalise(question: str) -> str:
    """Lower-case, with day-long spans spelled as windows: "하루치", "하루 동안", "past-day"."""
    lowered = re.sub(r"\b(last|past|previous|trailing|this)\s+(hr|wk)\b",
                     lambda m: f"{m.group(1)} {'hour' if m.group(2) == 'hr' else 'week'}", question.lower())  # fmt: skip
    lowered = _SINCE_YESTERDAY.sub(" last 24 hours ", lowered)
    lowered = re.sub(r"(?<!지난 )(?<!최근 )하루\s*(?:치|동안|사이|간|새)", "지난 하루 ", lowered)
    lowered = re.sub(r"방금\s*(?:전\s*)?(?=(?:한|\d+)\s*시간)", "최근 ", lowered)  # "방금 한 시간"
    lowered = re.sub(r"시간\s*초과", "timeout", lowered)  # a kind of error, not a length of time
    lowered = re.sub(
        r"이번\s*주", "지난 7일", lowered
    )  # "this week": the rolling week, as dashboards show it
    # "그 앞 하루", "the day before that": the preceding period, as long as it says
    lowered = re.sub(r"(그\s*앞|그\s*전|직전|이전|바로\s*앞)\s*(?:의\s*)?하루", r"\1 지난 하루", lowered)
    lowered = re.sub(r"(?:the\s+)?(hour|day|week)\s+before\s+(?:that|it|then)", r"previous \1", lowered)
    lowered = re.sub(  # "against the 24 hours before", "the 7 days before that"
        r"(?:the\s+)?(\d+\s+(?:minutes?|hours?|days?|weeks?))\s+before(?:\s+(?:that|it|then))?(?=\s*(?:[.?!,;]|$|and\b))",
        r"previous \1",
        lowered,
    )
    lowered = re.sub(r"\bthis\s+week\b", "last 7 days", lowered)
    return re.sub(r"\b(past|last|previous|trailing)-(hour|day|week)\b", r"\1 \2", lowered)


def parse_window(question: str) -> Window | None:
    """The time window a question asks about, or None when it names none."""
    lowered = _normalise(question)
    relative = relative_windows(question)
    if relative:  # "today … last 24 hours": the explicit length wins
        return relative[0]
    for phrase, (start, end) in _KEYWORDS.items():
        if phrase in lowered:
            return Window(start=start, end=end, text=phrase)
    return None


def relative_windows(question: str) -> list[Window]:
    """Every "last N units" in the question, in order ("최근 1시간 … 그 전 24시간")."""
    lowered = _normalise(question)
    found: list[tuple[int, Window]] = []
    for match in _RELATIVE.finditer(lowered):
        if _is_bucket_phrase(lowered, match.end()) and not _is_span(lowered, match):
            continue  # "5분 단위" is a bucket, not a window
        if re.search(r"(?:per|every|each)\s*$", lowered[: match.start()]):
            continue  # "errors per 5 min": a bucket size
        if _OFFSET.match(lowered, match.end()):
            continue  # "한 시간 전까지의 24시간": where the window ends, not how long it is
        number = match.group("n") or match.group("nw") or match.group("nk")
        unit_word = match.group("unit") or match.group("unitw") or match.group("unitk")
        unit, _ = _UNITS[unit_word.lower()]
        amount = _number(number)
        if match.group("lo") and int(match.group("lo")) < amount:
            amount -= int(match.group("lo"))
        if unit == "week":
            unit, amount = "day", amount * 7
        found.append((match.start(), Window.last(amount, unit, match.group(0))))
    for single in _SINGLE.finditer(lowered):  # "last hour", "지난 하루": one unit
        word = single.group("unit")
        unit = {"시간": "hour", "하루": "day", "주": "week", "일주일": "week"}.get(word, word)
        amount, unit = (7, "day") if unit == "week" else (1, unit)
        found.append((single.start(), Window.last(amount, unit, single.group(0))))
    return [window for _, window in sorted(found, key=lambda pair: pair[0])]


# what follows a length when it is a bucket size: "5분 단위", "10-minute bins", "ten-minute chunks"
_BUCKET_NOUN = (
    r"(?:단위|간격|마다|씩|별|버킷|구간|buckets?|intervals?|windows?|breakdown|bins?|chunks?|slices?"
    r"|blocks?|periods\b|increments?|steps?|granularity|resolution|segments?)"
)
_BUCKET_SUFFIX = re.compile(rf"\s*{_BUCKET_NOUN}")
#: "the daily health check", "weekly review": a routine the question is for, not a bucket
_NOT_A_ROUTINE = r"(?!\s+(?:[a-z-]+\s+)?(?:health|check|review|report|standup|stand-up|meeting|summary|digest|sync|sanity|ops))"
_BUCKET_WORDS: tuple[tuple[re.Pattern[str], Bucket], ...] = (
    (re.compile(rf"시간대별|시간별|시간당|시간마다|시간 단위|매시간|매 시간|hourly{_NOT_A_ROUTINE}|per hour|by hour|each hour|every hour|hour by hour"),
     Bucket("hour")),
    (re.compile(rf"일별|일자별|날짜별|하루 단위|일 단위|daily{_NOT_A_ROUTINE}|per day|by day|each day|by date|per date|day by day|하루하루|날마다|매일|일일"),
     Bucket("day")),
    (re.compile(r"분별|분 단위|분당|per minute|by minute|each minute|every minute|minutely"), Bucket("minute")),
    (re.compile(rf"주별|주 단위|weekly{_NOT_A_ROUTINE}|per week|by week"), Bucket("week")),
)  # fmt: skip
_MINUTE_COUNT = r"\d+|five|ten|fifteen|twenty|thirty|다섯|열"
_N_MINUTE_BUCKET = re.compile(
    rf"(?<![a-z0-9])(?P<n>{_MINUTE_COUNT})\s*(?:분|-?\s*min(?:ute)?s?|m)\s*{_BUCKET_NOUN}"
    rf"|(?:every|per|each|by|in)\s+(?P<n2>{_MINUTE_COUNT})\s*-?\s*min(?:ute)?s?"
    rf"|(?<![a-z0-9])(?P<n3>{_MINUTE_COUNT})\s*-\s*min(?:ute)?",
    re.IGNORECASE,
)
_HOUR_COUNT = r"\d+|two|three|four|six|eight|twelve|두|세|네|여섯|열두"
#: "6시간 단위", "every 6 hours", "3-hour buckets": buckets of several hours
_N_HOUR_BUCKET = re.compile(
    rf"(?<![a-z0-9])(?P<n>{_HOUR_COUNT})\s*(?:시간|-?\s*hours?|h)\s*{_BUCKET_NOUN}"
    rf"|(?:every|per|each|by)\s+(?P<n2>{_HOUR_COUNT})\s*-?\s*hours?(?![a-z])"
    rf"|(?<![a-z0-9])(?P<n3>{_HOUR_COUNT})\s*-\s*hour(?![a-z])(?!\s*(?:windows?|periods?|span))",
    re.IGNORECASE,
)
_HOUR_WORDS = {"two": 2, "three": 3, "four": 4, "six": 6, "eight": 8, "twelve": 12,
               "두": 2, "세": 3, "네": 4, "여섯": 6, "열두": 12}  # fmt: skip
_MINUTE_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "다섯": 5, "열": 10}


_OFFSET = re.compile(r"\s*(?:전\s*까지|이전(?=\s*(?:\d|한|두|하루)))")  # "한 시간 이전 24시간"


#: a length before a bucket noun that still names a window: "그 직전 24시간 구간", "the prior 24-hour window",
#: "the preceding 60-minute window"
_SPAN_NOUN = re.compile(r"\s*(?:구간|windows?|periods?|span|stretch)")
_BEFORE_A_SPAN = re.compile(r"(?:preceding|previous|prior|last|past|직전|이전|그\s*전|그\s*앞|지난|최근)\s*$")


def _is_span(text: str, match: re.Match[str]) -> bool:
    if not _SPAN_NOUN.match(text, match.end()):
        return False
    before = text[: match.start()] + " " + match.group(0).split()[0]  # the prefix may be part of the match
    return bool(_BEFORE_A_SPAN.search(text[: match.start()]) or _BEFORE_A_SPAN.search(before + " "))


def _is_bucket_phrase(text: str, end: int) -> bool:
    return _BUCKET_SUFFIX.match(text, end) is not None


def series_bucket(window: Window | None) -> Bucket:
    """The bucket of a trend asked without a size: a dozen points or more over its window — 5
    minutes up to an hour, hours up to two days, days up to two months, weeks beyond (a calendar
    window, "오늘", reads in hours; no window at all, in days)."""
    minutes = window.minutes if window is not None else None
    if minutes is None:
        minutes = 1440 if window is not None else 43200
    if minutes <= 60:
        return Bucket("minute", minutes=5, by_default=True)
    for limit, unit in ((2880, "hour"), (86400, "day")):
        if minutes <= limit:
            return Bucket(unit, by_default=True)
    return Bucket("week", by_default=True)


def _hour_bucket(lowered: str) -> Bucket | None:
    """ "6시간 단위", "every 6 hours": buckets of several hours (one hour is "hourly"; "the 6-hour
    window" is a length, not a bucket)."""
    match = _N_HOUR_BUCKET.search(lowered)
    if match is None or _SPAN_NOUN.search(match.group(0)):
        return None
    token = match.group("n") or match.group("n2") or match.group("n3")
    count = int(token) if token.isdigit() else _HOUR_WORDS[token]
    if count <= 1 or (count % 24 == 0 and count != 24):
        return None
    if count == 24:
        return Bucket("day", text=match.group(0))
    return Bucket("hour", minutes=count, text=match.group(0))


def parse_bucket(question: str) -> Bucket | None:
    """The time bucket a question groups by ("5분 단위", "hourly"), or None."""
    lowered = re.sub(r"\b(per|by|each|every)-(?=[a-z])", r"\1 ", question.lower())  # "per-hour"
    match = _N_MINUTE_BUCKET.search(lowered)
    if match and _BEFORE_A_SPAN.search(lowered[: match.start()]) and _SPAN_NOUN.search(match.group(0)):
        match = None  # "the preceding 60-minute window": a window, not a bucket size
    if match:
        token = match.group("n") or match.group("n2") or match.group("n3")
        minutes = int(token) if token.isdigit() else _MINUTE_WORDS[token]
        if minutes in (60,):
            return Bucket("hour", text=match.group(0))
        return Bucket("minute", minutes=max(1, minutes), text=match.group(0))
    hours = _hour_bucket(lowered)
    if hours is not None:
        return hours
    for pattern, bucket in _BUCKET_WORDS:
        found = pattern.search(lowered)
        if found:
            return Bucket(bucket.unit, bucket.minutes, text=found.group(0))
    return None


def blank_lengths(text: str) -> str:
    """``text`` with every length of time blanked ("last 24 hours", "5분 단위", "every 10 min"),
    so what is left of its numbers is not a window's or a bucket's."""
    lowered = text.lower()
    for pattern in (_RELATIVE, _N_MINUTE_BUCKET, _N_HOUR_BUCKET):
        lowered = pattern.sub(lambda m: " " * len(m.group(0)), lowered)
    return lowered
