"""The numbers a sentence shows, read back from its text (to check each against the rows)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

# A number standing on its own: not part of an identifier or a version ("p95", "5xx", "user_123",
# "v1", "2.3.1"); Hangul may follow it directly ("96건"). Signs are not read: the sentence says
# "up"/"늘었습니다" instead.
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![A-Za-z0-9_]|[.,]\d)")
_MASK = "§"


def mask(text: str, strings: Iterable[str]) -> str:
    """``text`` with each of ``strings`` (labels, times shown) blanked out, longest first, where it
    stands on its own (not inside a longer number)."""
    for piece in sorted({s for s in strings if s}, key=len, reverse=True):
        text = re.sub(rf"(?<![0-9.,]){re.escape(piece)}(?![0-9])", _MASK, text)
    return text


def extract_numbers(text: str, ignore: Iterable[str] = ()) -> list[Decimal]:
    """Every number in ``text``, in order, as a :class:`~decimal.Decimal` that keeps the decimals
    shown ("1.2" has one: it stands for anything from 1.15 to 1.25); ``ignore``: strings to skip,
    such as labels and timestamps taken verbatim from the rows."""
    masked = mask(text, ignore)
    return [Decimal(m.group(1).replace(",", "") + (m.group(2) or "")) for m in _NUMBER.finditer(masked)]
