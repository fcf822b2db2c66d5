"""Few-shot examples for the metadata cache: question/SQL pairs that show an engine the schema.

The seed's ExampleGenerator asked an LLM for five pairs and parsed free text. Here the Dagster
``few_shot_examples`` asset calls :func:`build_examples_for` (or :func:`build_examples` per table),
which collects pairs from three sources, best first:

* ``feedback`` — questions analysts asked in the app and marked as answered well (``nlq_feedback``);
* ``claude`` — when an API key is configured, Claude writes realistic analyst questions with their
  SQL, returned through a forced ``submit_examples`` tool call (:func:`generate_examples_with_claude`);
* ``synthetic`` — otherwise (or when Claude is unavailable) an offline synthesiser derives varied
  Korean and English questions from the column roles and the value catalog
  (:func:`synthesize_examples`); for the ``logs`` table its SQL comes from the offline engine.

Every pair is then checked the way an analyst's query would be — :func:`guard`, then executed
read-only — and kept only if it returns data (:func:`validate_examples`); near-duplicates are
dropped, the first one kept (:func:`dedupe_examples`).
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import asyncpg
import sqlglot
import structlog
from sqlglot import exp

from nlq_platform.metadata.schema import Column, SchemaSnapshot, Table
from nlq_platform.text_to_sql.anthropic_engine import (
    AnthropicEngine,
    AnthropicSettings,
    EngineUnavailable,
    _clean_sql,
    _dialect_rules,
    render_table,
    render_value_hints,
)
from nlq_platform.text_to_sql.context import Context
from nlq_platform.text_to_sql.engine import NotUnderstood
from nlq_platform.text_to_sql.executor import ExecutionError, fetch_readonly
from nlq_platform.text_to_sql.guard import SOFT_DELETE_COLUMN, GuardError, guard
from nlq_platform.text_to_sql.similarity import ngrams as _ngrams

if TYPE_CHECKING:
    from anthropic import Anthropic

log = structlog.get_logger(__name__)

SOURCES = ("feedback", "claude", "synthetic")
EXAMPLES_TOOL_NAME = "submit_examples"
#: the table the offline engine is written for: its synthetic SQL comes from the engine
OFFLINE_ENGINE_TABLE = "logs"


@dataclass(frozen=True)
class Example:
    question: str
    sql: str
    table_id: str
    source: str  # "synthetic", "claude" or "feedback"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


# --- catalog and column roles -----------------------------------------------------------------------


def catalog_for(table: Table, catalog: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """``{column: [value, …]}`` for ``table``, most frequent first.

    Accepts a single table's catalog (values as strings or ``{"value", "count"}`` records, as
    :func:`nlq_platform.metadata.postgres.fetch_value_catalog` returns) or the ``value_catalog``
    asset's ``{table_id: {column: [...]}}``.
    """
    if not catalog:
        return {}
    nested = catalog.get(table.table_id)
    if isinstance(nested, Mapping):
        catalog = nested
    elif all(isinstance(v, Mapping) for v in catalog.values()):
        return {}  # a per-table catalog without this table
    out: dict[str, list[str]] = {}
    for column, values in catalog.items():
        if isinstance(values, Mapping) or not isinstance(values, Iterable) or isinstance(values, str):
            continue
        plain = (v.get("value") if isinstance(v, Mapping) else v for v in values)
        out[column] = [str(v) for v in plain if v is not None and str(v)]
    return out


_NUMERIC_TYPE = re.compile(
    r"^(smallint|integer|int|bigint|int2|int4|int8|int64|numeric|decimal|bignumeric|bigdecimal|real|"
    r"double precision|float|float4|float8|float64|money)\b",
    re.IGNORECASE,
)
_TIME_PREFERENCE = ("created_at", "event_timestamp", "timestamp", "ts", "occurred_at", "event_time", "time")


def _time_kind(column: Column) -> str | None:
    t = column.type.lower()
    if "timestamp" in t:
        return "timestamp"
    if t.startswith("datetime"):
        return "datetime"
    if t == "date":
        return "date"
    return None


def _is_id(column: Column) -> bool:
    name = column.name.lower()
    return name in ("id", "uuid") or name.endswith(("_id", "_uuid", "_key"))


@dataclass(frozen=True)
class ColumnRoles:
    """What the synthesiser can ask about a table's columns."""

    time: Column | None = None
    time_kind: str | None = None  # timestamp, datetime or date
    #: low-cardinality columns with their known values (catalog first, then enum labels)
    categorical: tuple[tuple[Column, tuple[str, ...]], ...] = ()
    numeric: tuple[Column, ...] = ()
    #: identifier columns worth a distinct count (not the primary key ``id``)
    ids: tuple[Column, ...] = ()


def column_roles(table: Table, catalog_values: Mapping[str, Sequence[str]]) -> ColumnRoles:
    times = [c for c in table.columns if _time_kind(c)]
    times.sort(
        key=lambda c: (
            _TIME_PREFERENCE.index(c.name.lower()) if c.name.lower() in _TIME_PREFERENCE else 99,
            c.name.lower().startswith(("updated", "deleted", "modified")),
        )
    )
    time = times[0] if times else None
    skip = {SOFT_DELETE_COLUMN, time.name.lower() if time else ""}

    categorical: list[tuple[Column, tuple[str, ...]]] = []
    for name, values in catalog_values.items():  # the catalog's order: most useful first
        col = table.column(name)
        if col is None or col.name.lower() in skip or _is_id(col) or not values:
            continue
        categorical.append((col, tuple(values)))
    seen = {c.name for c, _ in categorical}
    for col in table.columns:
        if col.enum_values and col.name not in seen and col.name.lower() not in skip:
            categorical.append((col, col.enum_values))
    seen |= {c.name for c, _ in categorical}

    numeric = tuple(
        c
        for c in table.columns
        if _NUMERIC_TYPE.match(c.type) and not _is_id(c) and c.name not in seen and c.name.lower() not in skip
    )
    ids = tuple(c for c in table.columns if _is_id(c) and c.name.lower() != "id")
    return ColumnRoles(time, _time_kind(time) if time else None, tuple(categorical), numeric, ids)


# --- labels: how questions name tables and columns ------------------------------------------------

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# the offline engine's own words for the logs columns, so that it understands the questions
_LOGS_KO = {
    "service": "서비스",
    "error_type": "에러 유형",
    "path": "엔드포인트",
    "environment": "환경",
    "level": "레벨",
    "log_type": "로그 타입",
    "method": "메서드",
    "action_type": "액션",
    "service_version": "버전",
    "user_id": "사용자",
    "session_id": "세션",
    "function_name": "함수",
    "duration_ms": "응답시간",
}
_LOGS_EN = {"path": "endpoint", "service_version": "version", "duration_ms": "response time",
            "user_id": "user", "session_id": "session"}  # fmt: skip


def _short_label(description: str) -> str | None:
    """ "서비스 이름 (예: payment-api)" → "서비스 이름"; None without Korean or when too long."""
    head = re.split(r"\s*[(:;,]|\s+-\s+", description.strip(), maxsplit=1)[0].strip()
    if not head or not _HANGUL.search(head) or len(head) > 14:
        return None
    return head


def _has_batchim(word: str) -> bool:
    """Whether ``word`` ends in a consonant sound (Korean particles follow it: 이/가, 은/는, 을/를)."""
    word = word.strip().strip("'\"`)")
    if not word:
        return False
    last = word[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    if last.isdigit():
        return last in "0136780"  # 영 일 삼 육 칠 팔 십
    lowered = word.lower()
    return lowered.endswith(("l", "m", "n", "ng", "p", "b")) and not lowered.endswith("mn")


def _ga(word: str) -> str:
    return f"{word}{'이' if _has_batchim(word) else '가'}"


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


@dataclass(frozen=True)
class Labels:
    ko_noun: str  # "로그", "주문"
    en_noun: str  # plural: "logs", "orders"
    en_singular: str
    ko: dict[str, str] = field(default_factory=dict)
    en: dict[str, str] = field(default_factory=dict)

    def k(self, column: Column) -> str:
        return self.ko.get(column.name, column.name)

    def e(self, column: Column) -> str:
        return self.en.get(column.name, column.name.replace("_", " "))


def table_labels(table: Table) -> Labels:
    base = table.table_id.rsplit(".", 1)[-1]
    base = re.sub(r"_?\d{6,8}$", "", base) or base  # events_20210131 → events
    en_noun = base.replace("_", " ").lower()
    en_singular = en_noun[:-1] if en_noun.endswith("s") and not en_noun.endswith("ss") else en_noun
    if not en_noun.endswith("s"):
        en_noun = _plural(en_noun)
    ko_label = _short_label(table.description)
    ko_noun = ko_label.removesuffix("테이블").strip().split()[-1] if ko_label else en_noun
    ko = {c.name: label for c in table.columns if (label := _short_label(c.description))}
    en: dict[str, str] = {}
    for c in table.columns:
        name = c.name.lower()
        for suffix, unit in (("_ms", " (ms)"), ("_sec", " (s)"), ("_seconds", " (s)")):
            if name.endswith(suffix):
                en[c.name] = name.removesuffix(suffix).replace("_", " ") + unit
    if _uses_offline_engine(table):
        ko.update(_LOGS_KO)
        en.update(_LOGS_EN)
        ko_noun = "로그"
    return Labels(ko_noun=ko_noun, en_noun=en_noun, en_singular=en_singular, ko=ko, en=en)


def _uses_offline_engine(table: Table) -> bool:
    return table.table_id.rsplit(".", 1)[-1].lower() == OFFLINE_ENGINE_TABLE


# --- SQL in the table's dialect -------------------------------------------------------------------


def table_dialect(table: Table, default: str = "postgres") -> str:
    return "bigquery" if table.source == "bigquery" else default


class _SQL:
    """The few dialect-specific fragments the templates need (PostgreSQL and BigQuery)."""

    def __init__(self, table: Table, time_kind: str | None) -> None:
        self.table = table
        self.dialect = table_dialect(table)
        self.time_kind = time_kind
        self.soft_delete = table.column(SOFT_DELETE_COLUMN) is not None

    def ident(self, name: str) -> str:
        quoted = self.dialect == "postgres" and name != name.lower()
        return exp.to_identifier(name, quoted=quoted or None).sql(dialect=self.dialect)

    def from_(self) -> str:
        if self.dialect == "bigquery":
            return f"`{self.table.table_id}`"
        return ".".join(self.ident(part) for part in self.table.table_id.split("."))

    def since(self, column: Column, hours: int) -> str:
        """``column`` within the last ``hours`` (whole days for DATE columns)."""
        col, days = self.ident(column.name), max(1, hours // 24)
        if self.dialect == "bigquery":
            if self.time_kind == "date":
                return f"{col} >= DATE_SUB(CURRENT_DATE(), INTERVAL {days} DAY)"
            fn = "DATETIME" if self.time_kind == "datetime" else "TIMESTAMP"
            now = "CURRENT_DATETIME()" if self.time_kind == "datetime" else "CURRENT_TIMESTAMP()"
            amount, unit = (days, "DAY") if hours % 24 == 0 and hours >= 48 else (hours, "HOUR")
            return f"{col} >= {fn}_SUB({now}, INTERVAL {amount} {unit})"
        if self.time_kind == "date":
            return f"{col} >= CURRENT_DATE - {days}"
        if hours % 24 == 0 and hours >= 48:
            return f"{col} >= NOW() - INTERVAL '{days} days'"
        return f"{col} >= NOW() - INTERVAL '{hours} hour{'s' if hours != 1 else ''}'"

    def bucket(self, column: Column, unit: str) -> str:
        col = self.ident(column.name)
        if self.time_kind == "date":
            return col
        if self.dialect == "bigquery":
            fn = "DATETIME_TRUNC" if self.time_kind == "datetime" else "TIMESTAMP_TRUNC"
            return f"{fn}({col}, {unit.upper()})"
        return f"DATE_TRUNC('{unit}', {col})"

    def p95(self, column: Column) -> str:
        col = self.ident(column.name)
        if self.dialect == "bigquery":
            return f"APPROX_QUANTILES({col}, 100)[OFFSET(95)]"
        return f"PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY {col})"

    @staticmethod
    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def select(
        self,
        columns: Sequence[str],
        where: Sequence[str] = (),
        group: Sequence[str] = (),
        order: Sequence[str] = (),
        limit: int | None = None,
    ) -> str:
        conditions = [*where, *([f"{SOFT_DELETE_COLUMN} = FALSE"] if self.soft_delete else [])]
        sql = f"SELECT {', '.join(columns)} FROM {self.from_()}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if group:
            sql += " GROUP BY " + ", ".join(group)
        if order:
            sql += " ORDER BY " + ", ".join(order)
        if limit is not None:
            sql += f" LIMIT {limit}"
        sqlglot.parse_one(sql, read=self.dialect)  # a template bug fails loudly here
        return sql


# --- the offline synthesiser ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """One synthesised question (both phrasings) and its template SQL, with what the SQL must
    contain for an engine's answer to count as the same query."""

    ko: str
    en: str
    sql: str
    columns: frozenset[str] = frozenset()
    values: tuple[str, ...] = ()
    window_hours: int | None = None
    aggregates: frozenset[str] = frozenset()
    limit: int | None = None


def _windows(kind: str | None) -> list[tuple[int, str, str]]:
    """(hours, Korean, English) of the "last N" windows the templates use."""
    if kind == "date":
        return [(24 * 7, "최근 7일", "over the past 7 days"), (24 * 30, "최근 30일", "over the past 30 days")]
    return [
        (24, "최근 24시간", "in the last 24 hours"),
        (1, "최근 1시간", "in the last hour"),
        (24 * 7, "최근 7일", "over the past 7 days"),
    ]


@dataclass(frozen=True)
class _Window:
    """A "last N hours" condition and how the two languages say it ('' when the table has no time)."""

    where: tuple[str, ...] = ()
    ko: str = ""  # "최근 24시간 "
    en: str = ""  # " in the last 24 hours"
    hours: int | None = None
    columns: tuple[Column, ...] = ()


def _families(table: Table, roles: ColumnRoles, labels: Labels) -> list[list[_Spec]]:
    """Template families, each a list of variants; the caller interleaves them for variety."""
    q = _SQL(table, roles.time_kind)
    L = labels
    ts = roles.time
    count_alias = f"{re.sub(r'[^a-z0-9_]', '_', L.en_singular)}_count"
    count = f"COUNT(*) AS {count_alias}"
    cats = list(roles.categorical)
    hourly = ts is not None and roles.time_kind != "date"
    families: list[list[_Spec]] = []

    def window(i: int | None) -> _Window:
        """The i-th "last N" window, rotating; no window without a time column (or i None)."""
        if ts is None or i is None:
            return _Window()
        hours, ko, en = (wins := _windows(roles.time_kind))[i % len(wins)]
        return _Window((q.since(ts, hours),), ko + " ", " " + en, hours, (ts,))

    def spec(ko: str, en: str, sql: str, cols: Iterable[Column], w: _Window, aggs: str, **kw: Any) -> _Spec:
        names = frozenset(c.name.lower() for c in (*cols, *w.columns))
        return _Spec(ko, en, sql, names, window_hours=w.hours, aggregates=frozenset(aggs.split()), **kw)

    def w24() -> _Window:
        return window(0)

    # counts in "last N hours" windows, per hour and per day
    if ts is not None:
        family = []
        for i in range(len(_windows(roles.time_kind))):
            w = window(i)
            family.append(
                spec(
                    f"{w.ko}동안 {L.ko_noun} 건수는 몇 건이야?",
                    f"How many {L.en_noun} were recorded{w.en}?",
                    q.select([count], w.where),
                    [],
                    w,
                    "count",
                )
            )
        families.append(family)
        family = []
        if hourly:
            w = w24()
            family.append(
                spec(
                    f"{w.ko}{L.ko_noun} 건수를 시간대별로 보여줘",
                    f"Show the number of {L.en_noun} per hour{w.en}.",
                    q.select([f"{q.bucket(ts, 'hour')} AS hour", count], w.where, ["hour"], ["hour"]),
                    [],
                    w,
                    "count",
                )
            )
        hours, ko, en = 24 * 7, "최근 7일", "over the past 7 days"
        w = _Window((q.since(ts, hours),), ko + " ", " " + en, hours, (ts,))
        family.append(
            spec(
                f"{w.ko}일별 {L.ko_noun} 건수 추이 보여줘",
                f"What is the daily count of {L.en_noun}{w.en}?",
                q.select([f"{q.bucket(ts, 'day')} AS day", count], w.where, ["day"], ["day"]),
                [],
                w,
                "count",
            )
        )
        families.append(family)

    # counts per value of a low-cardinality column, and its top N values
    family = []
    for i, (c, _values) in enumerate(cats):
        col, w = q.ident(c.name), window(i)
        family.append(
            spec(
                f"{w.ko}{L.k(c)}별 {L.ko_noun} 건수 보여줘",
                f"Break down the {L.en_noun}{w.en} by {L.e(c)}.",
                q.select([col, count], w.where, [col], [f"{count_alias} DESC"]),
                [c],
                w,
                "count",
            )
        )
    families.append(family)
    family = []
    for i, (c, values) in enumerate(cats[1:] + cats[:1]):
        col, w, k = q.ident(c.name), window(i + 1), min(5, max(2, len(values) - 1))
        family.append(
            spec(
                f"{w.ko}{L.ko_noun} 건수가 가장 많은 {L.k(c)} 상위 {k}개 알려줘",
                f"Which {k} {_plural(L.e(c))} had the most {L.en_noun}{w.en}?",
                q.select([col, count], w.where, [col], [f"{count_alias} DESC"], limit=k),
                [c],
                w,
                "count",
                limit=k,
            )
        )
    families.append(family)

    # filters on a frequent value (every other one bucketed by hour)
    family = []
    for i, (c, values) in enumerate(cats):
        value = values[i % min(2, len(values))]
        cond = f"{q.ident(c.name)} = {q.literal(value)}"
        if hourly and i % 2 == 1:
            w = w24()
            family.append(
                spec(
                    f"{w.ko}{_ga(L.k(c))} {value}인 {L.ko_noun} 건수를 시간대별로 보여줘",
                    f"Hour by hour{w.en}, how many {L.en_noun} had {L.e(c)} {value}?",
                    q.select(
                        [f"{q.bucket(ts, 'hour')} AS hour", count], [cond, *w.where], ["hour"], ["hour"]
                    ),  # type: ignore[arg-type]
                    [c],
                    w,
                    "count",
                    values=(value,),
                )
            )
        else:
            w = window(i + 1)
            family.append(
                spec(
                    f"{w.ko}{_ga(L.k(c))} {value}인 {L.ko_noun} 건수 알려줘",
                    f"How many {L.en_noun} had {L.e(c)} {value}{w.en}?",
                    q.select([count], [cond, *w.where]),
                    [c],
                    w,
                    "count",
                    values=(value,),
                )
            )
    families.append(family)

    # numeric columns: average, maximum and p95, overall and per value
    family = []
    for i, n in enumerate(roles.numeric):
        col, name = q.ident(n.name), re.sub(r"[^a-z0-9_]", "_", n.name.lower())
        not_null = f"{col} IS NOT NULL"
        w = window(i)
        family.append(
            spec(
                f"{w.ko}{L.k(n)}의 평균, 최대, p95 알려줘",
                f"What are the average, maximum and p95 {L.e(n)}{w.en}?",
                q.select(
                    [f"AVG({col}) AS avg_{name}", f"MAX({col}) AS max_{name}", f"{q.p95(n)} AS p95_{name}"],
                    [not_null, *w.where],
                ),
                [n],
                w,
                "avg max p95",
            )
        )
        for j, (c, _values) in enumerate(cats[:4]):
            ccol, w = q.ident(c.name), window(0 if j % 2 == 0 else 2)
            if j % 2 == 0:
                family.append(
                    spec(
                        f"{w.ko}{L.k(c)}별 평균 {L.k(n)} 상위 5개 보여줘",
                        f"Which 5 {_plural(L.e(c))} had the highest average {L.e(n)}{w.en}?",
                        q.select(
                            [ccol, f"AVG({col}) AS avg_{name}", count],
                            [not_null, *w.where],
                            [ccol],
                            [f"avg_{name} DESC"],
                            limit=5,
                        ),
                        [c, n],
                        w,
                        "avg",
                        limit=5,
                    )
                )
            else:
                family.append(
                    spec(
                        f"{w.ko}{L.k(c)}별 최대 {L.k(n)} 보여줘",
                        f"What was the maximum {L.e(n)} for each {L.e(c)}{w.en}?",
                        q.select(
                            [ccol, f"MAX({col}) AS max_{name}"],
                            [not_null, *w.where],
                            [ccol],
                            [f"max_{name} DESC"],
                        ),
                        [c, n],
                        w,
                        "max",
                    )
                )
    families.append(family)

    # distinct counts of identifier columns, overall and per value
    family = []
    for i, d in enumerate(roles.ids):
        col, w = q.ident(d.name), window(i)
        alias = f"distinct_{re.sub(r'[^a-z0-9_]', '_', d.name.lower())}"
        family.append(
            spec(
                f"{w.ko}고유한 {L.k(d)} 수 알려줘",
                f"How many distinct {_plural(L.e(d))} were seen{w.en}?",
                q.select([f"COUNT(DISTINCT {col}) AS {alias}"], w.where),
                [d],
                w,
                "count_distinct",
            )
        )
        if cats:
            c, w = cats[i % len(cats)][0], window(i + 1)
            ccol = q.ident(c.name)
            family.append(
                spec(
                    f"{w.ko}{L.k(c)}별 고유 {L.k(d)} 수 보여줘",
                    f"How many distinct {_plural(L.e(d))} did each {L.e(c)} have{w.en}?",
                    q.select([ccol, f"COUNT(DISTINCT {col}) AS {alias}"], w.where, [ccol], [f"{alias} DESC"]),
                    [c, d],
                    w,
                    "count_distinct",
                )
            )
    families.append(family)
    return [f for f in families if f]


def _interleave(families: list[list[_Spec]]) -> Iterator[_Spec]:
    """Round-robin over the families: a cut at any length keeps the mix."""
    for round_ in range(max((len(f) for f in families), default=0)):
        for family in families:
            if round_ < len(family):
                yield family[round_]


# which aggregate kinds a query computes, to compare an engine's SQL with the template's
def _aggregates(tree: exp.Expr) -> set[str]:
    kinds: set[str] = set()
    for node in tree.walk():
        if isinstance(node, exp.Count):
            kinds.add("count_distinct" if isinstance(node.this, exp.Distinct) else "count")
        elif isinstance(node, exp.Avg):
            kinds.add("avg")
        elif isinstance(node, exp.Max):
            kinds.add("max")
        elif isinstance(node, exp.PercentileCont | exp.PercentileDisc | exp.ApproxQuantiles):
            kinds.add("p95")
    return kinds


_INTERVAL = re.compile(r"(\d+)\s*(minute|hour|day|week)s?", re.IGNORECASE)
_MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080}


def _interval_hours(tree: exp.Expr) -> set[float]:
    hours = set()
    for node in tree.find_all(exp.Interval):
        unit = node.args.get("unit")
        text = f"{node.this.name if node.this else ''} {unit.name if unit else ''}"
        if m := _INTERVAL.search(text):
            hours.add(int(m.group(1)) * _MINUTES[m.group(2).lower()] / 60)
    return hours


def _engine_agrees(spec: _Spec, sql: str, dialect: str) -> bool:
    """True when the engine's SQL reads the template's columns, values, window and aggregates."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return False
    columns = {c.name.lower() for c in tree.find_all(exp.Column)}
    literals = {lit.name for lit in tree.find_all(exp.Literal) if lit.is_string}
    if not spec.columns <= columns or not set(spec.values) <= literals:
        return False
    if _interval_hours(tree) != ({spec.window_hours} if spec.window_hours is not None else set()):
        return False
    limit = tree.args.get("limit")
    if spec.limit is not None and (limit is None or limit.expression.name != str(spec.limit)):
        return False
    return spec.aggregates <= _aggregates(tree)


def _engine_sql(question: str, spec: _Spec, context: Context) -> str | None:
    """The offline engine's SQL for ``question`` if it answers the same query as the template."""
    from nlq_platform.text_to_sql.offline.engine import OfflineEngine

    try:
        sql = OfflineEngine().generate(question, context).sql
        guard(sql, context.schema)
    except (NotUnderstood, GuardError):
        return None
    except Exception as exc:  # an engine bug must not stop the asset: the template SQL is fine
        log.warning("offline engine failed on a synthesised question", question=question, error=str(exc))
        return None
    return sql if _engine_agrees(spec, sql, context.schema.dialect) else None


def synthesize_examples(
    table: Table,
    catalog_values: Mapping[str, Any] | None,
    language: str = "both",
    limit: int = 24,
) -> list[Example]:
    """Offline question/SQL pairs for any table, from its column roles and value catalog.

    Templates per role — a timestamp column gives counts in "last N hours" windows and per
    hour/day, low-cardinality columns counts per value, top-N values and filters on a frequent
    value, numeric columns average/maximum/p95 (overall and per value), identifier columns
    distinct counts — phrased in Korean and English (``language``: ``ko``, ``en`` or ``both``,
    alternating so a pair's two languages carry different variants). SQL is written in the
    table's dialect and parsed by sqlglot. For the ``logs`` table the offline engine answers each
    question and its SQL is used when it computes the same thing; otherwise the template's.
    """
    if language not in ("ko", "en", "both"):
        raise ValueError(f"language must be ko, en or both, not {language!r}")
    values = catalog_for(table, catalog_values)
    roles = column_roles(table, values)
    dialect = table_dialect(table)
    context = None
    if _uses_offline_engine(table):
        schema = SchemaSnapshot(tables=(table,), dialect=dialect)
        context = Context(schema=schema, catalog=values)

    candidates: list[Example] = []
    for i, spec in enumerate(_interleave(_families(table, roles, table_labels(table)))):
        lang = language if language != "both" else ("ko" if i % 2 == 0 else "en")
        question = spec.ko if lang == "ko" else spec.en
        sql = (_engine_sql(question, spec, context) if context else None) or spec.sql
        candidates.append(Example(question=question, sql=sql, table_id=table.table_id, source="synthetic"))
    return dedupe_examples(candidates, dialect=dialect)[: max(0, limit)]


# --- Claude ---------------------------------------------------------------------------------------

SUBMIT_EXAMPLES_TOOL: dict[str, Any] = {
    "name": EXAMPLES_TOOL_NAME,
    "description": "Submit the example questions, each with the one read-only SQL query that answers it.",
    "input_schema": {
        "type": "object",
        "properties": {
            "examples": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {
                            "type": "string",
                            "description": "The question as an analyst would type it (Korean or English).",
                        },
                        "sql": {
                            "type": "string",
                            "description": "A single SELECT statement (no trailing semicolon).",
                        },
                    },
                    "required": ["question", "sql"],
                },
            }
        },
        "required": ["examples"],
    },
}


def build_examples_prompt(
    table: Table, catalog_values: Mapping[str, Any] | None, n: int = 8
) -> tuple[str, str]:
    """(system, user) text of the example-generation request."""
    dialect = table_dialect(table)
    dialect_name = "BigQuery" if dialect == "bigquery" else "PostgreSQL"
    values = catalog_for(table, catalog_values)
    rules = [
        *_dialect_rules(SchemaSnapshot(tables=(table,), dialect=dialect)),
        "Use only the table and columns of the schema; never invent columns or values.",
        "Filter on values spelled exactly as in the value hints (they exist in the data), so every "
        "query returns rows.",
        "Give computed columns short snake_case aliases; order results meaningfully and put a LIMIT "
        "on lists of rows.",
    ]
    system = "\n\n".join(
        [
            "You write few-shot examples for a Text-to-SQL system: realistic questions that data "
            f"analysts and on-call engineers ask about one {dialect_name} table, each paired with the "
            "one query that answers it.",
            "SQL rules:\n" + "\n".join(f"- {r}" for r in rules),
            f"Always answer by calling the {EXAMPLES_TOOL_NAME} tool.",
        ]
    )
    parts = ["Schema:\n" + render_table(table, dialect)]
    hints = render_value_hints(values)
    if hints:
        parts.append("Value hints (most frequent values per column):\n" + hints)
    parts.append(
        f"Write {n} diverse examples. About half the questions in Korean, half in English, phrased "
        "the way people really ask (no column names in backticks, no SQL words), each answerable "
        "by exactly one query. Cover different kinds of question: counts over recent time windows, "
        "trends per hour or day, breakdowns and top-N by a column, filters on a listed value, "
        "averages and percentiles of numeric columns, distinct counts of ids, and a few listings of "
        "recent rows. No two examples may ask the same thing."
    )
    return system, "\n\n".join(parts)


def generate_examples_with_claude(
    table: Table,
    catalog_values: Mapping[str, Any] | None,
    settings: AnthropicSettings | None = None,
    n: int = 8,
    client: Anthropic | None = None,
) -> list[Example]:
    """Claude's question/SQL pairs for ``table``, via a forced ``submit_examples`` tool call.

    Raises :class:`EngineNotConfigured` without an API key (and no ``client``) and
    :class:`EngineUnavailable` when the API cannot be reached or answers without examples.
    The pairs are not checked here: :func:`validate_examples` does that.
    """
    settings = settings if settings is not None else AnthropicSettings.from_env()
    # The engine owns the lazy client and the translation of SDK errors into sentences.
    engine = AnthropicEngine(settings, client=client)
    sdk = engine._get_client()
    system, user = build_examples_prompt(table, catalog_values, n)
    import anthropic

    try:
        response = sdk.messages.create(
            model=settings.model,
            max_tokens=min(8192, 1024 + 320 * n),
            system=[{"type": "text", "text": system}],
            messages=[{"role": "user", "content": user}],
            tools=[SUBMIT_EXAMPLES_TOOL],  # type: ignore[list-item]
            tool_choice={"type": "tool", "name": EXAMPLES_TOOL_NAME, "disable_parallel_tool_use": True},
        )
    except anthropic.AnthropicError as err:
        raise engine._unavailable(err) from err

    call = next((b for b in response.content if b.type == "tool_use" and b.name == EXAMPLES_TOOL_NAME), None)
    if call is None:
        raise EngineUnavailable(
            f"The model returned no examples (stop reason: {response.stop_reason}); "
            "falling back to the offline synthesiser is safe."
        )
    items = call.input.get("examples") if isinstance(call.input, dict) else None
    examples = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        question, sql = item.get("question"), item.get("sql")
        if isinstance(question, str) and isinstance(sql, str) and question.strip() and _clean_sql(sql):
            examples.append(Example(" ".join(question.split()), _clean_sql(sql), table.table_id, "claude"))
    return examples[:n]


# --- validation -----------------------------------------------------------------------------------


def _has_data(rows: Sequence[tuple[Any, ...]]) -> bool:
    """At least one row — and not just one row of zeros/NULLs (an aggregate over nothing)."""
    if not rows:
        return False
    if len(rows) == 1:
        return any(v not in (None, 0) for v in rows[0])
    return True


def _teaching_sql(
    original: str, guarded_sql: str, deleted_added: bool, limit_added: bool, dialect: str
) -> str:
    """The SQL to keep: as written, unless the guard had to add the soft-delete filter — then the
    guarded form (without the LIMIT the guard adds to everything), so examples teach the filter."""
    if not deleted_added:
        return original
    if not limit_added:
        return guarded_sql
    tree = sqlglot.parse_one(guarded_sql, read=dialect)
    tree.set("limit", None)
    return tree.sql(dialect=dialect)


async def validate_examples(
    examples: Iterable[Example],
    conn: asyncpg.Connection,
    schema: SchemaSnapshot,
    timeout_ms: int = 5000,
) -> list[Example]:
    """The examples whose SQL passes :func:`guard` and, executed read-only on ``conn``, returns data.

    ``conn`` should be the reader role's. Examples on tables that are not in PostgreSQL (BigQuery)
    cannot be executed here: for them the guard (in the BigQuery dialect) is the check. A lost
    connection raises :class:`ExecutionError` instead of silently dropping every example.
    """
    kept: list[Example] = []
    for example in examples:
        table = schema.table(example.table_id)
        dialect = table_dialect(table, schema.dialect) if table else schema.dialect
        try:
            guarded = guard(example.sql, schema, dialect=dialect)
        except GuardError as exc:
            log.info("example refused by the guard", question=example.question, reason=str(exc))
            continue
        sql = _teaching_sql(
            example.sql, guarded.sql, guarded.deleted_filter_added, guarded.limit_added, dialect
        )
        owner = table if table is not None or not guarded.tables else schema.table(guarded.tables[0])
        example = replace(example, sql=sql, table_id=owner.table_id if owner else example.table_id)
        if dialect != "postgres" or (owner is not None and owner.source != "postgres"):
            kept.append(example)
            continue
        try:
            result = await fetch_readonly(conn, guarded.sql, timeout_ms)
        except ExecutionError as exc:
            if isinstance(exc.__cause__, OSError | asyncpg.InterfaceError):
                raise
            log.info("example failed to run", question=example.question, reason=str(exc))
            continue
        if not _has_data(result.rows):
            log.info("example returned no data", question=example.question)
            continue
        kept.append(example)
    return kept


# --- near-duplicates ------------------------------------------------------------------------------


def normalize_sql(sql: str, dialect: str = "postgres") -> str:
    """A canonical form for comparing queries: parsed and regenerated (case, spacing, quoting);
    the text lower-cased and squeezed when sqlglot cannot parse it."""
    try:
        return sqlglot.parse_one(sql, read=dialect).sql(dialect=dialect, normalize=True, comments=False)
    except sqlglot.errors.SqlglotError:
        return " ".join(sql.lower().rstrip(";").split())


def question_similarity(a: str, b: str) -> float:
    """Cosine similarity of the questions' character 2/3-grams (the engine's few-shot n-grams)."""
    return _cosine(_ngrams(a), _ngrams(b))


def dedupe_examples(
    examples: Iterable[Example], threshold: float = 0.85, dialect: str = "postgres"
) -> list[Example]:
    """Drop near-duplicates, keeping the first: the same query (normalised SQL) or a question at
    least ``threshold`` similar to one already kept."""
    kept: list[Example] = []
    seen_sql: set[tuple[str, str]] = set()
    kept_grams: list[Counter[str]] = []
    for example in examples:
        key = (example.table_id, normalize_sql(example.sql, dialect))
        if key in seen_sql:
            continue
        grams = _ngrams(example.question)
        if any(_cosine(grams, other) >= threshold for other in kept_grams):
            continue
        seen_sql.add(key)
        kept_grams.append(grams)
        kept.append(example)
    return kept


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[g] for g, v in a.items() if g in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


# --- feedback -------------------------------------------------------------------------------------

FEEDBACK_TABLE = "nlq_feedback"


async def load_accepted_feedback(conn: asyncpg.Connection, table: str = FEEDBACK_TABLE) -> list[Example]:
    """Question/SQL pairs analysts accepted in the app (``verdict = 'up'``), newest first.

    ``[]`` when the table does not exist or ``conn``'s role may not read it.
    """
    row = await conn.fetchrow(
        "SELECT c.oid::regclass::text AS name, has_table_privilege(c.oid, 'SELECT') AS readable, "
        "array_agg(a.attname::text) AS columns "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE c.oid = to_regclass($1) GROUP BY c.oid",
        table,
    )
    if row is None:
        return []
    if not row["readable"]:
        log.warning("feedback table is not readable by this role; skipping feedback", table=table)
        return []
    columns = set(row["columns"])
    if not {"question", "sql", "verdict"} <= columns:
        log.warning("feedback table lacks question/sql/verdict; skipping feedback", table=table)
        return []
    table_id = "coalesce(table_id::text, 'logs')" if "table_id" in columns else "'logs'"
    order = "created_at DESC NULLS LAST" if "created_at" in columns else "1"
    rows = await conn.fetch(
        f"SELECT question, sql, {table_id} AS table_id FROM {row['name']} "
        "WHERE verdict::text = 'up' AND coalesce(btrim(question), '') <> '' "
        f"AND coalesce(btrim(sql), '') <> '' ORDER BY {order}"
    )
    return [Example(r["question"].strip(), _clean_sql(r["sql"]), r["table_id"], "feedback") for r in rows]


# --- the asset's step -----------------------------------------------------------------------------


async def build_examples(
    conn: asyncpg.Connection,
    table: Table,
    catalog_values: Mapping[str, Any] | None,
    schema: SchemaSnapshot | None = None,
    *,
    settings: AnthropicSettings | None = None,
    client: Anthropic | None = None,
    feedback: Sequence[Example] | None = None,
    n_claude: int = 8,
    limit: int = 24,
    language: str = "both",
    timeout_ms: int = 5000,
    threshold: float = 0.85,
) -> list[Example]:
    """Feedback + (Claude when an API key or client is given, else synthetic) → validate → dedupe.

    ``feedback``: accepted pairs already loaded (e.g. for several tables at once); when None they
    are read from ``conn``. Claude's failures (or an answer with no valid example) fall back to
    the offline synthesiser, so the asset always produces examples.
    """
    schema = schema if schema is not None else SchemaSnapshot(tables=(table,), dialect=table_dialect(table))
    if feedback is None:
        feedback = await load_accepted_feedback(conn)
    mine = [e for e in feedback if schema.table(e.table_id) == table]
    accepted = await validate_examples(mine, conn, schema, timeout_ms)

    settings = settings if settings is not None else AnthropicSettings.from_env()
    generated: list[Example] = []
    if settings.api_key or client is not None:
        try:
            claude = await asyncio.to_thread(
                generate_examples_with_claude, table, catalog_values, settings, n_claude, client
            )
            generated = await validate_examples(claude, conn, schema, timeout_ms)
        except EngineUnavailable as exc:
            log.warning("Claude could not write examples; using the offline synthesiser", error=str(exc))
        if not generated:
            log.info("no usable Claude examples; using the offline synthesiser", table=table.table_id)
    if not generated:
        synthetic = synthesize_examples(table, catalog_values, language=language, limit=limit)
        generated = await validate_examples(synthetic, conn, schema, timeout_ms)
    return dedupe_examples([*accepted, *generated], threshold, dialect=table_dialect(table, schema.dialect))


async def build_examples_for(
    snapshot: SchemaSnapshot,
    catalog: Mapping[str, Any] | None,
    dsn: str,
    *,
    settings: AnthropicSettings | None = None,
    client: Anthropic | None = None,
    feedback_dsn: str | None = None,
    **options: Any,
) -> list[Example]:
    """:func:`build_examples` for every table of ``snapshot`` on one connection to ``dsn`` (the
    reader role). ``catalog`` is the ``value_catalog`` asset's ``{table_id: {column: [...]}}``.
    Feedback is read with ``feedback_dsn`` when given (the reader may not see ``nlq_feedback``)."""
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        if feedback_dsn and feedback_dsn != dsn:
            feedback_conn = await asyncpg.connect(feedback_dsn, timeout=10)
            try:
                feedback = await load_accepted_feedback(feedback_conn)
            finally:
                await feedback_conn.close()
        else:
            feedback = await load_accepted_feedback(conn)
        examples: list[Example] = []
        for table in snapshot.tables:
            examples += await build_examples(
                conn,
                table,
                catalog_for(table, catalog),
                snapshot,
                settings=settings,
                client=client,
                feedback=feedback,
                **options,
            )
        return examples
    finally:
        await conn.close()


__all__ = [
    "SUBMIT_EXAMPLES_TOOL",
    "ColumnRoles",
    "Example",
    "build_examples",
    "build_examples_for",
    "build_examples_prompt",
    "catalog_for",
    "column_roles",
    "dedupe_examples",
    "generate_examples_with_claude",
    "load_accepted_feedback",
    "normalize_sql",
    "question_similarity",
    "synthesize_examples",
    "validate_examples",
]
