"""What a template works from: the language, the analysed columns and rows, the window, what the
rows count, and the ledger every number and label goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from nlq_platform.text_to_sql.sentence import format as fmt
from nlq_platform.text_to_sql.sentence.columns import Column
from nlq_platform.text_to_sql.sentence.josa import attach
from nlq_platform.text_to_sql.sentence.ledger import Ledger, Unit
from nlq_platform.text_to_sql.sentence.naming import term_for
from nlq_platform.text_to_sql.sentence.query import Query
from nlq_platform.text_to_sql.sentence.rows import is_number, is_time
from nlq_platform.text_to_sql.sentence.vocab import Term
from nlq_platform.text_to_sql.sentence.window import Window


class Unsupported(Exception):
    """The rows do not fit the shape's sentence (no numbers where one is needed, …)."""


@dataclass
class Facts:
    lang: str
    query: Query
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    window: Window | None
    subject: Term
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def ko(self) -> bool:
        return self.lang == "ko"

    def term(self, column: Column) -> Term:
        return term_for(column, self.subject)

    # -- the window ------------------------------------------------------------------------

    def _window_words(self, window: Window | None, label: bool = False) -> str:
        if window is None:
            return ""
        for n in window.numbers():
            self.ledger.window(n)
        return window.label(self.lang) if label else window.phrase(self.lang)

    def prefix(self) -> str:
        """Korean: "지난 1시간 동안 " before the sentence (or nothing)."""
        words = self._window_words(self.window)
        return f"{words} " if words else ""

    def suffix(self) -> str:
        """English: " in the last 1 hour" after the amount (or nothing)."""
        words = self._window_words(self.window)
        return f" {words}" if words else ""

    def window_label(self, window: Window) -> str:
        return self._window_words(window, label=True)

    # -- values ----------------------------------------------------------------------------

    def number(self, column: Column, value: Any) -> str:
        if not is_number(value):
            raise Unsupported(f"{column.name} has no number")
        return self.ledger.row(float(value), _unit(column))

    def amount(self, column: Column, value: Any, term: Term | None = None) -> str:
        """A value with its unit in words: "96건" / "96 errors", "850 ms"."""
        shown = self.number(column, value)
        return self.with_unit(column, shown, float(value), term)

    def with_unit(self, column: Column, shown: str, value: float, term: Term | None = None) -> str:
        if column.unit != "count":
            return shown
        term = term or self.term(column)
        return f"{shown}{term.counter}" if self.ko else f"{shown} {term.english(value)}"

    def counted(self, column: Column, shown: str, term: Term | None = None) -> str:
        """A count without its noun in English ("47"), with its counter in Korean ("47건")."""
        if column.unit == "count" and self.ko:
            return f"{shown}{(term or self.term(column)).counter}"
        return shown

    def label(self, row: tuple[Any, ...], keys: list[Column], time_pattern: str | None = None) -> str:
        """The group's name from its key values: "payment-api · charge", "10:05"."""
        parts: list[str] = []
        for key in keys:
            value = row[key.index]
            if is_time(value):
                parts.append(self.ledger.time(value, time_pattern or fmt.time_format([value])))
            elif value is None:
                parts.append("(없음)" if self.ko else "(none)")
            else:
                parts.append(self.ledger.label(value))
        return " · ".join(parts)

    def time(self, value: datetime | date, pattern: str) -> str:
        return self.ledger.time(value, pattern)


def _unit(column: Column) -> Unit:
    return column.unit if column.unit in ("count", "duration", "percent") else "number"  # type: ignore[return-value]


def topic(facts: Facts, term: Term) -> str:
    """Korean topic: "에러는 " / English: nothing (the noun goes with the amount)."""
    return f"{attach(term.ko, '은/는')} " if facts.ko else ""


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
