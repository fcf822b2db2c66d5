"""Every word accounted for: recognisers claim spans of the question, and content words that no
recogniser claims make the engine refuse instead of answering another question.

The recognisers are the grammar the parser understands — the lexicon's concepts, the time
grammar, value linking against the catalog, identifiers and thresholds — run over the same
normalised text (:func:`entities.english_view`) the parser reads. Function words and politeness
are claimed by :mod:`.stopwords`. What is left is reported with its closest catalog matches, so
the refusal says what was not understood and what might have been meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from ingest_service import enums
from nlq_platform.text_to_sql.offline import claims, entities, setconditions, timewindow
from nlq_platform.text_to_sql.offline import lexicon as lx
from nlq_platform.text_to_sql.offline.stopwords import is_stop_english, is_stop_korean
from nlq_platform.text_to_sql.offline.tokens import Token, tokenize

Span = tuple[int, int]


@dataclass(frozen=True)
class Leftover:
    """Words of the question no recogniser claimed, with what the catalog holds that is close."""

    words: str
    suggestions: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.suggestions:
            return f'"{self.words}"'
        return f'"{self.words}" — did you mean {" or ".join(self.suggestions)}?'


def _patterns_of(module: ModuleType) -> Iterator[re.Pattern[str]]:
    """Every compiled pattern a module defines, also inside dicts and tuples of them."""

    def walk(value: object) -> Iterator[re.Pattern[str]]:
        if isinstance(value, re.Pattern):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                yield from walk(item)

    for name, value in vars(module).items():
        if not name.startswith("__"):
            yield from walk(value)


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    phrases = sorted({p.lower() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not phrases:
        return None
    return lx.words(*phrases)


#: a number a comparison word may stand next to: "over 500ms", "slower than one second", "3번 이상"
_NUMBER = re.compile(
    rf"(?:\d+(?:\.\d+)?|(?<![a-z]){lx.NUMBER_WORD}(?![a-z]))\s*(?:ms|밀리초|초|s|sec\w*|분|번|회|times|건)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _grammar() -> tuple[re.Pattern[str], ...]:
    """The fixed recognisers: lexicon, time grammar, entity shapes, grouping words."""
    contextual = {
        entities._ABOVE,
        entities._BELOW,
        entities._INCLUSIVE,
    }  # comparison words: near a number only
    patterns = [
        p
        for p in (
            *_patterns_of(lx),
            *_patterns_of(timewindow),
            *_patterns_of(entities),
            *_patterns_of(claims),
        )
        if p not in contextual
    ]
    patterns.append(re.compile(lx.GROUP_PREFIX.rstrip("\\s+").replace("|between", ""), re.IGNORECASE))
    patterns.append(re.compile(lx.GROUP_SUFFIX, re.IGNORECASE))
    patterns.append(re.compile(lx.NUMBER_WORD, re.IGNORECASE))
    nouns = [w for ws in lx.DIMENSION_NOUNS.values() for w in ws]
    time_words = [
        *timewindow._KEYWORDS,
        *timewindow._NUMBER_WORDS,
        *timewindow._UNITS,
        *timewindow._MINUTE_WORDS,
    ]
    words = [*nouns, *lx.COLUMN_NOUNS, *lx.FLOW_CONCEPTS, *lx.NUMBER_WORDS, *time_words, "metadata"]
    phrase = _phrase_pattern(w for w in words if not w.startswith("'"))
    if phrase is not None:
        patterns.append(phrase)
    return tuple(patterns)


_WORD = re.compile(r"[a-z]+")


def _glosses() -> list[str]:
    return [*entities.GLOSSARY.values(), *entities.SHORTHAND.values(), *entities.ABBREVIATIONS.values()]


@lru_cache(maxsize=1)
def _gloss_pattern() -> re.Pattern[str] | None:
    return _phrase_pattern(g for g in _glosses() if not g.startswith("'"))


@lru_cache(maxsize=1)
def _grammar_words() -> frozenset[str]:
    nouns = [w for ws in lx.DIMENSION_NOUNS.values() for w in ws]
    sources = [alias for alias in enums.SOURCE_ALIASES if alias.islower()]  # "web" is the front end
    return frozenset(
        w for phrase in (*nouns, *lx.COLUMN_NOUNS, *sources) for w in _WORD.findall(phrase.lower())
    )


def _gloss_spans(view: str, catalog: dict[str, list[str]]) -> Iterator[Span]:
    """The glosses that are grammar ("시스템" → "service", "live" → "production"). A gloss made
    only of the words of values ("거절" → "declined", for PaymentDeclinedError) is claimed when
    it names a value, never on its own: "declined payments" that names none is not understood."""
    pattern = _gloss_pattern()
    if pattern is None:
        return
    value_words = _value_words(catalog) - _grammar_words()
    for match in pattern.finditer(view):
        words = set(_WORD.findall(match.group(0).lower()))
        if not words or not words <= value_words:
            yield match.span()


def _value_words(catalog: dict[str, list[str]]) -> frozenset[str]:
    """The words values are spelled with ("PaymentDeclinedError" → payment, declined, error)."""
    words: set[str] = set()
    for column, values in catalog.items():
        if column not in ("metadata_keys", "metadata_numeric_keys"):
            for value in values:
                if isinstance(value, str):
                    words.update(_WORD.findall(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).lower()))
    return frozenset(words)


@lru_cache(maxsize=256)
def grammar_spans(view: str) -> tuple[Span, ...]:
    """Spans the fixed grammar claims in ``view``, whatever the catalog holds."""
    return tuple(
        (m.start(), m.end()) for pattern in _grammar() for m in pattern.finditer(view) if m.end() > m.start()
    )


def claimed_spans(view: str, question: str, catalog: dict[str, list[str]]) -> list[Span]:
    """Spans of ``view`` (the parser's text of ``question``) that some recogniser claims."""
    spans: list[Span] = list(grammar_spans(view))
    spans.extend(_gloss_spans(view, catalog))
    for mention in entities.link_values(question, catalog):
        for match in re.finditer(re.escape(mention.text), view):
            end = match.end()
            suffix = re.match(r"(?:e?s|t?ed|ing)(?![a-z])", view[end:])
            spans.append((match.start(), end + (suffix.end() if suffix else 0)))
    keys = [k for k in catalog.get("metadata_keys", []) if isinstance(k, str)]
    key_pattern = _phrase_pattern(
        [f for k in keys for f in (k, k.replace("_", " "), f"{k}s", f"{k.replace('_', ' ')}s")]
    )
    if key_pattern is not None:
        spans.extend(m.span() for m in key_pattern.finditer(view))
    spans.extend(_apposition_spans(view, question, keys))
    for number in _NUMBER.finditer(view):
        near = (max(0, number.start() - 16), min(len(view), number.end() + 12))
        for pattern in (entities._ABOVE, entities._BELOW, entities._INCLUSIVE):
            spans.extend(m.span() for m in pattern.finditer(view, *near))
    for key in catalog.get("metadata_numeric_keys", []):  # "amount 100000원 이상": the key's threshold
        if (compared := entities.key_threshold(view, key)) is not None:
            spans.append(compared[2].span())
    if "status_code" in keys:
        spans.extend(m.span() for m in claims.STATUS_WORDS.finditer(view))
    for condition, pattern in _CONDITIONAL:
        if condition(view):
            spans.extend(m.span() for m in pattern.finditer(view))
    return spans


def _apposition_spans(view: str, question: str, keys: list[str]) -> Iterator[Span]:
    """ "로딩 시간(load_ms)", "job 실행 시간(elapsed_ms)": the words a question puts before a
    column or key in parentheses describe that key — the key says what they mean."""
    names = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True) if "_" in k)
    if not names:
        return
    for match in re.finditer(rf"((?:[가-힣]+\s+){{0,2}}[가-힣]+)\s*\(\s*(?:{names})\s*\)", question.lower()):
        for word in match.group(1).split():
            for found in re.finditer(re.escape(word), view):
                yield found.span()


#: words of change ("worse", "늘었", "spiked") are understood where the question compares
#: periods or values or asks for a series; words of releases ("new", "canary", "배포") where it
#: is about versions
_CHANGE = claims.inflected(
    "worse",
    "better",
    "regress",
    "regressed",
    "regression",
    "increase",
    "increased",
    "decrease",
    "decreased",
    "rise",
    "rose",
    "fell",
    "fall",
    "drop",
    "dropped",
    "climb",
    "climbing",
    "spike",
    "spiked",
    "trend",
    "trending",
    "trended",
    "move",
    "moved",
    "change",
    "changed",
    "slow down",
    "slowed",
    "slowed down",
    "speed up",
    "sped up",
    "improve",
    "improved",
    "vary",
    "varied",
    "differ",
    "stay",
    "stayed",
    "than",
    "more",
    "fewer",
    "less",
    "늘",
    "줄",
    "변했",
    "변해",
    "변화",
    "나빠",
    "나쁜",
    "더 나쁜",
    "좋아",
    "좋",
    "올라가",
    "내려가",
    "증가",
    "감소",
    "증감",
    "몰렸",
    "몰려",
    "몰리",
    "튀",
    "움직였",
    "느려",
    "빨라",
    "저하",
    "악화",
    "개선",
    "increasing",
    "decreasing",
    "rising",
    "달라",
    "달라졌",
    "다른",
    "growing",
    "shrinking",
)
_RELEASE = claims.inflected(
    "new",
    "newer",
    "old",
    "older",
    "canary",
    "deploy",
    "deployed",
    "deployment",
    "release",
    "rollout",
    "roll back",
    "baseline",
    "current",
    "previous",
    "새",
    "신규",
    "기존",
    "카나리",
    "배포",
    "이전",
    "구",
    "running",
    "worse",
    "better",
    "나빠",
    "나빠졌",
    "나쁜",
    "더 나쁜",
    "regress",
    "regressed",
    "slower",
    "faster",
)


def _compares(view: str) -> bool:
    return bool(lx.COMPARE.search(view) or lx.TREND.search(view) or lx.PREVIOUS.search(view)
                or timewindow.parse_bucket(view) is not None)  # fmt: skip


def _about_versions(view: str) -> bool:
    return bool(
        lx.DIMENSIONS["service_version"].search(view)
        or re.search(r"\bv\d+\.\d|release|deploy|canary|rollout|roll back|배포|카나리|릴리스|릴리즈", view)
    )


#: time prepositions are understood where the time grammar read a window: "since an hour ago",
#: "within the last day", "1시간 안에", "그 사이"
_TIME_PREPOSITIONS = claims.inflected(
    "over", "since", "within", "until", "till", "before", "ago", "전", "사이", "이내"
)
_TIME_PREPOSITIONS = re.compile(_TIME_PREPOSITIONS.pattern + r"|안(?=에|으로)", re.IGNORECASE)


def _windowed(view: str) -> bool:
    return timewindow.parse_window(view) is not None


def _about_traces(view: str) -> bool:
    return bool(lx.TRACE_WORD.search(view))


_CONDITIONAL = (
    (_about_traces, claims.inflected("both", "둘 다")),
    (setconditions.names_a_group, setconditions.NEGATION_BEFORE),  # the rule or accounting uses it
    (setconditions.names_a_group, setconditions.NEGATION_AFTER),
    (_compares, _CHANGE),
    (_about_versions, _RELEASE),
    (_windowed, _TIME_PREPOSITIONS),
)


def _is_content(token: Token) -> bool:
    if token.tag == "SL":
        return not is_stop_english(token.lemma) and not is_stop_english(token.text)
    if token.tag in ("SN", "ID"):
        return True
    if token.tag == "SY":
        return False
    return not is_stop_korean(token.lemma, token.tag)


def identifier_names(catalog: dict[str, list[str]]) -> frozenset[str]:
    """Names an identifier-shaped word may be: columns, JSONB keys, the engine's output aliases."""
    keys = [k for k in catalog.get("metadata_keys", []) if isinstance(k, str)]
    return frozenset(
        {
            *(n for ns in lx.DIMENSION_NOUNS.values() for n in ns),
            *lx.COLUMN_NOUNS,
            *(c for c in catalog if c.isidentifier()),
            *keys,
            *(f"metadata.{k}" for k in keys),
            "first_seen", "last_seen", "created_at", "duration_ms", "id", "deleted",
        }
    )  # fmt: skip


def _known_name(part: str, names: frozenset[str]) -> bool:
    return part in names or part.removesuffix("s") in names or part.removesuffix("es") in names


def _covered(token: Token, spans: list[Span], raw: list[Span], names: frozenset[str] = frozenset()) -> bool:
    """Half a word claimed claims the word ("errors" by "error"); an identifier ("utm_source")
    is one name and must be claimed whole by one recogniser — "source" does not explain it."""
    if token.tag == "ID" and ("_" in token.text or "." in token.text):
        if any(s <= token.start and token.end <= e for s, e in raw):  # one recogniser, not a union
            return True
        parts = [p for p in re.sub(r"[가-힣]+$", "", token.text).split("/") if p]  # "/function_name별"
        return bool(names) and bool(parts) and all(_known_name(part, names) for part in parts)
    inside = sum(max(0, min(token.end, e) - max(token.start, s)) for s, e in spans)
    if re.match(r"[가-힣]", token.text) and not any(s <= token.start < e for s, e in spans):
        return False  # a Korean word is claimed from its start: "전" (ago) does not explain "리전"
    return inside * 2 >= token.end - token.start


def leftovers(view: str, question: str, catalog: dict[str, list[str]]) -> list[Leftover]:
    """Content words of ``view`` that no recogniser claims, adjacent ones joined into phrases."""
    raw = claimed_spans(view, question, catalog)
    names = identifier_names(catalog)
    spans = _merge(raw)
    groups: list[list[Token]] = []
    previous: Token | None = None
    for token in tokenize(view):
        if not _is_content(token) or _covered(token, spans, raw, names):
            previous = None
            continue
        if previous is not None and groups and token.start - previous.end <= 1:
            groups[-1].append(token)
        else:
            groups.append([token])
        previous = token
    found = []
    for group in groups:
        words = view[group[0].start : group[-1].end]
        found.append(Leftover(words=_original_case(words, question), suggestions=suggest(words, catalog)))
    return found


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _original_case(words: str, question: str) -> str:
    match = re.search(re.escape(words), question, re.IGNORECASE)
    return match.group(0) if match else words


def suggest(words: str, catalog: dict[str, list[str]], limit: int = 2) -> tuple[str, ...]:
    """Catalog values and metadata keys close to ``words``: "samsung" → browser = 'Samsung Internet'."""
    needle = words.lower().strip()
    if len(needle) < 3:
        return ()
    scored: list[tuple[float, str]] = []
    for column, values in catalog.items():
        if column.startswith("metadata_numeric"):
            continue
        for value in values:
            if not isinstance(value, str):
                continue
            if column == "metadata_keys":
                label = f"the metadata key {value!r}"
            elif column.startswith("metadata."):
                label = f"{column.split('.', 1)[1]} = {value!r} (metadata)"
            else:
                label = f"{column} = {value!r}"
            candidate = value.lower()
            score = difflib.SequenceMatcher(None, needle, candidate).ratio()
            if needle in candidate or (candidate in needle and len(candidate) >= 4):
                score = max(score, 0.8)
            if score >= 0.72:
                scored.append((score, label))
    scored.sort(key=lambda pair: -pair[0])
    return tuple(dict.fromkeys(label for _, label in scored))[:limit]
