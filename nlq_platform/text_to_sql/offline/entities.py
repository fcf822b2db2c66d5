"""Entity linking: the words of a question → values that exist in the data.

Values come from the value catalog (what is really in the table), never from a list of expected
questions: "payment api", "결제 API" and "payment-api" all link to the catalog's ``payment-api``;
"타임아웃 에러" and "timeouts" to ``TimeoutError``. Identifiers (user ids, trace ids) and numeric
thresholds ("1초 넘은", "over 500 ms") are recognised by their shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ingest_service import enums
from nlq_platform.text_to_sql.offline.lexicon import DIMENSION_NOUNS

#: Korean (and a few English) domain words → the English words values are spelled with.
GLOSSARY: dict[str, str] = {
    "결제": "payment", "지불": "payment", "주문": "order", "로그인": "login", "인증": "authentication",
    "검색": "search", "재고": "inventory", "인벤토리": "inventory", "장바구니": "cart", "카트": "cart", "상품": "products",
    "제품": "products", "체크아웃": "checkout", "타임아웃": "timeout", "시간 초과": "timeout",
    "시간초과": "timeout", "데이터베이스 연결": "database connection", "db 연결": "database connection",
    "디비 연결": "database connection", "db connection": "database connection",
    "결제 거절": "payment declined", "결제 거부": "payment declined", "거절": "declined",
    "유효성": "validation", "검증": "validation", "네트워크": "network", "타입": "type",
    "워커": "worker", "웹 앱": "web app", "웹앱": "web app", "브라우저": "browser", "상태 코드": "status code", "웹에서": "frontend", "웹": "web", "프론트": "frontend", "백엔드": "backend",
    "프로덕션": "production", "운영": "production", "스테이징": "staging", "개발": "development",
    "클릭": "click", "제출": "submit", "페이지 이동": "navigate", "페이지뷰": "view", "화면 조회": "view",
    "timeouts": "timeout", "timed out": "timeout", "submissions": "submit", "submission": "submit",
    "form submits": "submit", "page views": "view", "pageviews": "view", "clicks": "click",
    "프론트엔드": "frontend", "백엔드 서비스": "backend", "front-end": "frontend", "front end": "frontend",
    "back-end": "backend", "back end": "backend", "client-side": "frontend", "server-side": "backend",
    "커넥션": "connection", "고객 수": "user count", "고객수": "user count", "db 커넥션": "database connection",
    "디비 커넥션": "database connection", "in the browser": "in the frontend", "server side": "backend",
    "웹 화면": "frontend", "웹화면": "frontend", "브라우저 쪽": "frontend",
    "유니크": "unique",
    # the words of people who do not know the schema
    "결제 서비스": "payment-api", "결제 시스템": "payment-api", "payment system": "payment-api",
    "payments system": "payment-api", "주문 서비스": "order-api", "주문 시스템": "order-api",
    "order system": "order-api", "orders system": "order-api", "실서비스": "production", "live": "production",
    "tracking id": "trace_id", "추적 id": "trace_id", "추적 아이디": "trace_id",
    "trailing": "last", "시스템마다": "서비스마다", "시스템별": "서비스별", "시스템": "서비스", "system": "service",
    "systems": "services", "주소": "path", "address": "path", "addresses": "paths", "call type": "method",
    "호출 방식": "method", "seriousness level": "level", "seriousness": "level", "visits": "sessions",
    "접속 세션": "session", "parts of the code": "functions", "part of the code": "function",
    "which part": "which function", "기능": "function", "kinds of problems": "error types",
    "kind of problem": "error type", "went wrong": "errors", "go wrong": "errors", "ran into a problem": "had errors",
    "problems": "errors", "fatal crashes": "fatal", "치명적인 오류": "fatal", "치명적 오류": "fatal",
    "time out": "timeout", "timing out": "timeout", "times out": "timeout", "추적 번호": "trace_id",
    "주문결제": "checkout", "방문": "session",
    "웹사이트": "frontend", "웹 사이트": "frontend", "website": "frontend", "web site": "frontend",
    "our site": "frontend", "the site": "frontend", "서버 쪽": "backend", "서버쪽": "backend",
    "on a server": "on the backend", "on the server": "on the backend", "on the servers": "on the backend",
    "화면에서 시작": "frontend 시작", "결제 화면": "checkout page", "결제 페이지": "checkout page",
    "payment page": "checkout page", "payment screen": "checkout page",
    "사파리": "safari", "크롬": "chrome", "파이어폭스": "firefox", "삼성 인터넷": "samsung internet",
    "삼성인터넷": "samsung internet", "엣지": "edge", "아이폰": "ios", "안드로이드": "android",
    "모바일": "mobile", "데스크톱": "desktop", "데스크탑": "desktop", "route": "endpoint",
    "routes": "endpoints", "라우트": "엔드포인트", "응답 코드": "status code", "상태 코드값": "status code",
    "http status code": "status code", "http status codes": "status codes", "http status": "status code", "people": "users", "to pay": "to make a payment", "person": "user", "visitors": "users", "visitor": "user", "사람": "사용자",
    "실행 환경": "환경", "잡 종류": "job", "잡이": "job이", "잡을": "job을", "잡은": "job은", "잡의": "job의", "잡들": "job들", "잡별": "job별", "잡마다": "job마다", "기기": "device", "디바이스": "device", "장치": "device", "운영체제": "os", "상태코드": "status code",
    "상태 코드별": "status code별", "금액": "amount", "함수명": "function name", "함수 이름": "function name",
    "db커넥션": "database connection", "디비커넥션": "database connection", "db연결": "database connection", "눌렀": "click", "누른": "click",
}  # fmt: skip
#: capitalised abbreviations that are ordinary words in lower case ("be"): glossed only as written
ABBREVIATIONS: dict[str, str] = {"FE": "frontend", "BE": "backend"}


@dataclass(frozen=True)
class Mention:
    """A catalog value a question refers to, and the words that referred to it."""

    column: str
    value: str
    text: str


def expand_shorthand(question: str) -> str:
    """ "err count per svc, last hr" → "error count per service, last hour"."""
    for short, long in SHORTHAND.items():
        question = re.sub(
            rf"(?<![A-Za-z0-9_/-]){re.escape(short)}(?![A-Za-z_-])", long, question, flags=re.IGNORECASE
        )
    return question


def _camel_words(value: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", value).lower()


#: enum columns whose aliases the ingest service already knows ("prod", "stage" …); not
#: log_type, whose aliases ("service", "api", "app") are ordinary words in questions
_ENUM_ALIASES = {"environment": enums.ENVIRONMENT_ALIASES}


#: columns of code and event names: linked only as written, and only when the value is an
#: identifier ("process_payment", "renderVariantPicker", "checkout_completed"), never a plain word
#: ("request") that questions use in its ordinary sense
IDENTIFIER_COLUMNS = frozenset({"function_name", "file_path", "message"})
_IDENTIFIER = re.compile(r"[_./]|[a-z][A-Z]")
#: an event message: a verb and the event's identifier ("click add_to_cart", "submit place_order")
_EVENT = re.compile(r"^(?:click|submit|view|page_view|navigate)\s+(\S*[_/]\S*)$")


def _identifier_forms(column: str, value: str) -> set[str]:
    forms = {value.lower()} if _IDENTIFIER.search(value) else set()
    event = _EVENT.match(value) if column == "message" else None
    if event:
        forms.add(event.group(1).lower())
    if column == "message":  # an event's words: "add to cart" clicks, "checkout completed"
        named = event.group(1) if event else value
        if re.fullmatch(r"[a-z]+(?:_[a-z]+)+", named):
            forms.add(named.replace("_", " "))
    return forms


#: the nouns that make a path's last word name the endpoint: "the login endpoint", "주문 API 요청"
_ENDPOINT_NOUNS = (
    "endpoint",
    "endpoints",
    "api",
    "apis",
    "request",
    "requests",
    "calls",
    "엔드포인트",
    "요청",
)


def _endpoint_forms(path: str) -> set[str]:
    """An API path named by its last word and an endpoint noun: /api/v1/orders is "the orders
    endpoint", "order requests", "login api" (a service spelled so keeps the name, see
    :func:`link_values`)."""
    if not path.startswith("/api/"):
        return set()
    word = path.rstrip("/").rsplit("/", 1)[-1].lower()
    stems = {word, word.removesuffix("s")} if len(word) > 4 else {word}
    return {f"{stem} {noun}" for stem in stems for noun in _ENDPOINT_NOUNS}


@lru_cache(maxsize=16384)
def surface_forms(column: str, value: str, pages: bool = False) -> frozenset[str]:
    """How a question may spell ``value``: as is, with spaces for - and _, CamelCase split,
    for error types without the trailing "error", and the enum aliases ingest accepts
    (memoised: every question asks for every catalog value's forms)."""
    if column in IDENTIFIER_COLUMNS:
        return frozenset(f for f in _identifier_forms(column, value) if len(f) >= 3)
    forms = {value.lower()}
    aliases = _ENUM_ALIASES.get(column, {})
    forms.update(a for a, canonical in aliases.items() if canonical == value and len(a) >= 3 and a.isalpha())
    spaced = re.sub(r"[-_]+", " ", value).lower()
    forms.add(spaced)
    if column == "error_type":
        words = _camel_words(value)
        forms.add(words)
        if words.endswith(" error") and len(words) >= len(" error") + 5:  # "timeout", not "type"
            forms.add(words.removesuffix(" error"))
            forms.add(words.removesuffix(" error").replace(" ", ""))
    if column == "path" and value.startswith("/"):
        forms.add(value.lower().rstrip("/"))
        if pages and value.count("/") == 1:  # "the checkout page" → /checkout
            forms.add(value.lower().strip("/"))
        forms.update(_endpoint_forms(value))
    if column == "message_template":  # "jobs finished", "slow page renders": a word in the plural
        words = spaced.split()
        forms.update(
            " ".join(w + "s" if i == n else w for i, w in enumerate(words)) for n in (0, len(words) - 1)
        )
    if column == "service":
        forms.add(spaced.replace(" api", " api").strip())
        stem = re.sub(r" (?:api|service|svc)$", "", spaced)
        if stem != spaced:
            forms.add(f"{stem} service")  # "the payment service" → payment-api
    return frozenset(f for f in forms if len(f) >= 3)


#: chat shorthand → the words it stands for ("err count per svc, last hr")
SHORTHAND: dict[str, str] = {
    "err": "error", "errs": "errors", "svc": "service", "svcs": "services", "hr": "hour", "hrs": "hours",
    "wk": "week", "wks": "weeks", "env": "environment", "envs": "environments", "msg": "message",
    "msgs": "messages", "fn": "function", "fns": "functions", "incl": "including", "w/": "with",
    "req": "request", "reqs": "requests", "resp": "response",
}  # fmt: skip


#: log severities, least severe first (the order of the ``log_level`` enum)
SEVERITIES = ("trace", "debug", "info", "warn", "error", "fatal")
_LEVEL_WORD = r"(?P<level>trace|debug|info|warn(?:ing)?|error|fatal)s?"
#: "WARN or higher", "at least WARN", "ERROR 이상", "INFO and below", "WARN보다 심각한"
_LEVEL_RANGE = re.compile(
    rf"(?:(?:at\s+least|min(?:imum)?)\s+{_LEVEL_WORD.replace('level>', 'least>')}(?:\s+level)?(?![a-z])"
    rf"|(?<![a-z]){_LEVEL_WORD}\s*(?:level\s*|레벨\s*|등급\s*)?"
    r"(?P<way>or\s+(?:higher|above|worse|more\s+severe|up)|and\s+(?:above|higher|up|worse)|\+(?!\w)|이상|보다\s*심각\S*"
    r"|or\s+(?:lower|below|less\s+severe)|and\s+(?:below|lower|down)|이하|보다\s*낮\S*))",
    re.IGNORECASE,
)


#: a range as :func:`_spell_level_range` spells it: one scope of levels, not levels to compare
SPELLED_LEVEL_RANGE = re.compile(
    r"(?:(?:trace|debug|info|warn|error|fatal) level, )+(?:trace|debug|info|warn|error|fatal) level"
)


def _spell_level_range(match: re.Match[str]) -> str:
    """The levels a range names, spelled as "warn level, error level, fatal level"."""
    word = (match.group("level") or match.group("least")).lower()
    start = SEVERITIES.index("warn" if word.startswith("warn") else word)
    way = (match.group("way") or "or higher").lower()
    downward = any(w in way for w in ("lower", "below", "less", "down", "이하", "낮"))
    strictly = "보다" in way  # "WARN보다 심각한": above it, not it
    if downward:
        chosen = SEVERITIES[: start + (0 if strictly else 1)]
    else:
        chosen = SEVERITIES[start + (1 if strictly else 0) :]
    return " " + ", ".join(f"{level} level" for level in chosen) + " "


_GROUPED_DIGITS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
#: "10만원", "3천 건 이상": a Korean myriad or thousand before a unit or a comparison
_KOREAN_MAGNITUDE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(만|천)(?=\s*(?:원|건|명|개|이상|이하|초과|미만|넘))"
)


def _plain_numbers(text: str) -> str:
    """Numbers as digits only, so thresholds read them: "100,000" → "100000", "10만원" → "100000원"."""
    text = _GROUPED_DIGITS.sub(lambda m: m.group(0).replace(",", ""), text)
    return _KOREAN_MAGNITUDE.sub(
        lambda m: f"{float(m.group(1)) * (10000 if m.group(2) == '만' else 1000):g}", text
    )


def english_view(question: str) -> str:
    """The question lower-cased with Korean domain words glossed into English (kept in place).

    Parenthesised examples ("메서드(GET, POST 등)별") are dropped: they illustrate, not filter.
    """
    for short, long in ABBREVIATIONS.items():
        question = re.sub(rf"(?<![A-Za-z]){short}(?![A-Za-z])", f" {long} ", question)
    question = expand_shorthand(question)
    text = re.sub(r"\([^)]*(?:등|etc\.?|e\.g\.|and so on|\.\.\.|…)[^)]*\)", " ", question.lower())
    text = _plain_numbers(text)  # "100,000" → 100000, "10만원" → 100000원
    text = re.sub(r"(?<![가-힣])젤(?=\s)", "제일", text)  # slang for 제일
    text = re.sub(r"\bmost recent\b", "latest", text)  # "most recent" ranks nothing
    text = re.sub(r"백분위\s*수", "백분위", text)  # a percentile, not a count ("수")
    text = re.sub(r"\b(?:the )?most (?:sluggish|slow)\b", "slowest", text)  # ranks latency, not frequency
    text = re.sub(r"(\d+(?:th)?)-(percentile)", r"\1 \2", text)  # "95th-percentile"
    text = re.sub(r"\b(past|last|previous|trailing)-(hour|day|week)\b", r"\1 \2", text)  # "past-day"
    text = _PERCENTILE_LIST.sub(_spell_percentiles, text)  # "50, 95, 99 퍼센타일": one each
    levels = r"(?:trace|debug|info|warn|warning|error|fatal)"
    text = re.sub(
        rf"{levels}\s*(?:부터|~|through)\s*{levels}\s*(?:까지)?", " ", text
    )  # "TRACE부터 FATAL까지"
    text = re.sub(r"\s*조합\s*(?=별|마다)", "", text)  # "페이지와 에러 종류 조합별"
    text = re.sub(
        r"(?<![가-힣])(?!에러|오류)([가-힣a-z]+?)(?:을|를|의)?\s+종류\s*(?=별|마다)", r"\1", text
    )  # "브라우저 종류별", "메시지를 종류별로"
    text = re.sub(r"\b(per|by|each)-(?=[a-z])", r"\1 ", text)  # "per-service"
    text = re.sub(r"-(level|레벨)\b", r" \1", text)  # "FATAL-level"
    text = _LEVEL_RANGE.sub(_spell_level_range, text)  # "WARN or higher": WARN, ERROR and FATAL
    text = re.sub(r"\b(fatal|error|warn|warning|info|debug|trace)[- ]severity\b", r"\1 level", text)
    # examples of values, not filters: "(TRACE~FATAL)", "GET, POST 같은 메서드"
    text = re.sub(r"\(\s*[a-z]+\s*[~–-]\s*[a-z]+\s*\)", " ", text)
    text = re.sub(r"(?:[a-z0-9_/가-힣-]+\s*[,/]\s*)+[a-z0-9_/가-힣-]+\s*(?:같은|등의|처럼)\s*", " ", text)
    text = re.sub(
        r"\b(?:such as|e\.g\.,?|like)\s+[a-z0-9_/-]+(?:\s*(?:,|or|and)\s*[a-z0-9_/-]+)+", " ", text
    )  # "browsers such as chrome or safari": examples of the kind
    text = re.sub(
        r"(?:[a-z0-9_/-]+\s*,\s*)+(?:and\s+)?[a-z0-9_/-]+,?\s*(?:and so on|etc\.?|and the like)", " ", text
    )
    # a parenthesised list of values illustrates the kind named before it: "어떤 방식(GET/POST)"
    text = re.sub(
        r"(방식|종류|유형|타입|메[서소]드|심각도|레벨|types?|kinds?|methods?|verbs?|severity|levels?)"
        r"\s*\(\s*[\w-]+(?:\s*[,/·]\s*[\w-]+)+\s*\)",
        r"\1 ",
        text,
    )
    text = re.sub(
        r"프론트\s*(?:·|/|,|와|랑|하고|및)\s*백(?!엔드)", "frontend and backend ", text
    )  # "프론트·백 로그"
    text = re.sub(
        r"[가-힣]+\s*\(\s*([a-z_]+_[a-z_]+)\s*\)", r" \1 ", text
    )  # "함수(function_name)": the column
    text = re.sub(r"\([^)]*(?:무관|상관\s*없|관계\s*없|regardless|any level|all levels)[^)]*\)", " ", text)
    text = re.sub(r"([가-힣]+)\s*\(\s*([가-힣]+)\s*\)\s*(?=별|마다)", r"\1 \2", text)  # "사유(메시지)별"
    # "from most to least frequent": a descending ranking, whatever "least" says
    text = re.sub(
        r"(?:from\s+)?(?:most|highest)\s+to\s+(?:least|lowest|fewest)(?:\s+(?:frequent|common))?",
        "most first",
        text,
    )
    text = re.sub(r"\b(frontend|backend|front-end|back-end|web|mobile)\s+dev\b", r"\1 developer", text)
    text = re.sub(r"(?<![a-z])visit(?![a-z])", "session", text)  # "each visit": a session
    text = re.sub(r"(?:1|한)\s*(?:건|번|개)\s*이라도", "하나라도", text)  # existence, not a top-1
    text = re.sub(  # "how many errors our systems logged": the scope, not a breakdown
        r"(?<!each of )(?<!which of )(?<!rank )(?<!across )(?<!for )\bour\s+(?:services|systems)\b(?!\s+by\b)",
        "our platform",
        text,
    )
    for korean, english in sorted(GLOSSARY.items(), key=lambda kv: -len(kv[0])):
        if korean in text:
            text = text.replace(korean, english if not english.isascii() else f" {english} ")
    return re.sub(r"\s+", " ", text)


_PERCENTILE_LIST = re.compile(
    r"((?:\d{2}(?:th|번째)?\s*(?:,|and|및|와|과|/|·)\s*)+\d{2}(?:th|번째)?)\s*(percentiles?|퍼센타일|백분위)"
)


def _spell_percentiles(match: re.Match[str]) -> str:
    numbers = re.findall(r"\d{2}", match.group(1))
    return ", ".join(f"{n} {match.group(2)}" for n in numbers)


@cache
def _form_pattern(form: str) -> re.Pattern[str]:
    """Compiled once per form: catalogs hold thousands of values, more than ``re``'s own cache."""
    # ASCII boundaries only: Korean particles attach to the word before them ("payment-api의")
    before = r"(?<![a-z0-9_/-])" if form.startswith("/") else r"(?<![a-z0-9_-])"
    return re.compile(rf"{before}{re.escape(form)}(?:e?s|t?ed|ing)?(?![a-z0-9_-])")


def _find(form: str, text: str) -> re.Match[str] | None:
    if form not in text:  # the cheap test first: most values are not in a question
        return None
    return _form_pattern(form).search(text)


@cache
def _capitals_pattern(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z]){re.escape(value)}(?![a-z])")


#: columns whose values are upper-case words that also occur as ordinary words ("trace", "put"):
#: they link only when the question writes them in capitals (ERROR, PUT) or through the glossary.
CASE_SENSITIVE = frozenset({"level", "method"})


def _written_in_capitals(question: str, value: str) -> bool:
    return value in question and _capitals_pattern(value).search(question) is not None


def _grammar_word(match: re.Match[str], value: str, question: str, text: str) -> bool:
    """A capitalised JSONB value written in lower case where the grammar reads an ordinary word
    is that word: "ten-minute windows" is a bucket, not os = 'Windows'; "Windows users" stays the value."""
    if value == value.lower() or _written_in_capitals(question, value):
        return False
    from nlq_platform.text_to_sql.offline.coverage import grammar_spans  # coverage builds on this module

    start, end = match.span()
    return any(s <= start and end <= e for s, e in grammar_spans(text))


@cache
def _level_word_pattern(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z]){re.escape(value)}[- ](?:level|severity)")


_EVENT_STOP = frozenset(
    {"the", "a", "an", "by", "of", "to", "in", "on", "for", "from", "with", "and", "is", "was"}
)


def _loose_events(
    messages: list[str], text: str, taken: list[tuple[int, int]]
) -> list[tuple[int, int, str, str, str]]:
    """A multi-word event name whose words stand in the question in order and close together
    ("last restarted by the supervisor" → "worker restarted by supervisor"): all but one of its
    words are there, and at least two of them outside what other mentions already claimed. The
    closest first: "refresh token expired" before "refresh token rotated"."""
    found: list[tuple[int, int, int, str, str, str]] = []
    for value in messages:
        if re.fullmatch(r"[a-z]+(?:_[a-z]+)+", value):
            found.extend(_snake_event(value, text, taken))
            continue
        if " " not in value or not value.replace(" ", "").isalpha():
            continue  # words only; paths, arrows and identifiers are matched exactly or not at all
        words = [w for w in value.lower().split() if w not in _EVENT_STOP and len(w) > 2]
        positions = [m for w in words if (m := re.search(rf"(?<![a-z_]){re.escape(w)}(?![a-z_])", text))]
        starts = [m.start() for m in positions]
        if len(words) < 2 or len(positions) < max(2, len(words) - 1) or starts != sorted(starts):
            continue
        free = [m for m in positions if not any(m.start() < e and s < m.end() for s, e in taken)]
        if len(free) < 2 or free[-1].end() - free[0].start() > len(value) + 8:
            continue
        start, end = free[0].start(), free[-1].end()
        found.append((len(words) - len(positions), start, end, "message", value, text[start:end]))
    found.sort(key=lambda f: (f[0], f[1] - f[2]))  # the name with every word there, then the longest
    return [f[1:] for f in found]


def _snake_event(
    value: str, text: str, taken: list[tuple[int, int]]
) -> list[tuple[int, int, int, str, str, str]]:
    """An event named as one identifier ("checkout_completed"), in other words: each of its words,
    inflected as a verb or noun may be ("completed a checkout", "checkouts completed"), in any
    order within five words of each other, none of them claimed by another mention."""
    spans = []
    for word in value.split("_"):
        stem = word[:-1] if word.endswith("e") else word.removesuffix("ed") if len(word) > 6 else word
        match = re.search(rf"(?<![a-z_]){re.escape(stem)}(?:e|es|s|ed|d|ing|ion)?(?![a-z_])", text)
        if match is None or any(match.start() < e and s < match.end() for s, e in taken):
            return []
        spans.append(match)
    start, end = min(m.start() for m in spans), max(m.end() for m in spans)
    if len(text[start:end].split()) > len(spans) + 4:
        return []
    return [(0, start, end, "message", value, text[start:end])]


def _named_beside(column: str, text: str, start: int, end: int) -> bool:
    """Whether the column's own noun is next to the words at ``text[start:end]``."""
    nouns = DIMENSION_NOUNS.get(column, ())
    if column.startswith("metadata."):
        key = column.split(".", 1)[1]
        nouns = (key, key.replace("_", " "))
    near = text[max(0, start - 14) : start] + " " + text[end : end + 14]
    return any(re.search(rf"(?<![a-z]){re.escape(n)}s?(?![a-z])", near) for n in nouns)


#: the last question linked: coverage, the parser and accounting each ask for the same one
_last_linked: tuple[str, object, tuple[Mention, ...]] | None = None


#: the catalog's fixed starts of varying messages ("slow page render", "job finished"): a named
#: template keeps the rows whose message holds it
TEMPLATE = "message_template"


def condition_of_values(column: str, values: list[str]) -> tuple[str, str, object]:
    """(column, op, value) of the rows the named values of ``column`` keep: equal to the one,
    in the several, or — message templates — with a message that holds any of them."""
    if column == TEMPLATE:
        return "message", "like_any", list(values)
    if len(values) == 1:
        return column, "=", values[0]
    return column, "in", list(values)


def condition_of(mention: Mention) -> tuple[str, str, object]:
    """(column, op, value) of the rows a named value keeps."""
    return condition_of_values(mention.column, [mention.value])


def without_templates(text: str, mentions: list[Mention]) -> str:
    """``text`` with the templates it names blanked: "slow page render" is one event, and its
    "slow" is no latency question."""
    for mention in mentions:
        if mention.column == TEMPLATE:
            text = re.sub(re.escape(mention.text), lambda m: " " * len(m.group(0)), text)
    return text


def _grammar_phrase(value: str) -> bool:
    """ "slow request": a template made only of words the grammar reads (slow → a duration
    threshold, request → a backend row) is that grammar, not the template."""
    from nlq_platform.text_to_sql.offline.coverage import grammar_spans  # coverage builds on this module

    text = value.lower()
    spans = grammar_spans(text)
    return all(any(s <= m.start() and m.end() <= e for s, e in spans) for m in re.finditer(r"[a-z]+", text))


def link_values(question: str, catalog: dict[str, list[str]]) -> list[Mention]:
    """Every catalog value the question names; longest matches win, no overlaps."""
    global _last_linked
    last = _last_linked
    if last is not None and last[1] is catalog and last[0] == question:
        return list(last[2])
    mentions = _link_values(question, catalog)
    _last_linked = (question, catalog, tuple(mentions))
    return mentions


def _link_values(question: str, catalog: dict[str, list[str]]) -> list[Mention]:
    text = english_view(question)
    glossed = english_view(re.sub(r"[A-Za-z]+", " ", question))  # only what the glossary added
    # pages are named by their path's word where pages or what users do on them are the subject
    explicit_path = re.search(r"(?<![a-z0-9])/[a-z]", text) is not None  # "/api/v1/orders": no guessing
    pages = (
        re.search(r"페이지|화면|\bpages?\b|\bscreens?\b|\b(?:submit|click|view|navigate)", text) is not None
    )
    candidates: list[tuple[int, int, str, str, str]] = []  # (start, end, column, value, form)
    service_forms = {f for v in catalog.get("service", []) for f in surface_forms("service", v)}
    for column, values in catalog.items():
        if column in ("metadata_keys", "metadata_numeric_keys"):  # names of JSONB keys, not values
            continue
        for value in values:
            if column == TEMPLATE and _grammar_phrase(value):
                continue
            linked_by_case = (
                _written_in_capitals(question, value)
                or _find(value.lower(), glossed)
                or (value.lower() in text and _level_word_pattern(value.lower()).search(text) is not None)
            )  # "fatal level", "error-severity": the word names the level
            if column in CASE_SENSITIVE and value.isupper() and not linked_by_case:
                continue
            for form in surface_forms(column, value, pages):
                if column == "path" and explicit_path and not form.startswith("/"):
                    continue
                if column == "path" and form in service_forms:  # "payment api" is payment-api
                    continue
                match = _find(form, text)
                if match and not (
                    column.startswith("metadata.") and _grammar_word(match, value, question, text)
                ):
                    candidates.append((match.start(), match.end(), column, value, form))
    # longest first; of one value in several columns, the one whose noun stands beside it
    # ("sync_stock job" is metadata.job, not function_name)
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], not _named_beside(c[2], text, c[0], c[1])))
    taken: list[tuple[int, int]] = []
    mentions: list[Mention] = []
    for start, end, column, value, form in candidates:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        mentions.append(Mention(column=column, value=value, text=form))
    if not any(m.column == "message" for m in mentions):  # an event named in other words
        for start, end, column, value, form in _loose_events(catalog.get("message", []), text, taken)[:1]:
            taken.append((start, end))
            mentions.append(Mention(column=column, value=value, text=form))
    mentions.sort(key=lambda m: text.find(m.text))
    return mentions


USER_ID = re.compile(r"(?<![a-z0-9_])user[_-]?(\d+)(?![0-9])", re.IGNORECASE)
TRACE_ID = re.compile(r"(?<![0-9a-z])[0-9a-f]{32}(?![0-9a-z])", re.IGNORECASE)


def user_ids(question: str) -> list[str]:
    return [f"user_{m.group(1)}" for m in USER_ID.finditer(question)]


def trace_ids(question: str) -> list[str]:
    return [m.group(0).lower() for m in TRACE_ID.finditer(question)]


@dataclass(frozen=True)
class Threshold:
    """``duration_ms <op> value`` from "1초 넘은", "over 500 ms", "2초 이상"."""

    op: str
    value_ms: float
    text: str


_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|one|two|three|five|ten|한|두|a(?=\s+(?:second|minute)))\s*(?P<unit>ms|밀리초|millis(?:econds?)?|초|s\b|sec(?:onds?)?\b|분\b|minutes?\b)",
    re.IGNORECASE,
)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "한": 1, "두": 2, "a": 1}
_ABOVE = re.compile(
    r"넘|초과|이상|over|above|more than|longer than|greater than|slower than|exceed|>|at least"
)
_BELOW = re.compile(r"미만|이하|under|below|less than|faster than|shorter than|<")
_INCLUSIVE = re.compile(r"이상|이하|at least|at most|>=|<=")


#: comparison words → operators, for thresholds on numbers ("이상" ≥, "over" >, "or fewer" ≤)
COMPARISON_OPS = {
    "at least": ">=", "more than": ">", "over": ">", "above": ">", "greater than": ">", "under": "<",
    "below": "<", "less than": "<", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "or more": ">=",
    "or above": ">=", "or less": "<=", "or fewer": "<=", "이상": ">=", "이하": "<=", "초과": ">", "미만": "<",
    "넘": ">",
}  # fmt: skip
_BEFORE_NUMBER = r"(?P<pre>at least|more than|over|above|greater than|under|below|less than|>=|<=|>|<)"
_AFTER_NUMBER = r"(?P<post>or more|or above|or less|or fewer|이상|이하|초과|미만|넘)"


def key_threshold(view: str, key: str) -> tuple[str, float, re.Match[str]] | None:
    """ "amount of 100000 or more", "amount 100000원 이상", "cart_total over 50000": a numeric JSONB
    key compared with a number — (op, number, match)."""
    name = rf"(?<![a-z0-9_])(?:{re.escape(key)}|{re.escape(key.replace('_', ' '))})(?![a-z0-9_])"
    gap = r"\s*(?:(?:of|is|was|were|값이|이|가|을|를|은|는)\s*)?(?:an?\s+)?"
    number = r"(?P<n>\d+(?:\.\d+)?)\s*(?:원|won|krw|ms)?\s*"
    match = re.search(rf"{name}{gap}{_BEFORE_NUMBER}\s*{number}", view) or re.search(
        rf"{name}{gap}{number}{_AFTER_NUMBER}", view
    )
    if match is None:
        return None
    op = COMPARISON_OPS[(match.groupdict().get("pre") or match.groupdict().get("post") or "").strip()]
    return op, float(match.group("n")), match


_COLUMN_COMPARISON = re.compile(
    r"duration(?:_ms)?\s*(?P<op>>=|<=|>|<|≥|≤|over|above|greater than|more than|exceeding|under|below|less than)"
    r"\s*(?P<n>\d+(?:\.\d+)?)(?!\s*(?:s\b|초|sec|ms|밀리|millis))"
)
#: "duration_ms가 1000 초과": the comparison after the number, Korean style
_COLUMN_COMPARISON_KO = re.compile(
    r"duration(?:_ms)?\s*(?:가|이|는|이|값이)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?:ms\s*)?(?P<op>초과|이상|미만|이하)"
)
_KO_OPS = {"초과": ">", "이상": ">=", "미만": "<", "이하": "<="}
_WORD_OPS = {"≥": ">=", "≤": "<=", "over": ">", "above": ">", "greater than": ">", "more than": ">",
             "exceeding": ">", "under": "<", "below": "<", "less than": "<"}  # fmt: skip


def duration_threshold(question: str) -> Threshold | None:
    """A latency threshold, when a duration sits next to a comparison word."""
    lowered = question.lower()
    written = _COLUMN_COMPARISON.search(lowered)  # "duration_ms > 1000": milliseconds, as written
    korean = _COLUMN_COMPARISON_KO.search(lowered)
    if korean and not written:
        return Threshold(
            op=_KO_OPS[korean.group("op")], value_ms=float(korean.group("n")), text=korean.group(0)
        )
    if written:
        op = _WORD_OPS.get(written.group("op"), written.group("op"))
        return Threshold(op=op, value_ms=float(written.group("n")), text=written.group(0))
    for match in _DURATION.finditer(lowered):
        unit = match.group("unit").lower()
        factor = (
            1.0
            if unit.startswith(("ms", "밀리", "milli"))
            else 60_000.0
            if unit.startswith(("분", "min"))
            else 1000.0
        )
        if re.search(r"(last|past|지난|최근|within|in the)\s*$", lowered[: match.start()]):
            continue  # "over the last 60 minutes" is a window, not a latency threshold
        # the comparison word must belong to this number: stop at the neighbouring numbers
        after = re.split(r"\d", lowered[match.end() : match.end() + 8], maxsplit=1)[0]
        before = re.split(r"\d", lowered[max(0, match.start() - 16) : match.start()])[-1]
        around = before + match.group(0) + after
        if _BELOW.search(after) or _BELOW.search(before):
            op = "<=" if _INCLUSIVE.search(around) else "<"
        elif _ABOVE.search(after) or _ABOVE.search(before):
            op = ">=" if _INCLUSIVE.search(around) else ">"
        else:
            continue
        number = match.group("n")
        amount = float(number) if number[0].isdigit() else float(_WORD_NUMBERS[number])
        return Threshold(op=op, value_ms=amount * factor, text=match.group(0))
    return None
