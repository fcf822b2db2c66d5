"""Typos within a small edit distance of a known word ("mnay erors", "sesions") are read as that
word — and the reading says so. Known words are the grammar's own (the words its recognisers
spell out), the catalog's values and the JSONB keys: vocabulary from the metadata, not a list
kept here. Only words the coverage check left over are corrected, and only when exactly one known
word is closest, so a correction never changes a word the engine already understood.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlq_platform.text_to_sql.offline import stopwords

_WORD = re.compile(r"[a-z]{4,}")


@lru_cache(maxsize=1)
def _grammar_words() -> frozenset[str]:
    """The English words the fixed recognisers spell out in their patterns."""
    from nlq_platform.text_to_sql.offline.coverage import _grammar  # coverage builds on this idea

    words = {w for pattern in _grammar() for w in _WORD.findall(pattern.pattern.lower())}
    words.update(w for w in stopwords.ENGLISH_STOP if len(w) >= 4)
    return frozenset(words)


def vocabulary(catalog: dict[str, list[str]]) -> frozenset[str]:
    """Every word a correction may land on."""
    found = set(_grammar_words())
    for column, values in catalog.items():
        found.update(_WORD.findall(column.lower()))
        for value in values:
            if isinstance(value, str):
                found.update(_WORD.findall(value.lower()))
    return frozenset(found)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a swap of two letters counts once), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


#: real words a correction must never touch: one edit turns "never" into "ever", "none" into "one"
KEPT_WORDS = frozenset({"never", "none", "nothing", "neither", "without", "nobody", "nowhere", "cannot"})


def closest(word: str, words: frozenset[str]) -> str | None:
    """The one known word within 1 edit (2 for words of 8+ letters), or None when none or a tie;
    negations are words, not typos."""
    word = word.lower()
    if len(word) < 4 or not word.isalpha() or word in words or word in KEPT_WORDS:
        return None
    limit = 2 if len(word) >= 8 else 1
    best = sorted((edit_distance(word, w, limit), w) for w in words if abs(len(w) - len(word)) <= limit)
    best = [(d, w) for d, w in best if d <= limit]
    if not best or (len(best) > 1 and best[1][0] == best[0][0]):
        return None
    return best[0][1]


def corrected(question: str, leftovers: list[str], catalog: dict[str, list[str]]) -> tuple[str, list[str]]:
    """``question`` with each left-over word replaced by its one close known word, and the notes
    ('"sesions" read as "sessions"'); unchanged when a left-over word has no such neighbour."""
    words = vocabulary(catalog)
    notes: list[str] = []
    for left in (word for phrase in leftovers for word in phrase.split()):
        fix = closest(left, words)
        if fix is None:
            return question, []
        question = re.sub(rf"(?<![A-Za-z]){re.escape(left)}(?![A-Za-z])", fix, question, flags=re.IGNORECASE)
        notes.append(f'"{left}" read as "{fix}"')
    return question, notes
