"""The words the offline parser understands, Korean and English side by side.

Each entry names a concept (a measure, a dimension, an intent), not a question: any phrasing that
uses these words is understood the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(phrases: Iterable[str]) -> str:
    """The phrases as one regex alternation, longest first, so "error types" wins over "error"."""
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


def words(*phrases: str) -> re.Pattern[str]:
    """A pattern matching any phrase; English phrases only on ASCII word boundaries."""
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):  # longest first: "chronological order"
        escaped = re.escape(phrase).replace(r"\ ", r"\s*")
        parts.append(rf"(?<![a-z]){escaped}(?![a-z])" if phrase.isascii() else escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


ERROR = words(
    "에러",
    "오류",
    "error",
    "errors",
    "실패",
    "failure",
    "failures",
    "failed",
    "fail",
    "fails",
    "exception",
    "exceptions",
    "장애",
    "문제",
    "터졌",
    "터진",
    "터짐",
    "erroring",
    "errored",
    "failing",
)
FATAL = words("fatal", "치명", "크리티컬", "critical")
WARN = words("경고", "warning", "warnings", "warn")
LATENCY = words(
    "응답시간",
    "응답 시간",
    "latency",
    "latencies",
    "avg ms",
    "평균 ms",
    "ms",
    "밀리초",
    "sluggish",
    "굼뜬",
    "response time",
    "response times",
    "duration",
    "처리 시간",
    "처리시간",
    "소요 시간",
    "소요시간",
    "느린",
    "slow",
    "slowest",
    "slower",
    "빠른",
    "fastest",
    "faster",
    "지연",
    "느렸",
    "느려",
    "빨랐",
    "빨라",
    "레이턴시",
    "응답 속도",
    "long-running",
    "longest-running",
    "최장",
    "길었",
    "걸린 시간",
    "걸린 평균",
    "took",
    "오래 걸",
    "성능",
    "performance",
    "밀리초",
    "average time",
    "mean time",
    "평균 시간",
    "avg time",
    "time spent",
    "time taken",
    "평균 응답",
    "avg 응답",
    "응답 평균",
    "속도",
    "speed",
)
COUNT = words(
    "몇 건",
    "몇건",
    "몇 개",
    "몇개",
    "몇 번",
    "몇번",
    "건수",
    "횟수",
    "개수",
    "갯수",
    "numbers",
    "how many",
    "count",
    "counts",
    "수 알려",
    "수를",
    "수가",
    "수는",
    "number of",
    "얼마나 많",
    "얼마나 발생",
    "총",
    "total",
    "volume",
    "세고",
    "세어",
    "세서",
    "세줘",
    "세 줘",
    "#",
)
# "요청 수", "에러 수와": a count; not "볼 수 있", "수정"
COUNT = re.compile(COUNT.pattern + r"|\s수(?:와|과|랑|도|만)?(?![가-힣])(?!\s*(?:있|없))", re.IGNORECASE)
DISTINCT_USERS = words(
    "몇 명",
    "몇명",
    "사용자 수",
    "유저 수",
    "사용자수",
    "how many users",
    "number of users",
    "distinct users",
    "unique users",
    "how many customers",
    "different users",
    "how many different users",
    "number of different users",
    "distinct user",
    "user 수",
    "unique user",
    "user count",
    "unique 유저",
    "unique 사용자",
    "unique 고객",
    "고유 사용자",
    "고유 유저",
    "고유 고객",
    "고유 user_id",
    "unique user_id",
    "unique user_ids",
    "distinct user_id",
    "distinct user_ids",
    "유니크 user_id",
    "활성 사용자",
    "활성 유저",
    "활성 고객",
    "active users",
    "active user count",
    "daily active users",
    "dau",
)
# "number of distinct affected users", "how many unique customers", "affected user count"
_USER_ADJECTIVE = r"(?:distinct|unique|different|affected|impacted|individual|separate|active|real|logged-in)"
DISTINCT_USERS = re.compile(
    DISTINCT_USERS.pattern
    + rf"|(?<![a-z])(?:number|count|how\s+many)\s+(?:of\s+)?(?:{_USER_ADJECTIVE}\s+){{0,2}}(?:users|customers)(?![a-z])"
    rf"|(?<![a-z])(?:distinct|unique|different)\s+(?:{_USER_ADJECTIVE}\s+)?(?:users|customers)(?![a-z])"
    r"|(?<![a-z])(?:affected|impacted)\s+(?:users?|customers?)\s+counts?(?![a-z])"
    r"|(?<![a-z])(?:with|and|plus)\s+(?:the\s+)?(?:number\s+of\s+)?(?:affected|impacted)\s+(?:users|customers)(?![a-z])"
    r"|#\s*(?:of\s+)?(?:users|customers)(?![a-z])"
    r"|(?:영향|피해)\S*\s*(?:받은|입은)?\s*(?:사용자|유저|고객)\s*수"
    r"|(?:사용자|유저|고객)\S{0,2}\s*몇\s*분(?!\s*(?:간|동안|전|단위|마다|씩|별|이내))",
    re.IGNORECASE,
)
#: an explicit request for one row per user, which a user count never is
PER_USER = words(
    "사용자별", "유저별", "고객별", "per user", "by user", "each user", "for each user", "per customer"
)
USERS = words("사용자", "유저", "고객", "user", "users", "customer", "customers")
SESSIONS = words("세션", "session", "sessions")
RATE = words(
    "비율",
    "비중",
    "퍼센트",
    "전환율",
    "percentage",
    "percent",
    "share",
    "ratio",
    "rate",
    "%",
    "conversion",
    "portion",
    "proportion",
    "fraction",
)
ERROR_RATE = words("에러율", "에러 비율", "오류율", "실패율", "error rate", "failure rate", "error ratio",
                   "percentage of errors", "에러 비중")  # fmt: skip
AVERAGE = words("평균", "average", "averaging", "averaged", "avg", "mean")
SUM = words("합계", "총합", "합산", "총액", "sum of", "summed", "total amount", "total value")
MEDIAN = words(
    "중앙값",
    "중간값",
    "typical (middle)",
    "middle",
    "typical",
    "median",
    "p50",
    "50th",
    "50 percentile",
    "50 퍼센타일",
    "50번째",
)
P95 = words(
    "p95",
    "95퍼센타일",
    "95 퍼센타일",
    "95%",
    "95th",
    "95번째",
    "95 percentile",
    "95% of calls",
    "95% of requests",
    "느린 쪽 95%",
    "95th percentile",
    "95 백분위",
    "95번째 백분위",
)
#: any percentile by its number: "p90", "p75", "90th percentile", "90퍼센타일" (p50/p95/p99 have
#: their own words above)
PERCENTILE = re.compile(
    r"(?<![a-z0-9])p(?P<p>[1-9]\d?)(?![0-9])"
    r"|(?<![0-9.])(?P<q>[1-9]\d?)\s*(?:th|st|nd|rd)?\s*(?:percentile|퍼센타일|백분위(?:수)?)",
    re.IGNORECASE,
)


def percentiles_asked(text: str) -> list[tuple[int, re.Match[str]]]:
    """The percentiles a question names by number, as (percent, match), in its order."""
    return [(int(m.group("p") or m.group("q")), m) for m in PERCENTILE.finditer(text)]


P99 = words(
    "p99",
    "99퍼센타일",
    "99 퍼센타일",
    "99%",
    "99th",
    "99 percentile",
    "99% of calls",
    "99% of requests",
    "99th percentile",
    "99번째",
    "99 백분위",
    "99번째 백분위",
)
MAXIMUM = words(
    "최대",
    "최댓값",
    "최대값",
    "max",
    "maximum",
    "가장 오래",
    "longest",
    "peak",
    "worst response",
    "worst-case",
    "worst single",
    "single worst",
    "single longest",
    "slowest single",
    "single slowest",
)
#: the maximum named as the statistic itself, not a ranking's "가장 오래 걸린 엔드포인트"
MAXIMUM_STATISTIC = words("최댓값", "최대값", "maximum", "max", "single longest", "longest single", "single slowest",
                          "slowest single", "single worst", "worst single")  # fmt: skip
# not the "min" of "60 min", a length of time
MINIMUM = re.compile(
    r"(?<!\d)(?<!\d )(?:" + words("최소", "min", "minimum", "가장 짧", "shortest").pattern + ")",
    re.IGNORECASE,
)
MOST = words(
    "가장 많",
    "제일 많",
    "가장 자주",
    "제일 자주",
    "많이 발생",
    "most",
    "top",
    "상위",
    "highest",
    "worst",
    "busiest",
    "가장 긴",
    "제일 긴",
    "가장 느린",
    "제일 느린",
    "가장 느렸",
    "제일 느렸",
    "가장 오래",
    "제일 오래",
    "가장 길었",
    "제일 길었",
    "longest-running",
    "most sluggish",
    "가장 굼뜬",
    "제일 굼뜬",
    "최장",
    "긴 순",
    "느린 순",
    "slowest",
    "longest",
    "가장 높",
    "큰 순",
    "많은 순",
    "순위",
    "rank",
    "젤 느린",
    "젤 긴",
    "젤 많",
    "젤 높",
)
MOST_FREQUENT = words(
    "가장 많",
    "제일 많",
    "많이 발생",
    "많이 났",
    "많이 난",
    "자주 발생",
    "자주 나",
    "most frequent",
    "most common",
    "the most",
    "busiest",
    "젤 많",
)
COMPARE = words(
    "비교",
    "대비",
    "compare",
    "compared",
    "comparison",
    "versus",
    "against",
    "side by side",
    "나란히",
    "apiece",
    "vs",
    "between",
    "별로",
    "each of",
    "각",
    "각각",
)
GROUPING = words("별", "마다", "나눠", "나누어", "by", "per", "each", "which", "what", "breakdown", "split")
STATUS_CLASS = re.compile(
    r"([45])xx|([45])00번대|(?<![a-z])(server|서버)[\s-]*(?:error|에러|오류)"
    r"|status(?:[\s_]*code)?s?\s*(?:of|is|>=|≥|가|이|는)?\s*([45])00\s*(?:or more|or above|and above|or higher|or greater|and up|이상|\+)"
    r"|status(?:[\s_]*code)?s?\s*(?:>=|≥|=>|at least|of at least)\s*([45])00"
    r"|(?:codes?|responses?|statuses|status)\s+in\s+the\s+([45])00s"
    r"|(?<!\d)([45])00[\s-]*(?:something|ish|range|level|series|class|대)|(?<!\d)([45])00s(?![a-z])",
    re.IGNORECASE,
)
TRACE_WORD = words(
    "trace",
    "traces",
    "트레이스",
    "전체 흐름",
    "whole flow",
    "end to end",
    "end-to-end",
    "that one attempt",
    "that one request",
    "that single request",
    "그 한 번의 요청",
    "그 요청 하나",
)
# one request followed across both sides: "화면부터 서버까지", "from the screen through the servers",
# "started in the web app and ended up failing on the backend"
TRACE_WORD = re.compile(
    TRACE_WORD.pattern
    + r"|(?:화면|브라우저|프론트|frontend|screen|browser|web app|app)\S*\s*(?:부터|에서|through|to|all the way)\s*.{0,20}"
    r"(?:서버|backend|servers?)\s*(?:까지|쪽|side)?"
    r"|(?:시작|start(?:ed|ing)?)\S*\s.{0,40}(?:끝난|끝났|끝나|ended|end(?:ed)? up|ending)",
    re.IGNORECASE,
)
PREVIOUS = words(
    "직전",
    "앞선",
    "앞의",
    "그보다",
    "그 전",
    "그전",
    "이전",
    "지난번",
    "전 시간",
    "before it",
    "before that",
    "the hour before",
    "previous",
    "prior",
    "earlier",
    "than before",
    "preceding",
    "그 앞",
    "앞 시간",
    "the hour prior",
    "hour prior",
    "바로 앞",
    "바로 전",
    "전까지",
)
IN_ORDER = words(
    "순서대로",
    "시간순",
    "차례대로",
    "in order",
    "in the order",
    "chronological",
    "chronologically",
    "replay",
    "step by step",
    "walk me through",
    "timeline",
    "타임라인",
    "오래된 순",
    "asc",
    "ascending",
    "oldest first",
    "play back",
    "from start to finish",
    "처음부터 끝까지",
    "chronological order",
    "oldest first",
    "earliest first",
    "in time order",
    "time order",
    "시간 순서",
    "시간순서",
    "오름차순",
    "오래된 것부터",
    "오래된 거부터",
    "먼저 일어난 것부터",
    "일어난 순",
    "발생 순",
)
REQUEST_COUNT = words(
    "요청 수",
    "요청수",
    "요청 건수",
    "호출 수",
    "request count",
    "number of requests",
    "requests",
    "reqs",
    "req수",
    "request volume",
    "요청량",
    "호출량",
    "call volume",
    "number of calls",
)
REQUEST_COUNT = re.compile(
    REQUEST_COUNT.pattern + r"|요청\S{0,2}\s*몇\s*(?:건|개|번)", re.IGNORECASE
)  # "요청이 몇 건"
_COUNT_NUMBER = (
    r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
)
AT_LEAST_TIMES = re.compile(
    rf"{_COUNT_NUMBER}\s*(?:번|회|건|times?|errors?)?\s*(?P<op>이상|넘게|초과|or more|or above|and up|\+|또는\s*그\s*이상)"
    r"(?!\s*(?:ms|초|s\b|sec|분|min))"
    rf"|(?:at least|>=|≥|more than|over|적어도|최소)\s*{_COUNT_NUMBER}\s*(?:errors?|times?|번|회|차례"
    r"|(?:log\s+)?lines|logs|log\s+entries|entries|events|rows|records|requests|calls)(?![a-z])"
    r"|(?:at least|more than|적어도|최소)\s+(twice|once)(?![a-z])",  # "at least twice"
    re.IGNORECASE,
)
#: what happens in a browser: a user's activity "on the web pages" is their front-end journey
WEB_SIDE = words("web page", "web pages", "on the web", "in the browser", "browser", "웹 페이지", "웹페이지",
                 "web app", "frontend")  # fmt: skip
PAGE = words("페이지", "화면", "page", "pages", "screen")
LEAST = words("가장 적", "제일 적", "least", "fewest", "lowest", "가장 빠른", "제일 빠른", "fastest",
              "가장 낮")  # fmt: skip
LISTING = words("목록", "리스트", "list", "로그", "logs", "메시지", "messages", "내역", "기록", "records",
                "entries", "show me the", "무슨 일", "what happened", "어떤 일", "journey", "여정", "흐름",
                "timeline", "타임라인", "trace", "추적", "history", "활동", "activity", "events", "이벤트")  # fmt: skip
FIRST_LAST = words(
    "처음과 마지막",
    "최초와 마지막",
    "처음/마지막",
    "first and last",
    "first/last",
    "시작/종료",
    "시작과 종료",
    "started and ended",
    "start and end",
    "first seen",
    "last seen",
    "처음 발생",
    "마지막 발생",
    "최초/최종",
    "start, end",
    "언제 시작",
    "언제 끝",
    "began",
    "when it began",
    "first/last timestamps",
    "first and last time",
    "when each started",
    "시작 시각",
    "종료 시각",
    "시작 시간",
    "종료 시간",
    "when it ended",
    "언제 들어",
    "언제 나갔",
    "언제 나왔",
    "들어오고 나간",
    "when it started",
    "when they started",
    "when they ended",
    "최초 발생",
    "최종 발생",
    "first error",
    "last error",
)
# "start (min created_at) and end (max created_at)", "시작(최초)과 끝": a note may sit between
FIRST_LAST = re.compile(
    FIRST_LAST.pattern
    + r"|(?<![a-z])(?:start|begin|beginning|started|began|first)(?:\s*\([^)]*\))?\s*(?:and|&|/|,|to)\s*"
    r"(?:end|ending|ended|finish|finished|last)(?![a-z])"
    r"|(?<![a-z])min(?:imum)?\s*\(?\s*created_at\s*\)?.{0,40}max(?:imum)?\s*\(?\s*created_at"
    r"|(?:첫|처음|최초)\s*\S{0,6}\s*(?:시각|시간).{0,20}(?:마지막|최종|끝)\s*\S{0,6}\s*(?:시각|시간)"
    r"|(?:처음|최초)\s*[,·]\s*(?:마지막|최종)",  # "처음, 마지막으로 보인 시각"
    re.IGNORECASE,
)
HOW_LONG = words(
    "how long",
    "얼마나 걸",
    "얼마나 오래",
    "몇 초",
    "how slow",
    "how fast",
    "how quick",
    "how quickly",
    "얼마나 빨",
    "얼마나 느",
    "몇 ms",
    "몇 밀리초",
    "average time",
    "mean time",
    "평균 시간",
)
LAST_ONE = words("마지막", "최근", "last", "latest", "most recent", "recent")
REQUESTS = words("요청", "request", "requests", "호출", "calls", "트래픽", "traffic", "hits")
TREND = words("추이", "추세", "트렌드", "trend", "over time", "시계열", "변화")

#: dimension column → words that ask to group by it
DIMENSIONS: dict[str, re.Pattern[str]] = {
    "service": words("서비스별", "서비스마다", "서비스 별", "어느 서비스", "어떤 서비스", "무슨 서비스",
                     "which service", "which services", "per service", "by service", "each service",
                     "services", "서비스들"),
    "error_type": words("에러 유형", "에러유형", "에러 종류", "에러종류", "오류 유형", "오류 종류", "어떤 에러",
                        "무슨 에러", "어떤 오류", "error type", "error types", "which error", "which errors",
                        "what errors", "what error", "kinds of error", "types of error", "예외 종류"),
    "path": words("엔드포인트", "endpoint", "endpoints", "api별", "어느 api", "어떤 api", "which api",
                  "apis", "경로별", "어느 경로", "페이지별", "어느 페이지", "어떤 페이지",
                  "which page", "which pages", "pages", "per page", "each page", "by page", "페이지마다",
                  "each endpoint", "by endpoint", "per endpoint", ),
    "function_name": words("함수", "function", "functions", "어느 코드", "which code"),
    "user_id": words("user_ids", "user ids", "users w/", "users with", "users hit", "customers hit", "users who hit", "users who got",
                     "users who saw", "users who experienced", "users who ran into", "customers impacted", "impacted users", "users impacted", "affected customers", "사용자별", "유저별", "per user", "by user", "each user", "which users", "사용자 목록",
                     "유저 목록", "list of users", "users list", "affected users", "users affected", "show the users",
                     "영향받은 사용자", "영향 받은 사용자", "어떤 사용자", "어느 사용자", "누가", "who"),
    "environment": words("환경별", "환경마다", "by environment", "per environment", "each environment",
                         "which environment"),
    "service_version": words("버전별", "버전마다", "by version", "per version", "each version", "versions",
                             "어느 버전", "which version", "버전 간", "버전"),
    "level": words("레벨별", "로그 레벨", "by level", "per level", "severity", "심각도"),
    "method": words("메서드별", "메소드별", "by method", "per method", "http method"),
    "action_type": words("액션별", "행동별", "액션 유형", "action type", "by action", "per action", "어떤 행동"),
    "log_type": words("로그 타입별", "소스별", "by source", "per source", "log type"),
    "session_id": words("세션별", "세션 목록", "세션마다", "per session", "each session", "by session",
                        "sessions from", "list of sessions", "sessions list", "'s sessions", "세션들"),
}  # fmt: skip

#: words → values searched in paths: "결제" flows span the checkout page and the payment API
FLOW_CONCEPTS: dict[str, tuple[str, ...]] = {
    "payment": ("checkout", "payment"),
    "checkout": ("checkout",),
    "order": ("order",),
    "login": ("login",),
    "cart": ("cart",),
    "search": ("search",),
}

#: "order" as sorting, not as a flow: "in the order it happened", "order by count"
_ORDERING = re.compile(r"(?<![a-z])(?:(?:in|by)\s+(?:[a-z]+\s+){0,2}order|order(?:ed)?\s+by)(?![a-z])")


def flows_named(text: str) -> list[tuple[str, str]]:
    """The business flows a question names, as (flow word, the words that named it): "login
    requests", "결제" (glossed "payment"), not "cart_total" nor "in time order"."""
    text = _ORDERING.sub(" ", IN_ORDER.sub(" ", text))
    text = re.sub(r"(?<![a-z0-9])/[a-z0-9_/{}.-]+", lambda m: " " * len(m.group(0)), text)  # paths
    found = []
    for word in FLOW_CONCEPTS:
        match = re.search(
            rf"(?<![a-z_-]){word}(?:s|-related)?(?![a-z_])(?!-(?:api|service|svc|worker|app))", text
        )
        if match is not None:
            found.append((word, match.group(0)))
    return found


NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "once": 1,
    "twice": 2,
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
}
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)"
NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty)"
TOP_N = re.compile(
    rf"(?:top|상위|하위|탑|bottom|up to|at most|limit|max|maximum of|최대)\s*{_NUMBER}(?![a-z])"
    rf"|(?<![a-z])(?:latest|last|newest|most recent|first|slowest|fastest|oldest)\s+{_NUMBER}(?![a-z0-9])(?!\s*-?\s*(?:hours?|minutes?|mins?|days?|weeks?|h|m|d)(?![a-z]))"
    rf"|{_NUMBER}\s*(?:max|rows|entries|lines|results|items|줄|행)(?![a-z])"
    r"|(\d+)\s*(?:개|곳|가지|위|명|건만|개만|건(?!\s*(?:이상|넘|초과)))"
    r"|(?:한|두|세|네|다섯|열)\s*(?:개|곳|가지|명|건)"
    rf"|{_NUMBER}\s+(?:slowest|fastest|most|busiest|worst|highest|lowest|largest|biggest|top|users|services|"
    r"endpoints|errors|pages|apis|paths|functions|function names|requests|longest|longest-running|longest-lasting|"
    r"kinds|types|names)"
    # "which 3 function_names", "the ten busiest …": a count before any noun but a time unit
    rf"|(?<![a-z])(?:only|just)\s+{_NUMBER}\s+(?:of\s+them|of\s+those|results?|rows?|entries|items)(?![a-z])"
    rf"|(?<![a-z])(?:which|what|the)\s+(?!one\b){_NUMBER}\s+(?!(?:hours?|minutes?|mins?|days?|weeks?|seconds?|ms|h|m|d|s)(?![a-z_]))[a-z_]",
    re.IGNORECASE,
)


#: bare nouns naming a dimension, for lists such as "서비스·함수별", "by service and endpoint"
DIMENSION_NOUNS: dict[str, tuple[str, ...]] = {
    "service": ("서비스", "service", "services"),
    "function_name": ("함수", "function", "functions", "function_name"),
    "path": ("엔드포인트", "endpoint", "endpoints", "api", "apis", "경로", "path", "paths", "페이지", "page", "화면",
             "pages", "url", "urls", "screen", "screens", "api 경로", "api path", "api paths", "api 주소"),
    "user_id": ("사용자", "유저", "고객", "user", "users", "customer", "customers", "user_id"),
    "environment": ("환경", "environment", "environments", "env"),
    "service_version": ("버전", "version", "versions", "service_version", "release", "releases",
                        "service version", "service versions"),
    "level": ("레벨", "level", "levels", "severity", "심각도"),
    "method": ("메서드", "메소드", "method", "methods", "verb", "verbs", "http verb", "http verbs", "http method",
               "http methods", "http 메서드", "http 메소드"),
    "session_id": ("세션", "session", "sessions", "session_id"),
    "error_type": ("에러 유형", "에러 종류", "오류 유형", "오류 종류", "에러 타입", "오류 타입", "에러 type", "오류 type",
                   "유형", "종류", "error type", "error types",
                   "error_type", "type", "types"),
    "action_type": ("액션", "행동", "action", "actions", "action_type"),
    "log_type": ("로그 타입", "log type", "log_type"),
    "message": ("메시지", "message", "messages", "사유", "이유", "reason", "reasons"),
    "file_path": ("파일", "소스 파일", "file", "files", "source file", "source files", "file path", "file paths",
                  "file_path"),
}  # fmt: skip
#: the bare words for a type, whose column is the thing they qualify (:func:`type_column`)
TYPE_WORDS = ("type", "types", "유형", "종류", "타입")
LIST_SEPARATOR = r"\s*(?:·|,|/|&|\+|×|랑|이랑|와|과|하고|및|\band\b)\s*"
GROUP_SUFFIX = r"\s*(?:별|단위|마다|당)"
GROUP_PREFIX = r"(?<![a-z])(?:by|per|for each|for every|each|every|which|what|rank|between|across(?!\s+how)|어떤|어느|각)\s+"
#: up to two words between a grouping word and its noun ("by the user's browser"), themselves no nouns
GROUP_FILLER = r"(?:[\w-]+\s+|[\w-]+'s\s+)"

#: what a bare "type" qualifies, when not errors: the action right before it ("user actions of
#: each type", "액션 유형별") or right after it ("each type of action")
_ACTION_BEFORE = re.compile(r"(?:actions?|액션|행동)\S*\s+(?:(?:of|by|per|for)\s+)?(?:each\s+|every\s+)?$")
_ACTION_AFTER = re.compile(r"s?\s+of\s+(?:user\s+)?actions?(?![a-z])")


def type_column(text: str, start: int, end: int) -> str | None:
    """The column a bare "type" (at ``start:end`` of ``text``) names: ``action_type`` after or before an action noun,
    ``error_type`` in a question about errors, otherwise none (the word names no column)."""
    if _ACTION_BEFORE.search(text[max(0, start - 40) : start]) or _ACTION_AFTER.match(text, end):
        return "action_type"
    about_errors = ERROR.search(text) or re.search(r"[a-z](?:error|exception)s?(?![a-z])", text)
    return "error_type" if about_errors else None  # "NetworkError + TypeError by page & type"


#: the counted things of "how many distinct X" / "X가 몇 종류": identifier-like columns
COUNTABLE = {
    "error_type": ("error types", "error type", "에러 type", "오류 type", "error_type", "에러 타입", "에러 유형", "에러 종류", "오류 유형", "오류 종류",
                   "오류 타입", "types of error", "kinds of error"),
    "session_id": ("sessions", "session", "세션"),
    "user_id": ("users", "user", "사용자", "유저", "고객", "customers"),
    "trace_id": ("traces", "trace", "트레이스", "trace_id"),
    "service": ("services", "service", "서비스"),
    "path": ("endpoints", "endpoint", "paths", "path", "엔드포인트", "경로", "pages", "페이지"),
    "function_name": ("functions", "function", "함수"),
    "message": ("messages", "message", "메시지"),
}  # fmt: skip
DISTINCT = r"(?:distinct|different|unique|서로\s*다른|고유한?)"

_THRESHOLD_NUMBER = (
    r"(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
)
_THRESHOLD_OP = r"(?P<op>이상|넘게|넘는|넘은|초과)"
_COUNT_WORD = r"\s*(?:개|곳|명|가지|군데)?\s*"


def _distinct_threshold_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """ "세 개 이상 서비스에서", "서비스 3개 이상", "at least three different services", "3 or more pages"."""
    found = []
    for column, nouns in COUNTABLE.items():
        noun = alternation(nouns)
        for pattern in (
            rf"{_THRESHOLD_NUMBER}{_COUNT_WORD}{_THRESHOLD_OP}\s*(?:의\s*)?(?:{DISTINCT}\s*)?(?:{noun})(?![a-z])",
            rf"(?<![a-z])(?:{noun})\s*(?:를|을|가|이)?\s*{_THRESHOLD_NUMBER}{_COUNT_WORD}{_THRESHOLD_OP}",
            rf"(?<![a-z])(?P<op>at least|more than|over|no fewer than)\s+{_THRESHOLD_NUMBER}\s+"
            rf"(?:{DISTINCT}\s+|separate\s+)?(?:{noun})(?![a-z])",
            rf"(?<![a-z]){_THRESHOLD_NUMBER}\s+or\s+more\s+(?:{DISTINCT}\s+|separate\s+)?(?:{noun})(?![a-z])",
        ):
            found.append((column, re.compile(pattern, re.IGNORECASE)))
    return tuple(found)


DISTINCT_THRESHOLDS = _distinct_threshold_patterns()


#: every one of two values: "both a NetworkError and a DatabaseConnectionError", "mobile이랑
#: desktop 둘 다", "양쪽 환경에서"; "both counts" asks for two numbers instead
BOTH = re.compile(
    r"(?<![a-z])both(?![a-z])(?!\s+(?:[a-z]+\s+)?(?:counts?|numbers?|figures?|totals?)(?![a-z]))|둘\s*다|양쪽",
    re.IGNORECASE,
)
#: "both counts", "both user counts": the two numbers of an answer (a presentation word)
BOTH_COUNTS = re.compile(r"(?<![a-z])both\s+(?:[a-z]+\s+)?(?:counts?|numbers?|figures?|totals?)(?![a-z])")

#: nouns that name output columns, for questions that list the columns they want
COLUMN_NOUNS = (
    "시각", "시간", "time", "timestamp", "log_type", "log type", "로그 종류", "로그 타입", "서비스", "service",
    "path", "경로", "레벨", "level", "메시지", "message", "에러 유형", "에러타입", "에러 타입", "error type",
    "error_type", "trace_id", "trace id", "method", "메서드", "소요시간", "duration", "action", "액션",
    "severity", "심각도", "source", "source type", "ts", "page", "페이지", "user action", "what they did",
    "endpoint", "엔드포인트", "http method", "http 메서드", "log level", "로그 레벨", "user_id", "user id",
    "duration_ms", "status code", "상태 코드", "environment", "환경", "service_version", "버전", "function_name",
    "함수", "발생 시각", "created_at", "session_id", "세션", "function name", "함수명", "function",
)  # fmt: skip
GROUP_WORD = re.compile(r"별|마다|(?<![a-z])(?:by|per|for each|breakdown|group)(?![a-z])", re.IGNORECASE)
