"""Which known questions are closest to a question: for few-shot examples (the Claude engine, the
example synthesizer) and for the suggestions offered when a question is refused."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

from nlq_platform.text_to_sql.context import Example

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
E = TypeVar("E", bound=Example)


def ngrams(text: str) -> Counter[str]:
    """Character bigrams and trigrams of each word (with boundary marks): Korean and English alike."""
    normalized = unicodedata.normalize("NFKC", text).lower()
    grams: Counter[str] = Counter()
    for word in _NON_WORD.sub(" ", normalized).split():
        padded = f"^{word}$"
        for n in (2, 3):
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def most_similar(question: str, examples: Sequence[E], k: int) -> list[E]:
    """The ``k`` examples whose questions are closest to ``question``, most similar first.

    TF-IDF cosine over character 2/3-grams: no tokenizer, no dependencies, works for Korean
    (particles glued to words) as well as for English. Ties keep the examples' order.
    """
    if k <= 0 or not examples:
        return []
    docs = [ngrams(e.question) for e in examples]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)

    def weights(grams: Counter[str]) -> dict[str, float]:
        return {g: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[g])) + 1) for g, c in grams.items()}

    query = weights(ngrams(question))
    query_norm = math.sqrt(sum(w * w for w in query.values())) or 1.0
    scored = []
    for index, doc in enumerate(docs):
        w = weights(doc)
        norm = math.sqrt(sum(v * v for v in w.values())) or 1.0
        dot = sum(v * w[g] for g, v in query.items() if g in w)
        scored.append((-dot / (norm * query_norm), index))
    scored.sort()
    return [examples[index] for _, index in scored[:k]]
