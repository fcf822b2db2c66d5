"""The evaluation report: execution accuracy (strict and subset EX) overall, per category and per
language, NL→SQL latency, and every failure with both queries and what differed.

:meth:`EvalReport.to_dict` is the one machine-readable form (``nlq eval run --json`` and the
Dagster asset); :meth:`EvalReport.to_markdown` the one for people.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

#: outcome of one question, best first; everything but "correct" is a strict failure
OUTCOMES = {
    "correct": "correct",
    "extra_columns": "extra columns (subset match)",
    "wrong_result": "wrong result",
    "execution_error": "execution error",
    "guard_refused": "guard refused",
    "invalid_sql": "no valid SQL",
    "not_understood": "not understood",
    "refused_ok": "refused (unanswerable), naming the words",
    "refused_vague": "refused (unanswerable), without naming the words",
    "answered_unanswerable": "answered a question the data cannot answer",
    "engine_error": "engine error",
    "gold_error": "gold query failed",
}
#: how an outcome counts for the user: right, an honest "I don't understand", or wrong
VERDICTS = {
    "correct": "correct",
    "refused_ok": "correct",
    "not_understood": "refused",
    "refused_vague": "refused",
    "invalid_sql": "refused",
    "guard_refused": "refused",
    "gold_error": "not scored",
}
MAX_TEXT = 200  # longest string value kept in a diff (stack traces, messages)


@dataclass
class ItemResult:
    """One question (a scenario in one language) and how the engine did on it."""

    scenario_id: str
    category: str
    lang: str
    question: str
    ordered: bool
    gold_sql: str  # as written in the scenarios file
    outcome: str = "engine_error"  # a key of OUTCOMES
    strict: bool = False
    subset: bool = False
    error: str | None = None  # not understood / refused / database error, in words
    predicted_sql: str | None = None  # what the engine produced
    executed_sql: str | None = None  # the predicted SQL as the guard rewrote it (what ran)
    generation_ms: float | None = None  # NL→SQL only (engine.generate minus validator DB time)
    validation_ms: float = 0.0  # time the engine spent in the validator (guard + EXPLAIN)
    execution_ms: float | None = None  # gold + predicted in their transaction
    gold_columns: list[str] = field(default_factory=list)
    gold_row_count: int | None = None
    predicted_columns: list[str] = field(default_factory=list)
    predicted_row_count: int | None = None
    diff: dict[str, Any] | None = None
    engine_details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.scenario_id}/{self.lang}"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.scenario_id,
            "lang": self.lang,
            "category": self.category,
            "outcome": self.outcome,
            "strict": self.strict,
            "subset": self.subset,
            "generation_ms": _round(self.generation_ms),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "question": self.question,
            "ordered": self.ordered,
            "error": self.error,
            "gold_sql": self.gold_sql,
            "predicted_sql": self.predicted_sql,
            "executed_sql": self.executed_sql,
            "validation_ms": _round(self.validation_ms),
            "execution_ms": _round(self.execution_ms),
            "gold_columns": self.gold_columns,
            "gold_row_count": self.gold_row_count,
            "predicted_columns": self.predicted_columns,
            "predicted_row_count": self.predicted_row_count,
            "diff": jsonable(self.diff),
            "engine_details": jsonable(self.engine_details),
        }


@dataclass
class EvalReport:
    engine: str
    scenarios_path: str
    languages: list[str]
    started_at: datetime
    elapsed_s: float = 0.0
    items: list[ItemResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    database: str = ""  # redacted DSN of the reader connection
    query_timeout_ms: int = 0
    query_limit: int = 0

    # --- numbers ----------------------------------------------------------------------------------
    @property
    def failures(self) -> list[ItemResult]:
        return [item for item in self.items if not item.strict]

    @property
    def gold_errors(self) -> list[ItemResult]:
        return [item for item in self.items if item.outcome == "gold_error"]

    @property
    def judged(self) -> dict[str, Any]:
        """correct / refused / wrong over every question."""
        return judged(self.items)

    @property
    def strict_accuracy(self) -> float:
        return _score(self.items, "strict")["accuracy"]

    @property
    def subset_accuracy(self) -> float:
        return _score(self.items, "subset")["accuracy"]

    def slices(self) -> dict[str, dict[str, list[ItemResult]]]:
        """The items by category (file order of first appearance) and by language."""
        by_category: dict[str, list[ItemResult]] = {}
        by_language: dict[str, list[ItemResult]] = {lang: [] for lang in self.languages}
        for item in self.items:
            by_category.setdefault(item.category, []).append(item)
            by_language.setdefault(item.lang, []).append(item)
        return {"category": by_category, "language": by_language}

    # --- output ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON types."""
        slices = self.slices()
        return {
            "engine": self.engine,
            "scenarios": self.scenarios_path,
            "languages": list(self.languages),
            "database": self.database,
            "started_at": self.started_at.isoformat(),
            "elapsed_s": round(self.elapsed_s, 3),
            "query_timeout_ms": self.query_timeout_ms,
            "query_limit": self.query_limit,
            "total": len(self.items),
            **_slice_dict(self.items),
            "by_category": {name: _slice_dict(items) for name, items in slices["category"].items()},
            "by_language": {name: _slice_dict(items) for name, items in slices["language"].items()},
            "outcomes": dict(Counter(item.outcome for item in self.items)),
            "warnings": list(self.warnings),
            "items": [item.summary() for item in self.items],
            "failures": [item.to_dict() for item in self.failures],
        }

    def table_rows(self) -> list[tuple[str, list[ItemResult]]]:
        slices = self.slices()
        return [
            ("overall", self.items),
            *slices["category"].items(),
            *((f"lang {name}", items) for name, items in slices["language"].items()),
        ]

    def summary_markdown(self) -> str:
        """The header, the accuracy table, the outcome counts and the warnings."""
        n_scenarios = len({item.scenario_id for item in self.items})
        lines = [
            "# Text-to-SQL execution accuracy",
            "",
            f"engine **{self.engine}** · {n_scenarios} scenarios × {'+'.join(self.languages)} = "
            f"{len(self.items)} questions · {self.scenarios_path} · {self.elapsed_s:.1f} s",
            "",
            "| slice | n | strict EX | subset EX | correct | refused | wrong | NL→SQL p50 | NL→SQL p95 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, items in self.table_rows():
            strict, subset = _score(items, "strict"), _score(items, "subset")
            latency = _latency(items)
            label = f"**{name}**" if name == "overall" else name
            verdicts = judged(items)
            lines.append(
                f"| {label} | {len(items)} | {_ratio(strict)} | {_ratio(subset)} "
                f"| {verdicts['correct']} | {verdicts['refused']} | {verdicts['wrong']} "
                f"| {_ms(latency['p50'])} | {_ms(latency['p95'])} |"
            )
        counts = Counter(item.outcome for item in self.items)
        lines += [
            "",
            "outcomes: " + " · ".join(f"{OUTCOMES.get(k, k)} {counts[k]}" for k in OUTCOMES if counts[k]),
            "",
            "NL→SQL latency is engine.generate alone (context loaded once; database time excluded).",
        ]
        if self.warnings:
            lines += ["", *(f"**warning:** {w}" for w in self.warnings)]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The summary, then every failure with the gold and predicted SQL and the difference."""
        parts = [self.summary_markdown()]
        failures = self.failures
        if failures:
            parts.append(f"## Failures ({len(failures)})")
            parts.extend(_failure_markdown(item) for item in failures)
        return "\n\n".join(parts) + "\n"


# --- helpers ------------------------------------------------------------------------------------


def _score(items: list[ItemResult], attr: str) -> dict[str, Any]:
    correct = sum(1 for item in items if getattr(item, attr))
    total = len(items)
    return {"correct": correct, "total": total, "accuracy": correct / total if total else 0.0}


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks."""
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return data[low] + (data[high] - data[low]) * (position - low)


def _latency(items: list[ItemResult]) -> dict[str, Any]:
    values = [item.generation_ms for item in items if item.generation_ms is not None]
    return {
        "n": len(values),
        "p50": _round(percentile(values, 50)),
        "p95": _round(percentile(values, 95)),
        "max": _round(max(values)) if values else None,
    }


def verdict(item: ItemResult) -> str:
    """correct, refused (with a reason) or wrong — what the user got."""
    return VERDICTS.get(item.outcome, "wrong")


def judged(items: list[ItemResult]) -> dict[str, Any]:
    """Counts of correct, refused and wrong answers, and the share of wrong ones."""
    counts = Counter(verdict(item) for item in items)
    scored = len(items) - counts["not scored"]
    return {
        "correct": counts["correct"],
        "refused": counts["refused"],
        "wrong": counts["wrong"],
        "wrong_rate": round(counts["wrong"] / scored, 4) if scored else 0.0,
    }


def _slice_dict(items: list[ItemResult]) -> dict[str, Any]:
    strict, subset = _score(items, "strict"), _score(items, "subset")
    return {
        "judged": judged(items),
        "strict": {**strict, "accuracy": round(strict["accuracy"], 4)},
        "subset": {**subset, "accuracy": round(subset["accuracy"], 4)},
        "latency_ms": _latency(items),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(score: dict[str, Any]) -> str:
    return f"{score['correct']}/{score['total']} ({100 * score['accuracy']:.1f}%)"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def jsonable(value: Any) -> Any:
    """Result values (and nested diffs) as JSON types; long strings shortened."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value).replace("\n", "⏎")
    return text if len(text) <= 60 else text[:59] + "…"


def _row(values: Iterable[Any]) -> str:
    return "`" + " | ".join(_cell(v) for v in values) + "`"


def _code(sql: str) -> str:
    return "```sql\n" + sql.strip() + "\n```"


def _failure_markdown(item: ItemResult) -> str:
    timing = f" · NL→SQL {item.generation_ms:.1f} ms" if item.generation_ms is not None else ""
    lines = [
        f"### {item.scenario_id} · {item.lang} · {item.category}{' · ordered' if item.ordered else ''} — "
        f"{OUTCOMES.get(item.outcome, item.outcome)}{timing}",
        "",
        f"> {item.question}",
        "",
        "gold:",
        _code(item.gold_sql),
    ]
    shown = item.executed_sql or item.predicted_sql
    if shown:
        lines += ["predicted" + (" (after the guard)" if item.executed_sql else "") + ":", _code(shown)]
    if item.error:
        lines.append(f"error: {item.error}")
    diff = item.diff
    if diff:
        lines.append(
            f"result: gold {diff['gold_row_count']} row(s) × {len(diff['gold_columns'])} column(s) "
            f"[{', '.join(diff['gold_columns'])}], predicted {diff['predicted_row_count']} row(s) × "
            f"{len(diff['predicted_columns'])} column(s) [{', '.join(diff['predicted_columns'])}]"
        )
        lines.extend(f"- {reason}" for reason in diff.get("reasons", []))
        mapping = diff.get("column_mapping")
        if mapping:
            lines.append("- columns: " + ", ".join(f"{g} → {p}" for g, p in mapping.items()))
        for label, key in (("missing (gold only)", "missing_rows"), ("extra (predicted only)", "extra_rows")):
            rows = diff.get(key)
            if rows:
                lines.append(f"- {label}:")
                lines.extend(f"    - {_row(r)}" for r in rows)
        moved = diff.get("first_out_of_order")
        if moved:
            lines.append(
                f"- row {moved['row']}: gold {_row(moved['gold'])} · predicted {_row(moved['predicted'])}"
            )
    return "\n".join(lines)
