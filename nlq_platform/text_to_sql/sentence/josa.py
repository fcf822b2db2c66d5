"""Korean particles (josa) that depend on the word before them: 이/가, 은/는, 을/를, 과/와, 으로/로.

For a Hangul syllable the rule is exact: ``(ord(ch) - 0xAC00) % 28`` is the index of its final
consonant (batchim), 0 for none. Latin letters and digits are read the way a Korean speaker says
them: digits by their Sino-Korean names (1 일, 3 삼, 6 육 …), a short all-caps token by its letter
names (API 에이피아이, SQL 에스큐엘), and other words by how their ending is usually transliterated
(checkout 체크아웃, web 웹, error 에러, service 서비스).
"""

from __future__ import annotations

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # ㄹ: takes 로, not 으로

# final-consonant index (0: none, 8: ㄹ, other > 0: some consonant) of each digit's reading
_DIGITS = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
# letter names: L 엘, M 엠, N 엔, R 알 end in a consonant; the others (비, 씨, 디, 에스 …) in a vowel
_LETTERS = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_VOWELS = set("aeiou")

_PAIRS = {
    "이/가": ("이", "가"), "가/이": ("이", "가"),
    "은/는": ("은", "는"), "는/은": ("은", "는"),
    "을/를": ("을", "를"), "를/을": ("을", "를"),
    "과/와": ("과", "와"), "와/과": ("과", "와"),
    "이나/나": ("이나", "나"),
    "이라/라": ("이라", "라"),
    "으로/로": ("으로", "로"), "로/으로": ("으로", "로"),
}  # fmt: skip


def final_consonant(word: str) -> int:
    """The batchim index of how ``word`` ends when read aloud: 0 none, 8 ㄹ, another number for
    another consonant. Trailing punctuation and spaces are skipped (``"(payment-api)"``)."""
    text = word.rstrip(" )]}\"'’”.,:;!?-_/")
    if not text:
        return 0
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last in _DIGITS:
        return _DIGITS[last]
    if not last.isascii() or not last.isalpha():
        return 0  # %, °, symbols: read with a vowel ending (퍼센트 …)
    token = _last_token(text)
    if token.isupper() and len(token) <= 3:  # an acronym, read letter by letter
        return _LETTERS.get(last.lower(), 0)
    return _english_ending(token.lower())


def _last_token(text: str) -> str:
    start = len(text)
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
        start -= 1
    return text[start:]


def _english_ending(word: str) -> int:
    """How the end of an English word is usually written in Hangul: -ng 응(ㅇ), -m 엠/임(ㅁ),
    -n 엔(ㄴ), -l/-le 엘/블(ㄹ), a short vowel then -k/-ck/-p/-b/-t 클릭/앱/웹/아웃(ㄱ/ㅂ/ㅅ), and a vowel
    or -r/-s/-x/-d … otherwise (에러, 서비스, 박스, 아이디)."""
    if word.endswith("ng"):
        return 21
    last = word[-1]
    before = word[-2] if len(word) > 1 else ""
    if last == "e" and before in ("l", "m", "n"):  # table 테이블, name 네임, line 라인
        return {"l": _RIEUL, "m": 16, "n": 4}[before]
    if last in ("m", "n", "l"):
        return {"l": _RIEUL, "m": 16, "n": 4}[last]
    if last in ("k", "p", "b", "t") and (before in _VOWELS or before == "c"):
        return {"k": 1, "p": 17, "b": 17, "t": 19}[last]
    return 0


def has_final_consonant(word: str) -> bool:
    return final_consonant(word) != 0


def josa(word: str, pair: str) -> str:
    """The particle of ``pair`` ("이/가", "은/는", "을/를", "과/와", "으로/로" …) that follows ``word``;
    only the particle, not the word: ``word + josa(word, "이/가")``."""
    try:
        with_batchim, without = _PAIRS[pair]
    except KeyError:
        raise ValueError(f"unknown particle pair {pair!r}") from None
    final = final_consonant(word)
    if with_batchim == "으로":
        return "으로" if final not in (0, _RIEUL) else "로"
    return with_batchim if final else without


def attach(word: str, pair: str) -> str:
    """``word`` followed by its particle: ``attach("에러", "은/는")`` → ``"에러는"``."""
    return word + josa(word, pair)
