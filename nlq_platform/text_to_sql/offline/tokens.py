"""Tokens of a question with their character spans: Korean through kiwipiepy's morphological
analyser, identifiers, paths and English words by their shape.

Why a real analyser: Korean attaches particles and endings to the word ("에러가", "보여줘") and
people drop spaces ("지난24시간동안로그인API"); a morpheme's tag tells a content word from a
particle without a regular expression per ending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kiwipiepy import Kiwi


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    #: kiwipiepy's tag for Korean morphemes; ``SL`` (a Latin word), ``ID`` (an identifier or path),
    #: ``SN`` (a number) or ``SY`` (a symbol) otherwise
    tag: str
    #: the dictionary form: a Korean stem, an English word without its inflection
    lemma: str


@lru_cache(maxsize=1)
def kiwi() -> Kiwi:
    """One analyser per process: loading the model takes most of a second."""
    return Kiwi()


#: a path ("/api/v1/orders"), an identifier or dotted version ("duration_ms", "v2.4.0",
#: "payment-api", "user_123"), a number, a Latin word, a Hangul run
_SHAPES = re.compile(
    r"(?P<path>/[\w{}:.-]+(?:/[\w{}:.-]*)*)"
    r"|(?P<id>[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[A-Za-z]+(?:'[a-z]+)?)"
    r"|(?P<hangul>[가-힣ㄱ-ㅎㅏ-ㅣ]+)"
)


def english_lemma(word: str) -> str:
    """A rough dictionary form, enough to look a word up: "errors" → "error", "failed" → "fail"."""
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def tokenize(text: str) -> list[Token]:
    """Every token of ``text`` in order, symbols and whitespace left out."""
    tokens: list[Token] = []
    for match in _SHAPES.finditer(text):
        kind = match.lastgroup
        start, end, surface = match.start(), match.end(), match.group(0)
        if kind == "hangul":
            tokens.extend(_morphemes(surface, start, attached=_attached(text, start)))
        elif kind == "num":
            tokens.append(Token(surface, start, end, "SN", surface))
        elif kind in ("path", "id"):
            tokens.append(Token(surface, start, end, "ID", surface.lower()))
        else:
            tokens.append(Token(surface, start, end, "SL", english_lemma(surface)))
    return tokens


_HANGUL_RUN = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]+")


def _attached(text: str, start: int) -> bool:
    """A Hangul run glued to the word before it, or one space after a Latin word or number (a
    glossed word: "결제의" reads "payment 의")."""
    before = text[max(0, start - 2) : start]
    if not before:
        return False
    if len(_HANGUL_RUN.match(text, start).group(0)) <= 2 and text[:start].strip():
        return True  # a particle left alone by a dropped parenthesis: "전체(…) 를"
    if not before[-1].isspace():
        return True
    return len(before) == 2 and before[0].isascii() and before[0].isalnum()


def _morphemes(run: str, offset: int, attached: bool) -> list[Token]:
    """Morphemes of a Hangul run; a run glued to a word before it ("trace_id랑", "API의") is
    analysed after a stand-in noun, so its particles are read as particles."""
    prefix = "A" if attached else ""
    found = []
    for morph in kiwi().tokenize(prefix + run):
        start = morph.start - len(prefix)
        if start < 0:
            continue
        found.append(
            Token(
                text=run[start : start + morph.len] or morph.form,
                start=offset + start,
                end=offset + start + morph.len,
                tag=morph.tag.split("-")[0],
                lemma=morph.form,  # kiwipiepy gives verb stems without their endings
            )
        )
    return found


#: Hangul written without spaces that kiwipiepy should space: a run this long with no space
_UNSPACED = re.compile(r"[가-힣0-9A-Za-z]*[가-힣]{2,}[가-힣0-9A-Za-z]*")


def respace_korean(text: str) -> str:
    """ "지난24시간동안로그인API에러" → "지난 24시간 동안 로그인 API 에러": long runs of Hangul
    (with digits or Latin letters) that have no spaces are spaced by kiwipiepy; identifiers
    (with ``_``, ``-`` or ``.``) and ordinarily spaced text are left as they are."""

    def space(match: re.Match[str]) -> str:
        run = match.group(0)
        hangul = sum("가" <= ch <= "힣" for ch in run)
        if hangul < 10:
            return run
        spaced = kiwi().space(run)
        return spaced

    return _UNSPACED.sub(space, text)
