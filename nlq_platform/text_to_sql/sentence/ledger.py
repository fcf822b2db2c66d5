"""What a sentence says and where each of its numbers came from.

Every number a template writes goes through a :class:`Ledger`, which formats it and records a
:class:`Derived`: the value itself from the rows (``row``), the number of rows (``rows``), or a
value computed from such numbers (``sum``, ``share``, ``difference``, ``change``, ``seconds``) with
the inputs it was computed from — so that :func:`.audit.audit` can recompute each one from the
rows. Numbers that come from the question's window rather than the rows are ``window``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from nlq_platform.text_to_sql.sentence import format as fmt

Kind = Literal["row", "rows", "sum", "share", "difference", "change", "seconds", "window"]
Unit = Literal["count", "duration", "percent", "number"]


@dataclass(frozen=True)
class Derived:
    """One number in the sentence: ``value`` (unrounded), how it was obtained and what it shows as.

    ``share``: inputs[0] / inputs[1] × 100; ``difference``: |inputs[0] − inputs[1]|; ``change``:
    |inputs[0] − inputs[1]| / |inputs[1]| × 100; ``sum``: the sum of inputs; ``seconds``:
    inputs[0] / 1000."""

    value: float
    kind: Kind
    inputs: tuple[float, ...] = ()
    shown: str = ""


@dataclass(frozen=True)
class Sentence:
    """The answer in words, the numbers it shows (each with its derivation), the times it shows
    (text as written, and the row value), and the shape of result it describes."""

    text: str
    numbers: tuple[Derived, ...] = ()
    times: tuple[tuple[str, datetime | date], ...] = ()
    shape: str = ""
    #: row values written verbatim (labels such as "payment-api"), so a checker can skip them
    labels: tuple[str, ...] = ()


@dataclass
class Ledger:
    numbers: list[Derived] = field(default_factory=list)
    times: list[tuple[str, datetime | date]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def _record(self, value: float, kind: Kind, inputs: tuple[float, ...], unit: Unit) -> str:
        if unit == "duration" and fmt.shows_seconds(value):  # "1.2 s": the value / 1000, derived
            shown = fmt.duration_ms(value)
            self.numbers.append(Derived(value, kind, inputs, shown))
            self.numbers.append(Derived(value / 1000, "seconds", (value,), shown))
            return shown
        shown = {
            "duration": fmt.duration_ms,
            "percent": fmt.percent,
            "count": fmt.grouped,
            "number": fmt.grouped,
        }[unit](value)
        self.numbers.append(Derived(value, kind, inputs, shown))
        return shown

    def row(self, value: float, unit: Unit = "number") -> str:
        """A value as it is in the rows."""
        return self._record(float(value), "row", (), unit)

    def rows(self, count: int) -> str:
        """How many rows there are."""
        return self._record(float(count), "rows", (), "count")

    def total(self, values: list[float], unit: Unit = "count") -> tuple[float, str]:
        total = float(sum(values))
        return total, self._record(total, "sum", tuple(float(v) for v in values), unit)

    def share(self, part: float, whole: float) -> str:
        return self._record(part / whole * 100, "share", (float(part), float(whole)), "percent")

    def difference(self, a: float, b: float, unit: Unit) -> str:
        return self._record(abs(a - b), "difference", (float(a), float(b)), unit)

    def change(self, a: float, b: float) -> str:
        """The relative change from ``b`` to ``a`` in percent (absolute; the words give the sign)."""
        return self._record(abs(a - b) / abs(b) * 100, "change", (float(a), float(b)), "percent")

    def window(self, value: float) -> None:
        """A number of the window ("1" in "last 1 hour"): from the SQL or the plan, not the rows."""
        derived = Derived(float(value), "window", (), fmt.grouped(value))
        if derived not in self.numbers:
            self.numbers.append(derived)

    def time(self, value: datetime | date, pattern: str) -> str:
        shown = fmt.timestamp(value, pattern)
        self.times.append((shown, value))
        return shown

    def label(self, value: object) -> str:
        text = str(value)
        self.labels.append(text)
        return text

    def sentence(self, text: str, shape: str) -> Sentence:
        return Sentence(text, tuple(self.numbers), tuple(self.times), shape, tuple(self.labels))
